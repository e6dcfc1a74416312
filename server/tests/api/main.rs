//! API tests: the real application on a random port, a fresh database per test.
//! `KEYWARD_TEST_BACKEND=postgres` (default) or `sqlite` picks the backend; `make test`
//! runs the suite once for each.

mod browser;
mod helpers;
mod smtp_sink;
mod snapshot;

mod alerts;
mod audit_chain;
mod audit_log;
mod bad_input;
mod billing;
mod bundle;
mod cli;
mod client_address;
mod csrf;
mod health;
mod key_admin;
mod key_details;
mod key_queries;
mod keys;
mod login;
mod members;
mod metrics;
mod organizations;
mod schema;
mod secrets;
mod server_fn_matrix;
mod sessions;
mod setup;
mod shutdown;
mod signals;
mod v1;
mod verification;
mod workspace_admin;
