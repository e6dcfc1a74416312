//! Admin authentication: passwords, login throttling and the session contents.

pub mod password;
pub mod session;
pub mod throttle;
