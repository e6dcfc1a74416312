//! Keyward's server: configuration, the HTTP application and the admin CLI.
//! The binary (`main.rs`) only parses arguments and calls into this library, so the
//! API tests can start the very same application on a random port.

pub mod cli;
pub mod commands;
pub mod config;
pub mod http;
pub mod metrics;
pub mod session_store;
pub mod startup;
pub mod telemetry;
pub mod v1;
