//! Issuing, listing and revoking API keys. Every change to a key goes through this
//! module, so a cache of verified keys can later be invalidated from one place.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, Query},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    accounts,
    audit::{self, Actor, NewAuditEvent},
};
use crate::{
    model::{ApiKeySummary, KeyStatus, Mode, Plan, Scope},
    ssr::{
        entities::{api_key, organization, workspace},
        keys::{format, hash::KeyHasher},
    },
};

pub const DEFAULT_EXPIRY_DAYS: u32 = 90;
pub const MAX_EXPIRY_DAYS: u32 = 3650;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

pub mod action {
    pub const CREATED: &str = "api_key.created";
    pub const REVOKED: &str = "api_key.revoked";
}

/// When a new key stops working. "Never" is an explicit choice, not a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    InDays(u32),
    At(DateTime<Utc>),
    Never,
}

#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub description: Option<String>,
    pub mode: Mode,
    pub scopes: Vec<Scope>,
    /// `None`: the organization's default workspace.
    pub workspace_slug: Option<String>,
    pub expiry: Expiry,
}

/// What issuing needs from the server's configuration.
pub struct KeyIssuer<'a> {
    pub hasher: &'a KeyHasher,
    pub brand: &'a str,
}

/// A freshly issued key: the only moment its secret exists outside the caller's hands.
pub struct IssuedKey {
    pub key: ApiKeySummary,
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// 422: the input was rejected; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// 403: the organization's plan has no API access.
    #[error("API keys are not included in the {0} plan; upgrade to Professional or higher")]
    PlanWithoutApiAccess(Plan),
    /// 403: the plan's limit of active keys is reached.
    #[error("the {plan} plan allows {limit} active keys; revoke one or upgrade to create more")]
    PlanLimitReached { plan: Plan, limit: u32 },
    /// 404.
    #[error("no such key")]
    NotFound,
    #[error("the operating system's random number generator failed")]
    Randomness,
    #[error(transparent)]
    Database(#[from] DbErr),
}

fn invalid(message: impl Into<String>) -> KeyError {
    KeyError::Invalid(message.into())
}

fn validate_name(name: &str) -> Result<String, KeyError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(invalid(format!(
            "name: must be 1 to {MAX_NAME_CHARS} characters, without control characters"
        )));
    }
    Ok(name.to_owned())
}

fn validate_description(description: Option<String>) -> Result<Option<String>, KeyError> {
    let description = description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(invalid(format!(
            "description: must be at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(description)
}

/// Sorted, without duplicates; `*` alone when it is present (it covers the rest).
pub fn normalize_scopes(mut scopes: Vec<Scope>) -> Result<Vec<Scope>, KeyError> {
    if scopes.is_empty() {
        return Err(invalid("scopes: choose at least one scope, or * for all"));
    }
    if scopes.contains(&Scope::All) {
        return Ok(vec![Scope::All]);
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

fn expiry_instant(expiry: Expiry, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, KeyError> {
    match expiry {
        Expiry::Never => Ok(None),
        Expiry::InDays(days) if (1..=MAX_EXPIRY_DAYS).contains(&days) => {
            Ok(Some(now + Duration::days(i64::from(days))))
        }
        Expiry::InDays(_) => Err(invalid(format!(
            "expiry: must be 1 to {MAX_EXPIRY_DAYS} days"
        ))),
        Expiry::At(at) if at <= now => Err(invalid("expiry: must be in the future")),
        Expiry::At(at) if at > now + Duration::days(i64::from(MAX_EXPIRY_DAYS)) => Err(invalid(
            format!("expiry: must be within {MAX_EXPIRY_DAYS} days"),
        )),
        Expiry::At(at) => Ok(Some(at)),
    }
}

/// The scopes column as the catalogue; an unreadable value grants nothing.
pub fn stored_scopes(value: &serde_json::Value) -> Vec<Scope> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The one definition of revoked and expired (`expires_at <= now`: refused at the
/// instant of expiry), shared by lists and by verification.
pub fn status_of(key: &api_key::Model, now: DateTime<Utc>) -> KeyStatus {
    if key.revoked_at.is_some() {
        KeyStatus::Revoked
    } else if key.expires_at.is_some_and(|at| at <= now) {
        KeyStatus::Expired
    } else {
        KeyStatus::Active
    }
}

pub fn summary(key: &api_key::Model, now: DateTime<Utc>) -> ApiKeySummary {
    ApiKeySummary {
        id: key.id,
        name: key.name.clone(),
        description: key.description.clone(),
        mode: key.mode,
        scopes: stored_scopes(&key.scopes),
        workspace_id: key.workspace_id,
        display_prefix: key.display_prefix.clone(),
        last_four: key.last_four.clone(),
        created_by: key.created_by,
        created_at: key.created_at,
        expires_at: key.expires_at,
        revoked_at: key.revoked_at,
        last_used_at: key.last_used_at,
        rolled_from: key.rolled_from,
        status: status_of(key, now),
    }
}

/// Keys that count against the plan: not revoked, not expired, and not the old half
/// of a roll still in its grace period.
async fn count_active_keys(
    db: &impl sea_orm::ConnectionTrait,
    org_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let rolled_over = Query::select()
        .column(api_key::Column::RolledFrom)
        .from(api_key::Entity)
        .and_where(api_key::Column::RolledFrom.is_not_null())
        .to_owned();
    api_key::Entity::find()
        .filter(api_key::Column::OrgId.eq(org_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(api_key::Column::ExpiresAt.is_null())
                .add(api_key::Column::ExpiresAt.gt(now)),
        )
        .filter(api_key::Column::Id.not_in_subquery(rolled_over))
        .count(db)
        .await
}

/// Issues a key for `org_id` that acts for the member `acting_for`.
///
/// The plan limit holds under concurrency: the transaction first writes the
/// organization's row, which serializes key creation per organization on PostgreSQL
/// (row lock) and takes the write lock on SQLite, before counting.
pub async fn create_key(
    db: &DatabaseConnection,
    issuer: &KeyIssuer<'_>,
    org_id: Uuid,
    acting_for: Uuid,
    new: NewKey,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<IssuedKey, KeyError> {
    let now = Utc::now();
    let name = validate_name(&new.name)?;
    let description = validate_description(new.description)?;
    let scopes = normalize_scopes(new.scopes)?;
    let expires_at = expiry_instant(new.expiry, now)?;

    let txn = db.begin().await?;
    let locked = organization::Entity::update_many()
        .col_expr(
            organization::Column::Plan,
            Expr::col(organization::Column::Plan),
        )
        .filter(organization::Column::Id.eq(org_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(KeyError::NotFound);
    }
    if !accounts::is_member(&txn, org_id, acting_for).await? {
        return Err(invalid(
            "the member the key acts for does not belong to this organization",
        ));
    }
    let org = organization::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?;
    let limits = org.plan.limits();
    if !limits.api_access {
        return Err(KeyError::PlanWithoutApiAccess(org.plan));
    }
    if let Some(limit) = limits.max_active_keys
        && count_active_keys(&txn, org_id, now).await? >= u64::from(limit)
    {
        return Err(KeyError::PlanLimitReached {
            plan: org.plan,
            limit,
        });
    }

    let mut workspaces = workspace::Entity::find().filter(workspace::Column::OrgId.eq(org_id));
    workspaces = match &new.workspace_slug {
        Some(slug) => workspaces.filter(workspace::Column::Slug.eq(slug.as_str())),
        None => workspaces.filter(workspace::Column::IsDefault.eq(true)),
    };
    let workspace = workspaces
        .one(&txn)
        .await?
        .ok_or_else(|| invalid("workspace: no such workspace in this organization"))?;

    let secret = format::generate(issuer.brand, new.mode).map_err(|_| KeyError::Randomness)?;
    let (Some(display_prefix), Some(last_four)) = (
        format::display_prefix(issuer.brand, new.mode, &secret),
        format::last_four(&secret).map(str::to_owned),
    ) else {
        return Err(KeyError::Randomness);
    };
    let model = api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        org_id: Set(org_id),
        workspace_id: Set(workspace.id),
        name: Set(name),
        description: Set(description),
        mode: Set(new.mode),
        scopes: Set(json!(scopes)),
        display_prefix: Set(display_prefix),
        last_four: Set(last_four),
        key_hash: Set(issuer.hasher.hash(&secret).to_vec()),
        pepper_version: Set(issuer.hasher.version()),
        created_by: Set(acting_for),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoke_reason: Set(None),
        last_used_at: Set(None),
        last_used_ip: Set(None),
        rolled_from: Set(None),
        allowed_ips: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        NewAuditEvent {
            org_id: Some(org_id),
            actor,
            action: action::CREATED,
            target: Some(("api_key", model.id.to_string())),
            data: json!({
                "name": model.name,
                "mode": model.mode.as_str(),
                "scopes": scopes,
                "workspace": workspace.slug,
                "expiresAt": model.expires_at,
            }),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedKey {
        key: summary(&model, now),
        secret,
    })
}

/// The organization's keys, newest first.
pub async fn list_keys(
    db: &DatabaseConnection,
    org_id: Uuid,
    limit: u64,
) -> Result<Vec<ApiKeySummary>, DbErr> {
    let now = Utc::now();
    let keys = api_key::Entity::find()
        .filter(api_key::Column::OrgId.eq(org_id))
        .order_by_desc(api_key::Column::CreatedAt)
        .order_by_desc(api_key::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(keys.iter().map(|key| summary(key, now)).collect())
}

/// Revokes a key at once and for good. Revoking a revoked key changes nothing.
/// `within_org`: the caller's organization (`None` only for the break-glass CLI).
pub async fn revoke_key(
    db: &DatabaseConnection,
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
    let mut revoke = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .col_expr(api_key::Column::RevokedBy, Expr::value(revoked_by))
        .col_expr(api_key::Column::RevokeReason, Expr::value(reason.clone()))
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
    audit::record(
        &txn,
        NewAuditEvent {
            org_id: Some(key.org_id),
            actor,
            action: action::REVOKED,
            target: Some(("api_key", key.id.to_string())),
            data: json!({ "name": key.name, "mode": key.mode.as_str(), "reason": reason }),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(summary(&key, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wildcard_absorbs_other_scopes_and_duplicates_collapse() {
        assert_eq!(
            normalize_scopes(vec![Scope::AuditRead, Scope::All]).unwrap(),
            vec![Scope::All]
        );
        assert_eq!(
            normalize_scopes(vec![Scope::AuditRead, Scope::ClientsRead, Scope::AuditRead]).unwrap(),
            vec![Scope::ClientsRead, Scope::AuditRead]
        );
        assert!(normalize_scopes(vec![]).is_err());
    }

    #[test]
    fn expiry_defaults_are_bounded_and_never_is_explicit() {
        let now = Utc::now();
        assert_eq!(
            expiry_instant(Expiry::InDays(90), now).unwrap(),
            Some(now + Duration::days(90))
        );
        assert_eq!(expiry_instant(Expiry::Never, now).unwrap(), None);
        assert!(expiry_instant(Expiry::InDays(0), now).is_err());
        assert!(expiry_instant(Expiry::InDays(MAX_EXPIRY_DAYS + 1), now).is_err());
        assert!(expiry_instant(Expiry::At(now - Duration::seconds(1)), now).is_err());
        assert!(
            expiry_instant(
                Expiry::At(now + Duration::days(i64::from(MAX_EXPIRY_DAYS) + 1)),
                now
            )
            .is_err()
        );
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"n".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert_eq!(validate_name("  CI deploy ").unwrap(), "CI deploy");
        assert_eq!(validate_description(Some("   ".into())).unwrap(), None);
    }
}
