//! One sea-orm entity per table (the schema itself lives in the `migration` crate).

pub mod alert_destination;
pub mod api_key;
pub mod api_key_address;
pub mod api_key_scope_use;
pub mod api_key_signal;
pub mod api_key_usage;
pub mod api_request;
pub mod audit_chain_head;
pub mod audit_event;
pub mod client;
pub mod delivery;
pub mod envelope;
pub mod invitation;
pub mod key_change;
pub mod membership;
pub mod organization;
pub mod session;
pub mod user;
pub mod verification;
pub mod webhook;
pub mod workspace;
