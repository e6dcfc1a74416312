//! `/v1/webhooks`: endpoints that receive signed event deliveries (queued by
//! `enqueue_event`, sent by the alert worker). The signing
//! secret is derived from the server pepper and a per-webhook random salt, returned
//! once at creation, and recomputed (never read back) when deliveries are signed.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ResourceError, Tenancy, Tenanted, find_within, invalid, tenanted};
use crate::{
    model::Page,
    ssr::{
        entities::{delivery, webhook},
        keys::{format, hash::KeyHasher},
        services::{
            alerts::{
                Endpoint, queued,
                sender::{is_public, literal_ip},
            },
            audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
            pagination::{PageRequest, fetch_page},
        },
    },
};

tenanted!(webhook::Entity);

pub const MAX_URL_CHARS: usize = 2048;
pub const SECRET_PREFIX: &str = "whsec_";

/// The events a webhook can subscribe to.
pub const EVENTS: &[&str] = &[
    "envelope.sent",
    "envelope.completed",
    "envelope.cancelled",
    "verification.approved",
    "verification.rejected",
    "verification.cancelled",
];

pub mod action {
    pub const CREATED: &str = "webhook.created";
    pub const UPDATED: &str = "webhook.updated";
    pub const DELETED: &str = "webhook.deleted";
}

#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// A new webhook and its signing secret, which no later read returns.
pub struct CreatedWebhook {
    pub webhook: webhook::Model,
    pub secret: String,
}

/// Deliveries leave the system, so only `https` endpoints are accepted, without
/// credentials in the URL.
fn endpoint(value: &str) -> Result<String, ResourceError> {
    let value = value.trim();
    let problem = || invalid("url: must be an https:// URL without user name or password");
    if value.chars().count() > MAX_URL_CHARS {
        return Err(invalid(format!(
            "url: must be at most {MAX_URL_CHARS} characters"
        )));
    }
    let parsed = url::Url::parse(value).map_err(|_| problem())?;
    if parsed.scheme() != "https"
        || parsed.host_str().is_none_or(str::is_empty)
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(problem());
    }
    // Names are checked when delivering, by the resolver; addresses can be now.
    if literal_ip(&parsed).is_some_and(|ip| !is_public(ip)) {
        return Err(invalid(
            "url: must not point to a private, loopback or reserved address",
        ));
    }
    Ok(parsed.to_string())
}

/// Queues `event` with `data` for every active webhook of the tenancy subscribed to it,
/// in the caller's transaction; the alert worker delivers it, signed with the
/// webhook's secret.
pub async fn enqueue_event(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    event: &str,
    data: Value,
) -> Result<u64, DbErr> {
    let now = Utc::now();
    let rows: Vec<delivery::ActiveModel> = webhook::Entity::within(tenancy)
        .filter(webhook::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|hook| {
            serde_json::from_value::<Vec<String>>(hook.events.clone())
                .is_ok_and(|events| events.iter().any(|e| e == event))
        })
        .map(|hook| {
            queued(
                tenancy.org_id,
                Endpoint::Webhook(hook.id),
                event,
                &data,
                now,
            )
        })
        .collect();
    let queued_count = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    if !rows.is_empty() {
        delivery::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(queued_count)
}

fn events(mut values: Vec<String>) -> Result<Vec<String>, ResourceError> {
    if values.is_empty() {
        return Err(invalid("events: choose at least one event"));
    }
    if let Some(unknown) = values.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        return Err(invalid(format!(
            "events: unknown event `{unknown}`; known events: {}",
            EVENTS.join(", ")
        )));
    }
    values.sort();
    values.dedup();
    Ok(values)
}

/// The signing secret of a webhook, recomputed from the pepper and its salt.
pub fn signing_secret(hasher: &KeyHasher, webhook: &webhook::Model) -> String {
    let derived = hasher.derive("webhook-signing-secret", &webhook.secret_salt);
    format!("{SECRET_PREFIX}{}", format::base62_fixed(&derived))
}

pub async fn list(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    page: PageRequest,
) -> Result<Page<webhook::Model>, ResourceError> {
    Ok(fetch_page(
        db,
        webhook::Entity::within(tenancy),
        webhook::Column::Id,
        webhook::Entity::id_of,
        page,
    )
    .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<webhook::Model, ResourceError> {
    find_within::<webhook::Entity>(db, tenancy, id).await
}

async fn audit(
    db: &(impl ConnectionTrait + TransactionTrait),
    audit_log: &AuditLog,
    tenancy: &Tenancy,
    action: &'static str,
    webhook: &webhook::Model,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), ResourceError> {
    audit_log
        .record(
            db,
            NewAuditEvent {
                org_id: Some(tenancy.org_id),
                scope: Some(AuditScope::new(tenancy.workspace_id, tenancy.mode)),
                actor,
                action,
                target: Some(("webhook", webhook.id.to_string())),
                data: json!({
                    "url": webhook.url,
                    "events": webhook.events,
                    "active": webhook.active,
                    "mode": tenancy.mode.as_str(),
                }),
                ip,
            },
        )
        .await?;
    Ok(())
}

pub async fn create(
    db: &impl TransactionTrait,
    audit_log: &AuditLog,
    hasher: &KeyHasher,
    tenancy: &Tenancy,
    input: WebhookInput,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<CreatedWebhook, ResourceError> {
    let url = endpoint(
        input
            .url
            .as_deref()
            .ok_or_else(|| invalid("url: required"))?,
    )?;
    let events = events(input.events.ok_or_else(|| invalid("events: required"))?)?;
    let salt = format::random_bytes::<32>().map_err(|_| ResourceError::Randomness)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let webhook = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(tenancy.org_id),
        workspace_id: Set(tenancy.workspace_id),
        mode: Set(tenancy.mode),
        url: Set(url),
        events: Set(json!(events)),
        active: Set(input.active.unwrap_or(true)),
        secret_salt: Set(salt.to_vec()),
        pepper_version: Set(hasher.version()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit(
        &txn,
        audit_log,
        tenancy,
        action::CREATED,
        &webhook,
        actor,
        ip,
    )
    .await?;
    txn.commit().await?;
    let secret = signing_secret(hasher, &webhook);
    Ok(CreatedWebhook { webhook, secret })
}

pub async fn update(
    db: &impl TransactionTrait,
    audit_log: &AuditLog,
    tenancy: &Tenancy,
    id: Uuid,
    input: WebhookInput,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<webhook::Model, ResourceError> {
    let mut update = webhook::Entity::update_many()
        .col_expr(webhook::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(webhook::Entity::one_in_tenancy(tenancy, id));
    if let Some(url) = input.url {
        update = update.col_expr(webhook::Column::Url, Expr::value(endpoint(&url)?));
    }
    if let Some(values) = input.events {
        update = update.col_expr(webhook::Column::Events, Expr::value(json!(events(values)?)));
    }
    if let Some(active) = input.active {
        update = update.col_expr(webhook::Column::Active, Expr::value(active));
    }
    let txn = db.begin().await?;
    if update.exec(&txn).await?.rows_affected == 0 {
        return Err(ResourceError::NotFound);
    }
    let webhook = get(&txn, tenancy, id).await?;
    audit(
        &txn,
        audit_log,
        tenancy,
        action::UPDATED,
        &webhook,
        actor,
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(webhook)
}

pub async fn delete(
    db: &impl TransactionTrait,
    audit_log: &AuditLog,
    tenancy: &Tenancy,
    id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), ResourceError> {
    let txn = db.begin().await?;
    // Write before reading (SQLite cannot upgrade a read transaction under contention).
    let touched = webhook::Entity::update_many()
        .col_expr(webhook::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(webhook::Entity::one_in_tenancy(tenancy, id))
        .exec(&txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(ResourceError::NotFound);
    }
    let webhook = get(&txn, tenancy, id).await?;
    webhook::Entity::delete_many()
        .filter(webhook::Entity::one_in_tenancy(tenancy, id))
        .exec(&txn)
        .await?;
    audit(
        &txn,
        audit_log,
        tenancy,
        action::DELETED,
        &webhook,
        actor,
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_https_endpoints_are_accepted() {
        assert!(endpoint("https://hooks.example.com/keyward").is_ok());
        for bad in [
            "http://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "ftp://example.com",
            "not a url",
            "https://",
        ] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_come_from_the_catalogue() {
        assert_eq!(
            events(vec!["envelope.sent".into(), "envelope.sent".into()]).unwrap(),
            vec!["envelope.sent"]
        );
        assert!(events(vec![]).is_err());
        assert!(events(vec!["key.leaked".into()]).is_err());
    }
}
