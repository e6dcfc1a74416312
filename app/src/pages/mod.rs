//! One module per page; each holds the server functions its page calls.

pub mod invite;
pub mod login;
pub mod not_found;
pub mod settings;
pub mod setup;
