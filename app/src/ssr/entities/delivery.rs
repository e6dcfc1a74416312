use sea_orm::entity::prelude::*;

use crate::model::DeliveryStatus;

/// One event on its way to one endpoint (the durable delivery queue): an alert
/// destination's, or a `/v1` webhook's (exactly one of the two is set).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub destination_id: Option<Uuid>,
    pub webhook_id: Option<Uuid>,
    pub event_type: String,
    /// The JSON body exactly as sent (and signed).
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the next attempt is due; while one is in flight, the end of its lease.
    pub next_attempt_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
