//! One sea-orm entity per table (the schema itself lives in the `migration` crate).

pub mod api_key;
pub mod audit_event;
pub mod membership;
pub mod organization;
pub mod session;
pub mod user;
pub mod workspace;
