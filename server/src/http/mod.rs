//! HTTP layers around the Leptos app: CSRF origin check, page guard, health probes,
//! security headers.

pub mod csrf;
pub mod health;
pub mod page_guard;
pub mod security_headers;
