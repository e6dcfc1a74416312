//! Reusable UI pieces.

pub mod format;
pub mod password_input;
pub mod placeholder;
