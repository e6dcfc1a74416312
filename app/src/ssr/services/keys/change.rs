//! Changing keys: edits and revocation. Each change is one transaction that starts
//! with its write and records an audit event.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    TransactionTrait, sea_query::Expr,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    Expiry, KeyError, MAX_DESCRIPTION_CHARS, action, expiry_instant, invalid, normalize_networks,
    normalize_scopes, replaced_keys, revocation, status_of, summary, validate_description,
    validate_name, works_at,
};
use crate::ssr::key_cache::feed::Invalidator;
use crate::{
    model::{AlertKind, ApiKeySummary, KeyStatus, Scope},
    ssr::{
        entities::api_key,
        services::alerts,
        services::audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
    },
};

/// An edit of a key; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    pub name: Option<String>,
    /// `Some(None)` removes the description.
    pub description: Option<Option<String>>,
    pub scopes: Option<Vec<Scope>>,
    pub expiry: Option<Expiry>,
    /// `Some(None)` removes the allowlist (any address may use the key).
    pub allowed_ips: Option<Option<Vec<String>>>,
}

/// Edits a key that is still usable and not the old half of a roll (revoked, expired
/// and replaced keys are final; a replaced key can still be revoked).
// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
pub async fn update_key(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    org_id: Uuid,
    key_id: Uuid,
    changes: KeyChanges,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<ApiKeySummary, KeyError> {
    let now = Utc::now();
    let mut update = api_key::Entity::update_many();
    let mut changed = Map::new();
    if let Some(name) = changes.name {
        let name = validate_name(&name)?;
        changed.insert("name".into(), json!(name));
        update = update.col_expr(api_key::Column::Name, Expr::value(name));
    }
    if let Some(description) = changes.description {
        let description = validate_description(description)?;
        changed.insert("description".into(), json!(description));
        update = update.col_expr(api_key::Column::Description, Expr::value(description));
    }
    if let Some(scopes) = changes.scopes {
        let scopes = normalize_scopes(scopes)?;
        changed.insert("scopes".into(), json!(scopes));
        update = update.col_expr(api_key::Column::Scopes, Expr::value(json!(scopes)));
    }
    if let Some(expiry) = changes.expiry {
        let expires_at = expiry_instant(expiry, now)?;
        changed.insert("expiresAt".into(), json!(expires_at));
        update = update.col_expr(api_key::Column::ExpiresAt, Expr::value(expires_at));
    }
    if let Some(allowed_ips) = changes.allowed_ips {
        let allowed_ips = allowed_ips.map(normalize_networks).transpose()?;
        changed.insert("allowedIps".into(), json!(allowed_ips));
        update = update.col_expr(
            api_key::Column::AllowedIps,
            Expr::value(allowed_ips.map(|networks| json!(networks))),
        );
    }
    if changed.is_empty() {
        return Err(invalid("nothing to change"));
    }

    let txn = db.begin().await?;
    // One conditional write: a key that stopped working, or the old half of a roll
    // (final: extending it would undo the roll and escape the plan limit), is left as is.
    let updated = update
        .filter(api_key::Column::Id.eq(key_id))
        .filter(api_key::Column::OrgId.eq(org_id))
        .filter(works_at(now))
        .filter(api_key::Column::Id.not_in_subquery(replaced_keys()))
        .exec(&txn)
        .await?;
    let key = api_key::Entity::find_by_id(key_id)
        .filter(api_key::Column::OrgId.eq(org_id))
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?;
    if updated.rows_affected == 0 {
        let message = if status_of(&key, now) == KeyStatus::Active {
            "this key was rolled: its old half can only be revoked; edit its replacement"
        } else {
            "revoked and expired keys cannot be changed"
        };
        return Err(KeyError::Conflict(message.to_owned()));
    }
    audit_log.record(
        &txn,
        NewAuditEvent {
            org_id: Some(org_id),
            scope: Some(AuditScope::new(key.workspace_id, key.mode)),
            actor,
            action: action::UPDATED,
            target: Some(("api_key", key.id.to_string())),
            data: json!({ "name": key.name, "mode": key.mode.as_str(), "changes": Value::Object(changed) }),
            ip,
        },
    )
    .await?;
    invalidator.commit(txn, Some(org_id)).await?;
    Ok(summary(&key, now))
}

/// Revokes a key at once and for good. Revoking a revoked key changes nothing.
/// `within_org`: the caller's organization (`None` only for the break-glass CLI).
// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
pub async fn revoke_key(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    key_id: Uuid,
    within_org: Option<Uuid>,
    reason: Option<String>,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<ApiKeySummary, KeyError> {
    let reason = validate_description(reason).map_err(|_| {
        invalid(format!(
            "reason: must be at most {MAX_DESCRIPTION_CHARS} characters"
        ))
    })?;
    let revoked_by = match &actor {
        Actor::User { id, .. } => Some(*id),
        _ => None,
    };
    let now = Utc::now();
    let txn = db.begin().await?;
    // The conditional write comes first: of two concurrent revokes exactly one changes
    // the row and writes the audit event, and on SQLite the transaction holds the write
    // lock from its first statement (a read-then-write transaction could not upgrade).
    let mut revoke = revocation(now, revoked_by, reason.as_deref())
        .filter(api_key::Column::Id.eq(key_id))
        .filter(api_key::Column::RevokedAt.is_null());
    let mut find = api_key::Entity::find_by_id(key_id);
    if let Some(org_id) = within_org {
        revoke = revoke.filter(api_key::Column::OrgId.eq(org_id));
        find = find.filter(api_key::Column::OrgId.eq(org_id));
    }
    let changed = revoke.exec(&txn).await?;
    let key = find.one(&txn).await?.ok_or(KeyError::NotFound)?;
    if changed.rows_affected == 0 {
        return Ok(summary(&key, now));
    }
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(key.org_id),
                scope: Some(AuditScope::new(key.workspace_id, key.mode)),
                actor,
                action: action::REVOKED,
                target: Some(("api_key", key.id.to_string())),
                data: json!({ "name": key.name, "mode": key.mode.as_str(), "reason": reason }),
                ip,
            },
        )
        .await?;
    alerts::enqueue(
        &txn,
        key.org_id,
        AlertKind::KeyRevoked,
        revoked_alert(&key, reason.as_deref()),
    )
    .await?;
    invalidator.commit(txn, Some(key.org_id)).await?;
    Ok(summary(&key, now))
}

/// The data of a `key.revoked` alert.
fn revoked_alert(key: &api_key::Model, reason: Option<&str>) -> Value {
    json!({ "keyId": key.id, "name": key.name, "mode": key.mode.as_str(), "reason": reason })
}

/// Why keys were revoked when their member left (their `revoke_reason`).
pub const MEMBER_REMOVED_REASON: &str = "member removed from the organization";

/// Revokes, inside the caller's transaction, every working key that acts for
/// `member_id` in the organization, with one audit event per key. Used when the member
/// leaves: the keys are closed for good, so adding the person back revives nothing.
pub(crate) async fn revoke_keys_acting_for(
    txn: &DatabaseTransaction,
    audit_log: &AuditLog,
    org_id: Uuid,
    member_id: Uuid,
    actor: &Actor,
    ip: Option<IpAddr>,
) -> Result<usize, DbErr> {
    let now = Utc::now();
    let keys = api_key::Entity::find()
        .filter(api_key::Column::OrgId.eq(org_id))
        .filter(api_key::Column::CreatedBy.eq(member_id))
        .filter(works_at(now))
        .all(txn)
        .await?;
    if keys.is_empty() {
        return Ok(0);
    }
    let revoked_by = match actor {
        Actor::User { id, .. } => Some(*id),
        _ => None,
    };
    revocation(now, revoked_by, Some(MEMBER_REMOVED_REASON))
        .filter(api_key::Column::Id.is_in(keys.iter().map(|key| key.id)))
        .exec(txn)
        .await?;
    for key in &keys {
        audit_log
            .record(
                txn,
                NewAuditEvent {
                    org_id: Some(org_id),
                    scope: Some(AuditScope::new(key.workspace_id, key.mode)),
                    actor: actor.clone(),
                    action: action::REVOKED,
                    target: Some(("api_key", key.id.to_string())),
                    data: json!({
                        "name": key.name,
                        "mode": key.mode.as_str(),
                        "reason": MEMBER_REMOVED_REASON,
                    }),
                    ip,
                },
            )
            .await?;
        alerts::enqueue(
            txn,
            org_id,
            AlertKind::KeyRevoked,
            revoked_alert(key, Some(MEMBER_REMOVED_REASON)),
        )
        .await?;
    }
    Ok(keys.len())
}
