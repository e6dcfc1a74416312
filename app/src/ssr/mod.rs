//! The server half of `app`: entities, services and the glue server functions use.
//! Compiled only with the `ssr` feature; nothing here reaches the WASM bundle.

pub mod auth;
pub mod boundary;
pub mod client_ip;
pub mod db;
pub mod entities;
pub mod errors;
pub mod key_cache;
pub mod keys;
pub mod mail;
pub mod rate_limit;
pub mod services;
pub mod setup_gate;
pub mod state;
