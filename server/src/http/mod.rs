//! HTTP layers around the Leptos app: client address, CSRF origin check, page guard,
//! health probes, security headers.

pub mod client_ip;
pub mod csrf;
pub mod health;
pub mod page_guard;
pub mod security_headers;
