//! The audit log: append-only, enforced by triggers on both backends.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::Organizations;
use crate::sql::{execute_for_backend, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AuditEvents {
    Table,
    Id,
    OrgId,
    ActorKind,
    ActorId,
    ActorLabel,
    Action,
    TargetKind,
    TargetId,
    Data,
    Ip,
    CreatedAt,
}

const POSTGRES_APPEND_ONLY: &str = "\
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()";

const SQLITE_APPEND_ONLY: &str = "\
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    // Null only for events that belong to no organization (e.g. a sign-in
                    // attempt for an unknown e-mail).
                    .col(uuid_null(AuditEvents::OrgId))
                    .col(
                        text(AuditEvents::ActorKind)
                            .check(one_of("actor_kind", &["user", "api_key", "system"])),
                    )
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(text_null(AuditEvents::ActorLabel))
                    .col(
                        text(AuditEvents::Action)
                            .check(Expr::cust("length(action) BETWEEN 1 AND 100")),
                    )
                    .col(text_null(AuditEvents::TargetKind))
                    .col(text_null(AuditEvents::TargetId))
                    .col(json_binary(AuditEvents::Data))
                    .col(text_null(AuditEvents::Ip))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    .check(Expr::cust("actor_kind = 'system' OR actor_id IS NOT NULL"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_org")
                            .from(AuditEvents::Table, AuditEvents::OrgId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_org_created")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrgId)
                    .col(AuditEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;
        execute_for_backend(manager, POSTGRES_APPEND_ONLY, SQLITE_APPEND_ONLY).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_backend(
            manager,
            "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events;\nDROP FUNCTION IF EXISTS audit_events_append_only()",
            "DROP TRIGGER IF EXISTS audit_events_no_update;\nDROP TRIGGER IF EXISTS audit_events_no_delete",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}
