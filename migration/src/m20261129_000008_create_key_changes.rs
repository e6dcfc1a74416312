//! The change feed of verification-relevant changes, for SQLite deployments: the server
//! polls it so that a change made by another process (the admin CLI) reaches its cache of
//! verified keys. PostgreSQL deployments use `pg_notify` instead and leave it empty.
//! Rows are pruned by the server once every poller has long seen them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum KeyChanges {
    Table,
    Id,
    /// The organization whose keys may verify differently; NULL means every organization.
    OrgId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyChanges::Table)
                    .col(big_pk_auto(KeyChanges::Id))
                    .col(uuid_null(KeyChanges::OrgId))
                    .col(timestamp_with_time_zone(KeyChanges::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KeyChanges::Table).to_owned())
            .await
    }
}
