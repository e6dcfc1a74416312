//! Organizations, their workspaces, users and memberships.

use sea_orm_migration::{prelude::*, schema::*};

use crate::sql::{execute_for_backend, length_between, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Organizations {
    Table,
    Id,
    Name,
    Slug,
    Plan,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Workspaces {
    Table,
    Id,
    OrgId,
    Name,
    Slug,
    IsDefault,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Memberships {
    Table,
    Id,
    OrgId,
    UserId,
    Role,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_uuid(Organizations::Id))
                    .col(text(Organizations::Name).check(length_between("name", 1, 100)))
                    .col(text_uniq(Organizations::Slug).check(Expr::cust(
                        "length(slug) BETWEEN 1 AND 63 AND slug = lower(slug)",
                    )))
                    .col(text(Organizations::Plan).check(one_of(
                        "plan",
                        &["starter", "professional", "business", "enterprise"],
                    )))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(pk_uuid(Workspaces::Id))
                    .col(uuid(Workspaces::OrgId))
                    .col(text(Workspaces::Name).check(length_between("name", 1, 100)))
                    .col(text(Workspaces::Slug).check(length_between("slug", 1, 63)))
                    .col(boolean(Workspaces::IsDefault))
                    .col(timestamp_with_time_zone(Workspaces::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workspaces_org")
                            .from(Workspaces::Table, Workspaces::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_workspaces_org_slug")
                            .col(Workspaces::OrgId)
                            .col(Workspaces::Slug)
                            .unique(),
                    )
                    // Lets api_keys reference (workspace, org) together, so a key can never
                    // sit in a workspace of another organization.
                    .index(
                        Index::create()
                            .name("uq_workspaces_id_org")
                            .col(Workspaces::Id)
                            .col(Workspaces::OrgId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one default workspace per organization.
        let one_default =
            "CREATE UNIQUE INDEX uq_workspaces_one_default ON workspaces (org_id) WHERE is_default";
        execute_for_backend(manager, one_default, one_default).await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(text_uniq(Users::Email).check(Expr::cust(
                        "email = lower(email) AND length(email) BETWEEN 3 AND 254",
                    )))
                    .col(text(Users::PasswordHash))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(pk_uuid(Memberships::Id))
                    .col(uuid(Memberships::OrgId))
                    .col(uuid(Memberships::UserId))
                    .col(
                        text(Memberships::Role)
                            .check(one_of("role", &["owner", "admin", "member", "viewer"])),
                    )
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_memberships_org")
                            .from(Memberships::Table, Memberships::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_memberships_user")
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_memberships_org_user")
                            .col(Memberships::OrgId)
                            .col(Memberships::UserId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_memberships_user")
                    .table(Memberships::Table)
                    .col(Memberships::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Workspaces::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
