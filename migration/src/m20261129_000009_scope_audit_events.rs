//! The workspace and mode of each audit event, so that `/v1/audit` serves a key only the
//! events of its own workspace and mode. Both NULL: an organization-level event (members,
//! billing, sign-ins, setup, workspaces), never served on `/v1`. Events written before
//! this migration stay NULL (the log is append-only), so they count as
//! organization-level: the safe side.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000004_create_audit_events::AuditEvents;
use crate::sql::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Scope {
    WorkspaceId,
    Mode,
}

const INDEX: &str = "ix_audit_events_org_scope";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(uuid_null(Scope::WorkspaceId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(text_null(Scope::Mode).check(one_of("mode", &["live", "test"])))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrgId)
                    .col(Scope::WorkspaceId)
                    .col(Scope::Mode)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Scope::Mode, Scope::WorkspaceId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
