//! Alert destinations (an organization's https endpoints and the event kinds each
//! wants) and the durable delivery queue the delivery worker drains: a row per event and
//! destination, written in the transaction of the change it reports, claimed by one
//! worker at a time (a lease in `next_attempt_at`; `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), retried with backoff, and kept with its outcome for the Alerts page.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::{Organizations, Users};
use crate::sql::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AlertDestinations {
    Table,
    Id,
    OrgId,
    Url,
    Events,
    SecretSalt,
    PepperVersion,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AlertDeliveries {
    Table,
    Id,
    OrgId,
    DestinationId,
    EventType,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastAttemptAt,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

const DUE: &str = "ix_alert_deliveries_due";
const BY_DESTINATION: &str = "ix_alert_deliveries_destination";
const BY_ORG: &str = "ix_alert_destinations_org";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertDestinations::Table)
                    .col(pk_uuid(AlertDestinations::Id))
                    .col(uuid(AlertDestinations::OrgId))
                    .col(
                        text(AlertDestinations::Url)
                            .check(Expr::cust("length(url) BETWEEN 8 AND 2048")),
                    )
                    .col(json_binary(AlertDestinations::Events))
                    .col(binary(AlertDestinations::SecretSalt))
                    .col(integer(AlertDestinations::PepperVersion))
                    .col(uuid_null(AlertDestinations::CreatedBy))
                    .col(timestamp_with_time_zone(AlertDestinations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_destinations_org")
                            .from(AlertDestinations::Table, AlertDestinations::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_destinations_created_by")
                            .from(AlertDestinations::Table, AlertDestinations::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_ORG)
                    .table(AlertDestinations::Table)
                    .col(AlertDestinations::OrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertDeliveries::Table)
                    .col(pk_uuid(AlertDeliveries::Id))
                    .col(uuid(AlertDeliveries::OrgId))
                    .col(uuid(AlertDeliveries::DestinationId))
                    .col(
                        text(AlertDeliveries::EventType)
                            .check(Expr::cust("length(event_type) BETWEEN 1 AND 64")),
                    )
                    .col(text(AlertDeliveries::Body))
                    .col(
                        text(AlertDeliveries::Status)
                            .check(one_of("status", &["pending", "delivered", "failed"])),
                    )
                    .col(integer(AlertDeliveries::Attempts))
                    .col(timestamp_with_time_zone(AlertDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        AlertDeliveries::LastAttemptAt,
                    ))
                    .col(integer_null(AlertDeliveries::LastStatus))
                    .col(text_null(AlertDeliveries::LastError))
                    .col(timestamp_with_time_zone(AlertDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(AlertDeliveries::DeliveredAt))
                    .check(Expr::cust(
                        "attempts >= 0 AND (status = 'delivered') = (delivered_at IS NOT NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_deliveries_org")
                            .from(AlertDeliveries::Table, AlertDeliveries::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_alert_deliveries_destination")
                            .from(AlertDeliveries::Table, AlertDeliveries::DestinationId)
                            .to(AlertDestinations::Table, AlertDestinations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE)
                    .table(AlertDeliveries::Table)
                    .col(AlertDeliveries::Status)
                    .col(AlertDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_DESTINATION)
                    .table(AlertDeliveries::Table)
                    .col(AlertDeliveries::DestinationId)
                    .col(AlertDeliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AlertDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AlertDestinations::Table).to_owned())
            .await
    }
}
