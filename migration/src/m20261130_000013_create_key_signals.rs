//! Suspicious-activity signals per key (new address, failure spike, off-hours use,
//! presented after revocation or expiry, denied scope, unused scopes, rotation due),
//! found by the background detector. One row per key, kind and subject: detectors on
//! several replicas write the same row, never a second one. Also the organization's
//! business hours, which the off-hours signal reads (none: the signal is off).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::{Organizations, Users};
use crate::m20261123_000003_create_api_keys::ApiKeys;
use crate::sql::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeySignals {
    Table,
    Id,
    OrgId,
    KeyId,
    Kind,
    Subject,
    Status,
    Evidence,
    EvidenceAt,
    DetectedAt,
    OpenedAt,
    DismissedAt,
    DismissedBy,
}

#[derive(DeriveIden)]
enum BusinessHours {
    BusinessHours,
}

const ONE_PER_SUBJECT: &str = "ux_api_key_signals_key_kind_subject";
const BY_ORG: &str = "ix_api_key_signals_org_status";

/// The stored forms of `model::SignalKind`.
const KINDS: &[&str] = &[
    "new_address",
    "failure_spike",
    "off_hours",
    "presented_after_end",
    "denied_scope",
    "unused_scopes",
    "rotation_due",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeySignals::Table)
                    .col(pk_uuid(ApiKeySignals::Id))
                    .col(uuid(ApiKeySignals::OrgId))
                    .col(uuid(ApiKeySignals::KeyId))
                    .col(text(ApiKeySignals::Kind).check(one_of("kind", KINDS)))
                    .col(text(ApiKeySignals::Subject).check(Expr::cust("length(subject) <= 200")))
                    .col(
                        text(ApiKeySignals::Status)
                            .check(one_of("status", &["open", "dismissed", "resolved"])),
                    )
                    .col(json_binary(ApiKeySignals::Evidence))
                    .col(timestamp_with_time_zone(ApiKeySignals::EvidenceAt))
                    .col(timestamp_with_time_zone(ApiKeySignals::DetectedAt))
                    .col(timestamp_with_time_zone(ApiKeySignals::OpenedAt))
                    .col(timestamp_with_time_zone_null(ApiKeySignals::DismissedAt))
                    .col(uuid_null(ApiKeySignals::DismissedBy))
                    .check(Expr::cust(
                        "(status = 'dismissed') = (dismissed_at IS NOT NULL) \
                         AND detected_at <= opened_at",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_signals_org")
                            .from(ApiKeySignals::Table, ApiKeySignals::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_signals_key")
                            .from(ApiKeySignals::Table, ApiKeySignals::KeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_signals_dismissed_by")
                            .from(ApiKeySignals::Table, ApiKeySignals::DismissedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_PER_SUBJECT)
                    .table(ApiKeySignals::Table)
                    .col(ApiKeySignals::KeyId)
                    .col(ApiKeySignals::Kind)
                    .col(ApiKeySignals::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_ORG)
                    .table(ApiKeySignals::Table)
                    .col(ApiKeySignals::OrgId)
                    .col(ApiKeySignals::Status)
                    .col(ApiKeySignals::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(json_binary_null(BusinessHours::BusinessHours))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(BusinessHours::BusinessHours)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ApiKeySignals::Table).to_owned())
            .await
    }
}
