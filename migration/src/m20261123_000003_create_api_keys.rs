//! API keys: only a keyed hash of the secret is stored, never the key itself.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::{Organizations, Users, Workspaces};
use crate::sql::{length_between, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ApiKeys {
    Table,
    Id,
    OrgId,
    WorkspaceId,
    Name,
    Description,
    Mode,
    Scopes,
    DisplayPrefix,
    LastFour,
    KeyHash,
    PepperVersion,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedBy,
    RevokeReason,
    LastUsedAt,
    LastUsedIp,
    RolledFrom,
    AllowedIps,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid(ApiKeys::OrgId))
                    .col(uuid(ApiKeys::WorkspaceId))
                    .col(text(ApiKeys::Name).check(length_between("name", 1, 100)))
                    .col(text_null(ApiKeys::Description).check(Expr::cust(
                        "description IS NULL OR length(description) <= 500",
                    )))
                    .col(text(ApiKeys::Mode).check(one_of("mode", &["live", "test"])))
                    .col(json_binary(ApiKeys::Scopes))
                    .col(text(ApiKeys::DisplayPrefix))
                    .col(text(ApiKeys::LastFour).check(Expr::cust("length(last_four) = 4")))
                    .col(blob(ApiKeys::KeyHash).unique_key())
                    .col(integer(ApiKeys::PepperVersion).check(Expr::cust("pepper_version >= 1")))
                    .col(uuid(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(uuid_null(ApiKeys::RevokedBy))
                    .col(text_null(ApiKeys::RevokeReason).check(Expr::cust(
                        "revoke_reason IS NULL OR length(revoke_reason) <= 500",
                    )))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(text_null(ApiKeys::LastUsedIp))
                    .col(uuid_null(ApiKeys::RolledFrom))
                    .col(json_binary_null(ApiKeys::AllowedIps))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_org")
                            .from(ApiKeys::Table, ApiKeys::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // (workspace, org) together: a key cannot sit in another org's workspace.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_workspace_in_org")
                            .from(ApiKeys::Table, (ApiKeys::WorkspaceId, ApiKeys::OrgId))
                            .to(Workspaces::Table, (Workspaces::Id, Workspaces::OrgId))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_created_by")
                            .from(ApiKeys::Table, ApiKeys::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_revoked_by")
                            .from(ApiKeys::Table, ApiKeys::RevokedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_rolled_from")
                            .from(ApiKeys::Table, ApiKeys::RolledFrom)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_api_keys_org_created",
                vec![ApiKeys::OrgId, ApiKeys::CreatedAt],
            ),
            ("ix_api_keys_workspace", vec![ApiKeys::WorkspaceId]),
            ("ix_api_keys_created_by", vec![ApiKeys::CreatedBy]),
        ] {
            let mut index = Index::create();
            index.name(name).table(ApiKeys::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await
    }
}
