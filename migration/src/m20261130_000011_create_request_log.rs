//! Each key's recent `/v1` requests (time, method, route, status, address, latency and,
//! for refusals, the reason), written in batches by the usage meter and pruned by age
//! and by a cap per key. Ids are UUIDv7 made from the request time, so the log pages
//! by id, newest first.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::Organizations;
use crate::m20261123_000003_create_api_keys::ApiKeys;
use crate::sql::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiRequestLog {
    Table,
    Id,
    KeyId,
    OrgId,
    Mode,
    At,
    Method,
    Route,
    Status,
    Ip,
    LatencyMicros,
    Refusal,
}

const BY_KEY: &str = "ix_api_request_log_key_id";
const BY_TIME: &str = "ix_api_request_log_at";

/// The stored forms of `model::Refusal`.
const REFUSALS: &[&str] = &[
    "revoked",
    "expired",
    "address_not_allowed",
    "creator_removed",
    "no_api_access",
    "rate_limited",
    "missing_scope",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiRequestLog::Table)
                    .col(pk_uuid(ApiRequestLog::Id))
                    .col(uuid(ApiRequestLog::KeyId))
                    .col(uuid(ApiRequestLog::OrgId))
                    .col(text(ApiRequestLog::Mode).check(one_of("mode", &["live", "test"])))
                    .col(timestamp_with_time_zone(ApiRequestLog::At))
                    .col(
                        text(ApiRequestLog::Method)
                            .check(Expr::cust("length(method) BETWEEN 1 AND 16")),
                    )
                    .col(
                        text(ApiRequestLog::Route)
                            .check(Expr::cust("length(route) BETWEEN 1 AND 256")),
                    )
                    .col(
                        integer(ApiRequestLog::Status)
                            .check(Expr::cust("status BETWEEN 100 AND 599")),
                    )
                    .col(text_null(ApiRequestLog::Ip))
                    .col(
                        big_integer(ApiRequestLog::LatencyMicros)
                            .check(Expr::cust("latency_micros >= 0")),
                    )
                    .col(text_null(ApiRequestLog::Refusal).check(one_of("refusal", REFUSALS)))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_request_log_key")
                            .from(ApiRequestLog::Table, ApiRequestLog::KeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_request_log_org")
                            .from(ApiRequestLog::Table, ApiRequestLog::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_KEY)
                    .table(ApiRequestLog::Table)
                    .col(ApiRequestLog::KeyId)
                    .col(ApiRequestLog::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_TIME)
                    .table(ApiRequestLog::Table)
                    .col(ApiRequestLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiRequestLog::Table).to_owned())
            .await
    }
}
