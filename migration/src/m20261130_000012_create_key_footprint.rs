//! What each key has been used for, kept for 30 days beyond the capped request log:
//! the addresses it was used from (IPv4 addresses, IPv6 /64 networks) and the scopes
//! its requests needed, allowed or denied. Written in batches with the usage counts;
//! the key page shows them, and suspicious-activity signals will read them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::Organizations;
use crate::m20261123_000003_create_api_keys::ApiKeys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeyAddresses {
    Table,
    KeyId,
    Network,
    OrgId,
    FirstSeen,
    LastSeen,
    Requests,
    Refused,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeyScopeUse {
    Table,
    KeyId,
    Scope,
    OrgId,
    Allowed,
    Denied,
    LastAllowedAt,
    LastDeniedAt,
}

const ADDRESSES_BY_TIME: &str = "ix_api_key_addresses_last_seen";

fn key_and_org(
    table: impl IntoIden + Copy + 'static,
    key: impl IntoIden + Copy + 'static,
    org: impl IntoIden + Copy + 'static,
    name: &str,
) -> [ForeignKeyCreateStatement; 2] {
    [
        ForeignKey::create()
            .name(format!("fk_{name}_key"))
            .from(table, key)
            .to(ApiKeys::Table, ApiKeys::Id)
            .on_delete(ForeignKeyAction::Cascade)
            .to_owned(),
        ForeignKey::create()
            .name(format!("fk_{name}_org"))
            .from(table, org)
            .to(Organizations::Table, Organizations::Id)
            .on_delete(ForeignKeyAction::Cascade)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let [key, org] = key_and_org(
            ApiKeyAddresses::Table,
            ApiKeyAddresses::KeyId,
            ApiKeyAddresses::OrgId,
            "api_key_addresses",
        );
        manager
            .create_table(
                Table::create()
                    .table(ApiKeyAddresses::Table)
                    .col(uuid(ApiKeyAddresses::KeyId))
                    .col(
                        text(ApiKeyAddresses::Network)
                            .check(Expr::cust("length(network) BETWEEN 2 AND 64")),
                    )
                    .col(uuid(ApiKeyAddresses::OrgId))
                    .col(timestamp_with_time_zone(ApiKeyAddresses::FirstSeen))
                    .col(timestamp_with_time_zone(ApiKeyAddresses::LastSeen))
                    .col(big_integer(ApiKeyAddresses::Requests))
                    .col(big_integer(ApiKeyAddresses::Refused))
                    .check(Expr::cust(
                        "first_seen <= last_seen AND refused >= 0 AND requests >= refused",
                    ))
                    .primary_key(
                        Index::create()
                            .col(ApiKeyAddresses::KeyId)
                            .col(ApiKeyAddresses::Network),
                    )
                    .foreign_key(&mut key.to_owned())
                    .foreign_key(&mut org.to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ADDRESSES_BY_TIME)
                    .table(ApiKeyAddresses::Table)
                    .col(ApiKeyAddresses::LastSeen)
                    .to_owned(),
            )
            .await?;
        let [key, org] = key_and_org(
            ApiKeyScopeUse::Table,
            ApiKeyScopeUse::KeyId,
            ApiKeyScopeUse::OrgId,
            "api_key_scope_use",
        );
        manager
            .create_table(
                Table::create()
                    .table(ApiKeyScopeUse::Table)
                    .col(uuid(ApiKeyScopeUse::KeyId))
                    .col(
                        text(ApiKeyScopeUse::Scope)
                            .check(Expr::cust("length(scope) BETWEEN 1 AND 64")),
                    )
                    .col(uuid(ApiKeyScopeUse::OrgId))
                    .col(big_integer(ApiKeyScopeUse::Allowed))
                    .col(big_integer(ApiKeyScopeUse::Denied))
                    .col(timestamp_with_time_zone_null(ApiKeyScopeUse::LastAllowedAt))
                    .col(timestamp_with_time_zone_null(ApiKeyScopeUse::LastDeniedAt))
                    .check(Expr::cust(
                        "allowed >= 0 AND denied >= 0 \
                         AND (allowed = 0) = (last_allowed_at IS NULL) \
                         AND (denied = 0) = (last_denied_at IS NULL)",
                    ))
                    .primary_key(
                        Index::create()
                            .col(ApiKeyScopeUse::KeyId)
                            .col(ApiKeyScopeUse::Scope),
                    )
                    .foreign_key(&mut key.to_owned())
                    .foreign_key(&mut org.to_owned())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeyScopeUse::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiKeyAddresses::Table).to_owned())
            .await
    }
}
