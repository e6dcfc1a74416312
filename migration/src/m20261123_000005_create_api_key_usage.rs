//! Hourly usage per API key (UTC hours), written in batches by the usage meter.
//! Also indexes audit events by id: ids are time-ordered (UUIDv7), so lists page by id.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::Organizations;
use crate::m20261123_000003_create_api_keys::ApiKeys;
use crate::m20261123_000004_create_audit_events::AuditEvents;
use crate::sql::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ApiKeyUsage {
    Table,
    KeyId,
    HourStart,
    OrgId,
    Mode,
    Total,
    Succeeded,
    Failed,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeyUsage::Table)
                    .col(uuid(ApiKeyUsage::KeyId))
                    .col(timestamp_with_time_zone(ApiKeyUsage::HourStart))
                    .col(uuid(ApiKeyUsage::OrgId))
                    .col(text(ApiKeyUsage::Mode).check(one_of("mode", &["live", "test"])))
                    .col(big_integer(ApiKeyUsage::Total))
                    .col(big_integer(ApiKeyUsage::Succeeded))
                    .col(big_integer(ApiKeyUsage::Failed))
                    .check(Expr::cust(
                        "succeeded >= 0 AND failed >= 0 AND total >= succeeded + failed",
                    ))
                    .primary_key(
                        Index::create()
                            .col(ApiKeyUsage::KeyId)
                            .col(ApiKeyUsage::HourStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_usage_key")
                            .from(ApiKeyUsage::Table, ApiKeyUsage::KeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_usage_org")
                            .from(ApiKeyUsage::Table, ApiKeyUsage::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_key_usage_org_hour")
                    .table(ApiKeyUsage::Table)
                    .col(ApiKeyUsage::OrgId)
                    .col(ApiKeyUsage::HourStart)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_org_id")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrgId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_events_org_id")
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ApiKeyUsage::Table).to_owned())
            .await
    }
}
