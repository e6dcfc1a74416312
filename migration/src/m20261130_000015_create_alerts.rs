//! Alert destinations (an organization's https endpoints and the event kinds each
//! wants) and the durable delivery queue the delivery worker drains, for alert
//! destinations and `/v1` webhooks alike: a row per event and endpoint, written in the transaction of the change it reports, claimed by one
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
enum Webhooks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    OrgId,
    DestinationId,
    WebhookId,
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

const DUE: &str = "ix_deliveries_due";
const BY_DESTINATION: &str = "ix_deliveries_destination";
const BY_WEBHOOK: &str = "ix_deliveries_webhook";
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
                    .table(Deliveries::Table)
                    .col(pk_uuid(Deliveries::Id))
                    .col(uuid(Deliveries::OrgId))
                    .col(uuid_null(Deliveries::DestinationId))
                    .col(uuid_null(Deliveries::WebhookId))
                    .col(
                        text(Deliveries::EventType)
                            .check(Expr::cust("length(event_type) BETWEEN 1 AND 64")),
                    )
                    .col(text(Deliveries::Body))
                    .col(
                        text(Deliveries::Status)
                            .check(one_of("status", &["pending", "delivered", "failed"])),
                    )
                    .col(integer(Deliveries::Attempts))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Deliveries::LastAttemptAt))
                    .col(integer_null(Deliveries::LastStatus))
                    .col(text_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(Deliveries::DeliveredAt))
                    .check(Expr::cust(
                        "attempts >= 0 AND (status = 'delivered') = (delivered_at IS NOT NULL) \
                         AND (destination_id IS NULL) <> (webhook_id IS NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_org")
                            .from(Deliveries::Table, Deliveries::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_webhook")
                            .from(Deliveries::Table, Deliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_destination")
                            .from(Deliveries::Table, Deliveries::DestinationId)
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
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_DESTINATION)
                    .table(Deliveries::Table)
                    .col(Deliveries::DestinationId)
                    .col(Deliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_WEBHOOK)
                    .table(Deliveries::Table)
                    .col(Deliveries::WebhookId)
                    .col(Deliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Deliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AlertDestinations::Table).to_owned())
            .await
    }
}
