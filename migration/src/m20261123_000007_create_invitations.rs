//! Invitations to join an organization. The link's token is never stored, only its
//! keyed hash; an invitation is open until it is accepted, revoked or expires.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::{Organizations, Users};
use crate::sql::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Invitations {
    Table,
    Id,
    OrgId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    AcceptedBy,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_uuid(Invitations::Id))
                    .col(uuid(Invitations::OrgId))
                    .col(text(Invitations::Email).check(Expr::cust(
                        "email = lower(email) AND length(email) BETWEEN 3 AND 254",
                    )))
                    .col(
                        text(Invitations::Role)
                            .check(one_of("role", &["owner", "admin", "member", "viewer"])),
                    )
                    .col(blob(Invitations::TokenHash).unique_key())
                    .col(uuid_null(Invitations::InvitedBy))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(uuid_null(Invitations::AcceptedBy))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    // Used up one way or the other, never both.
                    .check(Expr::cust("accepted_at IS NULL OR revoked_at IS NULL"))
                    .check(Expr::cust("expires_at > created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_org")
                            .from(Invitations::Table, Invitations::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // The history outlives the people in it.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_invited_by")
                            .from(Invitations::Table, Invitations::InvitedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_accepted_by")
                            .from(Invitations::Table, Invitations::AcceptedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The Members page lists an organization's invitations, newest (UUIDv7) first.
        manager
            .create_index(
                Index::create()
                    .name("ix_invitations_org")
                    .table(Invitations::Table)
                    .col(Invitations::OrgId)
                    .col(Invitations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Invitations::Table).to_owned())
            .await
    }
}
