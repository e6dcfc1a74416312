//! Keyward's database schema, one dated migration per step, each with a real `down`.
//!
//! Every migration must run on PostgreSQL and on SQLite (the zero-setup default).
//! Constraints (unique, foreign keys, checks) live in the database, not only in code.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tenancy;
mod m20261123_000002_create_sessions;
mod m20261123_000003_create_api_keys;
mod m20261123_000004_create_audit_events;
mod m20261123_000005_create_api_key_usage;
mod m20261123_000006_create_sandbox_resources;
mod m20261123_000007_create_invitations;
mod m20261129_000008_create_key_changes;
mod m20261129_000009_scope_audit_events;
mod m20261129_000010_index_rolled_from;
mod m20261130_000011_create_request_log;
mod m20261130_000012_create_key_footprint;
mod m20261130_000013_create_key_signals;
mod m20261130_000014_chain_audit_events;
mod m20261130_000015_create_alerts;
mod sql;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tenancy::Migration),
            Box::new(m20261123_000002_create_sessions::Migration),
            Box::new(m20261123_000003_create_api_keys::Migration),
            Box::new(m20261123_000004_create_audit_events::Migration),
            Box::new(m20261123_000005_create_api_key_usage::Migration),
            Box::new(m20261123_000006_create_sandbox_resources::Migration),
            Box::new(m20261123_000007_create_invitations::Migration),
            Box::new(m20261129_000008_create_key_changes::Migration),
            Box::new(m20261129_000009_scope_audit_events::Migration),
            Box::new(m20261129_000010_index_rolled_from::Migration),
            Box::new(m20261130_000011_create_request_log::Migration),
            Box::new(m20261130_000012_create_key_footprint::Migration),
            Box::new(m20261130_000013_create_key_signals::Migration),
            Box::new(m20261130_000014_chain_audit_events::Migration),
            Box::new(m20261130_000015_create_alerts::Migration),
        ]
    }
}
