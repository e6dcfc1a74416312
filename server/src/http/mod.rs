//! HTTP layers around the Leptos app: client address, CSRF origin check, page guard,
//! session keep-alive, health probes, security headers, and the built bundle.

pub mod bundle;
pub mod client_ip;
pub mod csrf;
pub mod health;
pub mod page_guard;
pub mod security_headers;
pub mod session_keep_alive;
