//! What Settings ▸ Alerts exchanges with its server functions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vocabulary::closed_vocabulary;

/// What an alert is about; a destination subscribes to some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertKind {
    #[serde(rename = "signal.opened")]
    SignalOpened,
    #[serde(rename = "key.leaked")]
    KeyLeaked,
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    #[serde(rename = "key.expiring")]
    KeyExpiring,
    #[serde(rename = "plan.changed")]
    PlanChanged,
    /// Sent by the Send test button only; every destination accepts it.
    #[serde(rename = "test")]
    Test,
}

closed_vocabulary!(AlertKind, "alert kind", {
    SignalOpened => ("signal.opened", "Signals"),
    KeyLeaked => ("key.leaked", "Leaked keys"),
    KeyRevoked => ("key.revoked", "Revoked keys"),
    KeyExpiring => ("key.expiring", "Keys expiring"),
    PlanChanged => ("plan.changed", "Plan changes"),
    Test => ("test", "Test"),
});

impl AlertKind {
    /// The kinds a destination can subscribe to.
    pub const SUBSCRIBABLE: [AlertKind; 5] = [
        AlertKind::SignalOpened,
        AlertKind::KeyLeaked,
        AlertKind::KeyRevoked,
        AlertKind::KeyExpiring,
        AlertKind::PlanChanged,
    ];
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum DeliveryStatus {
    #[default]
    Pending,
    Delivered,
    /// Every attempt failed (or the destination refused for good).
    Failed,
}

closed_vocabulary!(DeliveryStatus, "delivery status", {
    Pending => ("pending", "Pending"),
    Delivered => ("delivered", "Delivered"),
    Failed => ("failed", "Failed"),
});

/// One delivery as the Alerts page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDestinationRow {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<AlertKind>,
    pub created_at: DateTime<Utc>,
    /// The newest deliveries, newest first.
    pub recent: Vec<DeliveryRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsOverview {
    pub destinations: Vec<AlertDestinationRow>,
    /// Owners and Admins add, remove and test destinations.
    pub can_manage: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDestination {
    pub url: String,
    pub events: Vec<AlertKind>,
}

/// A new destination and its signing secret, which no later read returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedDestination {
    pub destination: AlertDestinationRow,
    pub secret: String,
}
