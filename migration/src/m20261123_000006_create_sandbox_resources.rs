//! The resources `/v1` serves: clients, envelopes, verifications and webhooks. Every
//! row belongs to one organization, one of its workspaces and one mode (live or test),
//! and a row can only point at a client of the same organization, workspace and mode:
//! the database itself keeps test and live data, and tenants, apart.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::Workspaces;
use crate::sql::{length_between, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Clients {
    Table,
    Id,
    OrgId,
    WorkspaceId,
    Mode,
    Name,
    Email,
    ExternalRef,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Envelopes {
    Table,
    Id,
    OrgId,
    WorkspaceId,
    Mode,
    ClientId,
    Title,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Verifications {
    Table,
    Id,
    OrgId,
    WorkspaceId,
    Mode,
    ClientId,
    Kind,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Webhooks {
    Table,
    Id,
    OrgId,
    WorkspaceId,
    Mode,
    Url,
    Events,
    Active,
    SecretSalt,
    PepperVersion,
    CreatedAt,
    UpdatedAt,
}

/// The columns every resource starts with, and its tenancy foreign key.
fn tenant_table<T: IntoIden + Copy + 'static>(
    table: T,
    id: T,
    org_id: T,
    workspace_id: T,
    mode: T,
) -> TableCreateStatement {
    let name = table.into_iden().to_string();
    Table::create()
        .table(table)
        .col(pk_uuid(id))
        .col(uuid(org_id))
        .col(uuid(workspace_id))
        .col(text(mode).check(one_of("mode", &["live", "test"])))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_workspace_in_org"))
                .from(table, (workspace_id, org_id))
                .to(Workspaces::Table, (Workspaces::Id, Workspaces::OrgId))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    if unique {
        index.unique();
    }
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

/// Lists read one organization, workspace and mode, newest (highest UUIDv7) first.
async fn tenancy_index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    org_id: impl IntoIden,
    workspace_id: impl IntoIden,
    mode: impl IntoIden,
    id: impl IntoIden,
) -> Result<(), DbErr> {
    index(
        manager,
        name,
        table,
        vec![
            org_id.into_iden(),
            workspace_id.into_iden(),
            mode.into_iden(),
            id.into_iden(),
        ],
        false,
    )
    .await
}

/// A client of the same workspace and mode (a workspace belongs to one organization,
/// and each table's own foreign key ties its workspace to its organization).
fn client_in_same_tenancy<T: IntoIden + Copy + 'static>(
    name: &str,
    table: T,
    client_id: T,
    workspace_id: T,
    mode: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, (client_id, workspace_id, mode))
        .to(
            Clients::Table,
            (Clients::Id, Clients::WorkspaceId, Clients::Mode),
        )
        // NO ACTION, not RESTRICT: both refuse deleting a client in use, but SQLite
        // reports RESTRICT as a trigger failure instead of a foreign-key violation.
        .on_delete(ForeignKeyAction::NoAction)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table(
                    Clients::Table,
                    Clients::Id,
                    Clients::OrgId,
                    Clients::WorkspaceId,
                    Clients::Mode,
                )
                .col(text(Clients::Name).check(length_between("name", 1, 200)))
                .col(text(Clients::Email).check(length_between("email", 3, 254)))
                .col(text_null(Clients::ExternalRef).check(Expr::cust(
                    "external_ref IS NULL OR length(external_ref) BETWEEN 1 AND 200",
                )))
                .col(timestamp_with_time_zone(Clients::CreatedAt))
                .col(timestamp_with_time_zone(Clients::UpdatedAt))
                .to_owned(),
            )
            .await?;
        // The target of the same-tenancy foreign keys below.
        index(
            manager,
            "ux_clients_tenancy",
            Clients::Table,
            vec![
                Clients::Id.into_iden(),
                Clients::WorkspaceId.into_iden(),
                Clients::Mode.into_iden(),
            ],
            true,
        )
        .await?;
        tenancy_index(
            manager,
            "ix_clients_list",
            Clients::Table,
            Clients::OrgId,
            Clients::WorkspaceId,
            Clients::Mode,
            Clients::Id,
        )
        .await?;

        manager
            .create_table(
                tenant_table(
                    Envelopes::Table,
                    Envelopes::Id,
                    Envelopes::OrgId,
                    Envelopes::WorkspaceId,
                    Envelopes::Mode,
                )
                .col(uuid(Envelopes::ClientId))
                .col(text(Envelopes::Title).check(length_between("title", 1, 200)))
                .col(text(Envelopes::Status).check(one_of(
                    "status",
                    &["draft", "sent", "completed", "cancelled"],
                )))
                .col(timestamp_with_time_zone(Envelopes::CreatedAt))
                .col(timestamp_with_time_zone(Envelopes::UpdatedAt))
                .foreign_key(&mut client_in_same_tenancy(
                    "fk_envelopes_client",
                    Envelopes::Table,
                    Envelopes::ClientId,
                    Envelopes::WorkspaceId,
                    Envelopes::Mode,
                ))
                .to_owned(),
            )
            .await?;
        tenancy_index(
            manager,
            "ix_envelopes_list",
            Envelopes::Table,
            Envelopes::OrgId,
            Envelopes::WorkspaceId,
            Envelopes::Mode,
            Envelopes::Id,
        )
        .await?;
        index(
            manager,
            "ix_envelopes_client",
            Envelopes::Table,
            vec![Envelopes::ClientId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                tenant_table(
                    Verifications::Table,
                    Verifications::Id,
                    Verifications::OrgId,
                    Verifications::WorkspaceId,
                    Verifications::Mode,
                )
                .col(uuid(Verifications::ClientId))
                .col(text(Verifications::Kind).check(one_of("kind", &["identity", "document"])))
                .col(text(Verifications::Status).check(one_of(
                    "status",
                    &["pending", "approved", "rejected", "cancelled"],
                )))
                .col(timestamp_with_time_zone(Verifications::CreatedAt))
                .col(timestamp_with_time_zone(Verifications::UpdatedAt))
                .foreign_key(&mut client_in_same_tenancy(
                    "fk_verifications_client",
                    Verifications::Table,
                    Verifications::ClientId,
                    Verifications::WorkspaceId,
                    Verifications::Mode,
                ))
                .to_owned(),
            )
            .await?;
        tenancy_index(
            manager,
            "ix_verifications_list",
            Verifications::Table,
            Verifications::OrgId,
            Verifications::WorkspaceId,
            Verifications::Mode,
            Verifications::Id,
        )
        .await?;
        index(
            manager,
            "ix_verifications_client",
            Verifications::Table,
            vec![Verifications::ClientId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                tenant_table(
                    Webhooks::Table,
                    Webhooks::Id,
                    Webhooks::OrgId,
                    Webhooks::WorkspaceId,
                    Webhooks::Mode,
                )
                .col(text(Webhooks::Url).check(length_between("url", 8, 2048)))
                .col(json_binary(Webhooks::Events))
                .col(boolean(Webhooks::Active))
                // The signing secret is derived from the server pepper and this salt;
                // the secret itself is never stored.
                .col(blob(Webhooks::SecretSalt))
                .col(integer(Webhooks::PepperVersion).check(Expr::cust("pepper_version >= 1")))
                .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                .to_owned(),
            )
            .await?;
        tenancy_index(
            manager,
            "ix_webhooks_list",
            Webhooks::Table,
            Webhooks::OrgId,
            Webhooks::WorkspaceId,
            Webhooks::Mode,
            Webhooks::Id,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Webhooks::Table.into_iden(),
            Verifications::Table.into_iden(),
            Envelopes::Table.into_iden(),
            Clients::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
