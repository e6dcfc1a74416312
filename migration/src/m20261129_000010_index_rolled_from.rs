//! An index on `api_keys.rolled_from`, for "has this key been replaced?": the key list
//! asks it for every page and edits ask it for the key they change. Without it both read
//! every key of the organization (the list's p99 went from 11 ms to 73 ms with 100,000
//! keys, bench/results/v1.md). Partial: most keys were never rolled.

use sea_orm_migration::prelude::*;

use crate::sql::execute_for_backend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str =
    "CREATE INDEX ix_api_keys_rolled_from ON api_keys (rolled_from) WHERE rolled_from IS NOT NULL";
const DROP: &str = "DROP INDEX ix_api_keys_rolled_from";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_backend(manager, CREATE, CREATE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_backend(manager, DROP, DROP).await
    }
}
