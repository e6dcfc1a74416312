//! `/v1/envelopes`: documents sent to a client. A draft can be edited and sent; a
//! draft or sent envelope can be cancelled. Sending and cancelling are audited.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    ResourceError, Tenancy, Tenanted, find_within, invalid, tenanted, text, unknown_client,
    webhooks,
};
use crate::{
    model::Page,
    ssr::{
        entities::envelope::{self, EnvelopeStatus},
        services::{
            audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
            pagination::{PageRequest, fetch_page},
        },
    },
};

tenanted!(envelope::Entity);

pub const MAX_TITLE_CHARS: usize = 200;

pub mod action {
    pub const SENT: &str = "envelope.sent";
    pub const CANCELLED: &str = "envelope.cancelled";
}

pub async fn list(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    page: PageRequest,
) -> Result<Page<envelope::Model>, ResourceError> {
    Ok(fetch_page(
        db,
        envelope::Entity::within(tenancy),
        envelope::Column::Id,
        envelope::Entity::id_of,
        page,
    )
    .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<envelope::Model, ResourceError> {
    find_within::<envelope::Entity>(db, tenancy, id).await
}

pub async fn create(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    client_id: Option<Uuid>,
    title: Option<String>,
) -> Result<envelope::Model, ResourceError> {
    let client_id = client_id.ok_or_else(|| invalid("clientId: required"))?;
    let title = text(
        "title",
        title.as_deref().ok_or_else(|| invalid("title: required"))?,
        MAX_TITLE_CHARS,
    )?;
    let now = Utc::now();
    envelope::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(tenancy.org_id),
        workspace_id: Set(tenancy.workspace_id),
        mode: Set(tenancy.mode),
        client_id: Set(client_id),
        title: Set(title),
        status: Set(EnvelopeStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(unknown_client)
}

/// Moves an envelope from one of `from` to `to`; 404 outside the tenancy, 409 from
/// any other status. The conditional update comes first, so two concurrent changes
/// cannot both succeed.
async fn transition(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
    from: &[EnvelopeStatus],
    to: EnvelopeStatus,
    title: Option<String>,
) -> Result<Option<envelope::Model>, ResourceError> {
    let mut update = envelope::Entity::update_many()
        .col_expr(envelope::Column::Status, Expr::value(to))
        .col_expr(envelope::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(envelope::Entity::one_in_tenancy(tenancy, id))
        .filter(envelope::Column::Status.is_in(from.iter().copied()));
    if let Some(title) = title {
        update = update.col_expr(envelope::Column::Title, Expr::value(title));
    }
    let changed = update.exec(db).await?.rows_affected > 0;
    let current = get(db, tenancy, id).await?;
    Ok(changed.then_some(current))
}

fn wrong_status(action: &str, allowed: &str) -> ResourceError {
    ResourceError::Conflict(format!("only {allowed} envelopes can be {action}"))
}

/// Edits a draft.
pub async fn update(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
    title: Option<String>,
) -> Result<envelope::Model, ResourceError> {
    let title = title
        .map(|title| text("title", &title, MAX_TITLE_CHARS))
        .transpose()?;
    transition(
        db,
        tenancy,
        id,
        &[EnvelopeStatus::Draft],
        EnvelopeStatus::Draft,
        title,
    )
    .await?
    .ok_or_else(|| wrong_status("changed", "draft"))
}

async fn audited_transition(
    db: &impl TransactionTrait,
    audit_log: &AuditLog,
    tenancy: &Tenancy,
    id: Uuid,
    (from, to, action, allowed, verb): (
        &[EnvelopeStatus],
        EnvelopeStatus,
        &'static str,
        &str,
        &str,
    ),
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<envelope::Model, ResourceError> {
    let txn = db.begin().await?;
    let Some(envelope) = transition(&txn, tenancy, id, from, to, None).await? else {
        return Err(wrong_status(verb, allowed));
    };
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(tenancy.org_id),
                scope: Some(AuditScope::new(tenancy.workspace_id, tenancy.mode)),
                actor,
                action,
                target: Some(("envelope", envelope.id.to_string())),
                data: json!({ "title": envelope.title, "mode": tenancy.mode.as_str() }),
                ip,
            },
        )
        .await?;
    webhooks::enqueue_event(
        &txn,
        tenancy,
        action,
        json!({
            "envelopeId": envelope.id,
            "clientId": envelope.client_id,
            "title": envelope.title,
            "status": envelope.status,
            "mode": tenancy.mode.as_str(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope)
}

/// Draft → sent. Recorded as an event; no e-mail leaves the system.
pub async fn send(
    db: &impl TransactionTrait,
    audit_log: &AuditLog,
    tenancy: &Tenancy,
    id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<envelope::Model, ResourceError> {
    audited_transition(
        db,
        audit_log,
        tenancy,
        id,
        (
            &[EnvelopeStatus::Draft],
            EnvelopeStatus::Sent,
            action::SENT,
            "draft",
            "sent",
        ),
        actor,
        ip,
    )
    .await
}

/// Draft or sent → cancelled.
pub async fn cancel(
    db: &impl TransactionTrait,
    audit_log: &AuditLog,
    tenancy: &Tenancy,
    id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<envelope::Model, ResourceError> {
    audited_transition(
        db,
        audit_log,
        tenancy,
        id,
        (
            &[EnvelopeStatus::Draft, EnvelopeStatus::Sent],
            EnvelopeStatus::Cancelled,
            action::CANCELLED,
            "draft or sent",
            "cancelled",
        ),
        actor,
        ip,
    )
    .await
}
