//! Alert webhooks: an organization's destinations (https endpoints and the kinds of
//! event each wants), and the queue their deliveries wait in. An alert is queued in
//! the transaction of the change it reports (`enqueue`), one row per subscribed
//! destination, so it is sent if and only if the change committed; the worker in
//! `deliver.rs` sends it, signed, and retries. The signing secret is derived from the
//! pepper and a random salt, shown once, and recomputed when signing.

mod deliver;
pub mod sender;

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

pub use deliver::{
    Deliverer, Delivering, DeliveryPass, RETRY_AFTER_SECONDS, signature, spawn_deliverer,
};
pub use sender::{SendError, Sender};

use crate::{
    model::{AlertDestinationRow, AlertKind, DeliveryRow, DeliveryStatus, NewDestination},
    ssr::{
        entities::{alert_destination, delivery},
        keys::{format, hash::KeyHasher},
        services::audit::{Actor, AuditLog, NewAuditEvent},
    },
};

pub const MAX_DESTINATIONS: u64 = 10;
pub const MAX_URL_CHARS: usize = 2048;
pub const SECRET_PREFIX: &str = "whsec_";
/// Deliveries listed per destination on the Alerts page.
const RECENT: u64 = 10;

pub mod action {
    pub const DESTINATION_ADDED: &str = "alert_destination.added";
    pub const DESTINATION_REMOVED: &str = "alert_destination.removed";
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// 422: the input was rejected; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// 409: the organization has as many destinations as allowed.
    #[error("an organization has at most {MAX_DESTINATIONS} alert destinations")]
    TooMany,
    /// 404.
    #[error("no such alert destination")]
    NotFound,
    #[error("the operating system's random number generator failed")]
    Randomness,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The signing secret of a destination, recomputed from the pepper and its salt.
pub fn signing_secret(hasher: &KeyHasher, destination: &alert_destination::Model) -> String {
    let derived = hasher.derive("alert-signing-secret", &destination.secret_salt);
    format!("{SECRET_PREFIX}{}", format::base62_fixed(&derived))
}

fn events_of(destination: &alert_destination::Model) -> Vec<AlertKind> {
    serde_json::from_value(destination.events.clone()).unwrap_or_default()
}

fn destination_url(sender: &Sender, value: &str) -> Result<String, AlertError> {
    let value = value.trim();
    if value.chars().count() > MAX_URL_CHARS {
        return Err(AlertError::Invalid(format!(
            "url: must be at most {MAX_URL_CHARS} characters"
        )));
    }
    let problem = |why: &str| AlertError::Invalid(format!("url: {why}"));
    let parsed = url::Url::parse(value).map_err(|_| problem("not a URL"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(problem("must not hold a user name or password"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(problem("must name a host"));
    }
    sender.check_url(&parsed).map_err(|err| match err {
        SendError::NotHttps => problem("must be an https:// URL"),
        _ => problem("must not point to a private, loopback or reserved address"),
    })?;
    Ok(parsed.to_string())
}

/// Adds a destination; returns it with its signing secret (shown only now). Audited.
#[allow(clippy::too_many_arguments)] // the writers, the checks, the input, and who made it
pub async fn add_destination(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    hasher: &KeyHasher,
    sender: &Sender,
    org_id: Uuid,
    new: NewDestination,
    added_by: (Uuid, Actor),
    ip: Option<IpAddr>,
) -> Result<(AlertDestinationRow, String), AlertError> {
    let url = destination_url(sender, &new.url)?;
    let mut events: Vec<AlertKind> = new
        .events
        .into_iter()
        .filter(|kind| *kind != AlertKind::Test)
        .collect();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(AlertError::Invalid(
            "events: choose at least one kind of alert".to_owned(),
        ));
    }
    let salt = format::random_bytes::<32>()
        .map_err(|_| AlertError::Randomness)?
        .to_vec();
    let txn = db.begin().await?;
    let existing = alert_destination::Entity::find()
        .filter(alert_destination::Column::OrgId.eq(org_id))
        .count(&txn)
        .await?;
    if existing >= MAX_DESTINATIONS {
        return Err(AlertError::TooMany);
    }
    let (user_id, actor) = added_by;
    let model = alert_destination::Model {
        id: Uuid::now_v7(),
        org_id,
        url,
        events: json!(events),
        secret_salt: salt,
        pepper_version: hasher.version(),
        created_by: Some(user_id),
        created_at: Utc::now(),
    };
    alert_destination::Entity::insert(alert_destination::ActiveModel {
        id: Set(model.id),
        org_id: Set(model.org_id),
        url: Set(model.url.clone()),
        events: Set(model.events.clone()),
        secret_salt: Set(model.secret_salt.clone()),
        pepper_version: Set(model.pepper_version),
        created_by: Set(model.created_by),
        created_at: Set(model.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::DESTINATION_ADDED,
                target: Some(("alert_destination", model.id.to_string())),
                data: json!({ "url": model.url, "events": events }),
                ip,
            },
        )
        .await?;
    txn.commit().await?;
    let secret = signing_secret(hasher, &model);
    Ok((row_of(&model, Vec::new()), secret))
}

/// Removes a destination and its deliveries. Audited.
pub async fn remove_destination(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    org_id: Uuid,
    id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), AlertError> {
    let txn = db.begin().await?;
    let destination = alert_destination::Entity::find_by_id(id)
        .filter(alert_destination::Column::OrgId.eq(org_id))
        .one(&txn)
        .await?
        .ok_or(AlertError::NotFound)?;
    alert_destination::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::DESTINATION_REMOVED,
                target: Some(("alert_destination", id.to_string())),
                data: json!({ "url": destination.url }),
                ip,
            },
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Where a delivery goes: an alert destination, or a `/v1` webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Destination(Uuid),
    Webhook(Uuid),
}

/// The body every delivery carries: its own id, the type, the time and the data.
fn body(id: Uuid, event_type: &str, at: DateTime<Utc>, data: &Value) -> String {
    json!({
        "id": id,
        "type": event_type,
        "createdAt": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// A delivery of `event_type` with `data` to `endpoint`, due now.
pub fn queued(
    org_id: Uuid,
    endpoint: Endpoint,
    event_type: &str,
    data: &Value,
    now: DateTime<Utc>,
) -> delivery::ActiveModel {
    let id = Uuid::now_v7();
    let (destination_id, webhook_id) = match endpoint {
        Endpoint::Destination(id) => (Some(id), None),
        Endpoint::Webhook(id) => (None, Some(id)),
    };
    delivery::ActiveModel {
        id: Set(id),
        org_id: Set(org_id),
        destination_id: Set(destination_id),
        webhook_id: Set(webhook_id),
        event_type: Set(event_type.to_owned()),
        body: Set(body(id, event_type, now, data)),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_attempt_at: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
    }
}

/// Queues `kind` with `data` for every destination of the organization that wants it,
/// in the caller's transaction. Returns how many deliveries were queued.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    kind: AlertKind,
    data: Value,
) -> Result<u64, DbErr> {
    let now = Utc::now();
    let rows: Vec<delivery::ActiveModel> = alert_destination::Entity::find()
        .filter(alert_destination::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .iter()
        .filter(|destination| events_of(destination).contains(&kind))
        .map(|destination| {
            queued(
                org_id,
                Endpoint::Destination(destination.id),
                kind.as_str(),
                &data,
                now,
            )
        })
        .collect();
    let queued = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    if !rows.is_empty() {
        delivery::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(queued)
}

/// Queues a test alert for one destination (the Send test button).
pub async fn send_test(db: &DatabaseConnection, org_id: Uuid, id: Uuid) -> Result<(), AlertError> {
    let destination = alert_destination::Entity::find_by_id(id)
        .filter(alert_destination::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .ok_or(AlertError::NotFound)?;
    let data = json!({ "message": "A test alert from Keyward: this destination receives alerts." });
    delivery::Entity::insert(queued(
        org_id,
        Endpoint::Destination(destination.id),
        AlertKind::Test.as_str(),
        &data,
        Utc::now(),
    ))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The organization's destinations with their newest deliveries.
pub async fn overview(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Vec<AlertDestinationRow>, DbErr> {
    let destinations = alert_destination::Entity::find()
        .filter(alert_destination::Column::OrgId.eq(org_id))
        .order_by_asc(alert_destination::Column::Id)
        .all(db)
        .await?;
    let mut rows = Vec::with_capacity(destinations.len());
    for destination in destinations {
        let recent = delivery::Entity::find()
            .filter(delivery::Column::DestinationId.eq(destination.id))
            .order_by_desc(delivery::Column::Id)
            .limit(RECENT)
            .all(db)
            .await?
            .into_iter()
            .map(|delivery| DeliveryRow {
                id: delivery.id,
                event_type: delivery.event_type,
                status: delivery.status,
                attempts: delivery.attempts,
                last_status: delivery.last_status,
                last_error: delivery.last_error,
                created_at: delivery.created_at,
                last_attempt_at: delivery.last_attempt_at,
                next_attempt_at: delivery.next_attempt_at,
            })
            .collect();
        rows.push(row_of(&destination, recent));
    }
    Ok(rows)
}

fn row_of(destination: &alert_destination::Model, recent: Vec<DeliveryRow>) -> AlertDestinationRow {
    AlertDestinationRow {
        id: destination.id,
        url: destination.url.clone(),
        events: events_of(destination),
        created_at: destination.created_at,
        recent,
    }
}
