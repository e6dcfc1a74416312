//! Rolling a key: a new key with the same configuration, while the old one keeps
//! working until the chosen grace period ends (then it is expired, for good).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    IssuedKey, KeyError, KeyIssuer, MAX_EXPIRY_DAYS, action, create::mint, status_of, summary,
};
use crate::{
    model::KeyStatus,
    ssr::{
        entities::{api_key, organization},
        services::{
            accounts,
            audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
        },
    },
};

/// How long the old key keeps working after a roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Grace {
    #[serde(rename = "now")]
    Now,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "24h")]
    OneDay,
    #[serde(rename = "7d")]
    SevenDays,
}

impl Grace {
    pub const ALL: &'static [Grace] =
        &[Grace::Now, Grace::OneHour, Grace::OneDay, Grace::SevenDays];

    pub fn duration(self) -> Duration {
        match self {
            Grace::Now => Duration::zero(),
            Grace::OneHour => Duration::hours(1),
            Grace::OneDay => Duration::hours(24),
            Grace::SevenDays => Duration::days(7),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grace::Now => "now",
            Grace::OneHour => "1h",
            Grace::OneDay => "24h",
            Grace::SevenDays => "7d",
        }
    }
}

impl std::str::FromStr for Grace {
    type Err = KeyError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Grace::ALL
            .iter()
            .copied()
            .find(|grace| grace.as_str() == value)
            .ok_or_else(|| KeyError::Invalid("grace: one of now, 1h, 24h, 7d".to_owned()))
    }
}

/// The new key lives as long as the old one was meant to (from now); a key without
/// expiry is replaced by one without expiry.
fn renewed_expiry(old: &api_key::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    old.expires_at.map(|expires_at| {
        let lifetime =
            (expires_at - old.created_at).min(Duration::days(i64::from(MAX_EXPIRY_DAYS)));
        now + lifetime.max(Duration::days(1))
    })
}

/// Rolls a usable key once. The new key has the same workspace, mode, scopes,
/// description and allowlist, links back through `rolled_from`, and acts for the member
/// who rolled it (with that member's role): whoever receives a secret is the member it
/// acts for, so removing that member stops every secret they ever saw. Only the
/// break-glass CLI (a `System` actor) keeps the old key's member.
// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
pub async fn roll_key(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    issuer: &KeyIssuer<'_>,
    org_id: Uuid,
    key_id: Uuid,
    grace: Grace,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<IssuedKey, KeyError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    // Lock the old key's row first: concurrent rolls of one key serialize here, and
    // on SQLite the transaction holds the write lock from its first statement.
    let locked = api_key::Entity::update_many()
        .col_expr(
            api_key::Column::RolledFrom,
            Expr::col(api_key::Column::RolledFrom),
        )
        .filter(api_key::Column::Id.eq(key_id))
        .filter(api_key::Column::OrgId.eq(org_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(KeyError::NotFound);
    }
    let old = api_key::Entity::find_by_id(key_id)
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?;
    if status_of(&old, now) != KeyStatus::Active {
        return Err(KeyError::Conflict(
            "revoked and expired keys cannot be rolled".to_owned(),
        ));
    }
    let successors = api_key::Entity::find()
        .filter(api_key::Column::RolledFrom.eq(key_id))
        .count(&txn)
        .await?;
    if successors > 0 {
        return Err(KeyError::Conflict(
            "this key was already rolled; roll its replacement instead".to_owned(),
        ));
    }
    let org = organization::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?;
    if !org.plan.limits().api_access {
        return Err(KeyError::PlanWithoutApiAccess(org.plan));
    }
    let acts_for = match &actor {
        Actor::User { id, .. } => *id,
        Actor::ApiKey { .. } | Actor::System { .. } => old.created_by,
    };
    if !accounts::is_member(&txn, org_id, acts_for).await? {
        return Err(KeyError::Conflict(
            "the member the new key would act for is not in the organization; create a new key instead"
                .to_owned(),
        ));
    }

    let grace_ends_at = old
        .expires_at
        .map_or(now + grace.duration(), |at| at.min(now + grace.duration()));
    api_key::Entity::update_many()
        .col_expr(api_key::Column::ExpiresAt, Expr::value(grace_ends_at))
        .filter(api_key::Column::Id.eq(key_id))
        .exec(&txn)
        .await?;

    let minted = mint(issuer, old.mode)?;
    let new = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        workspace_id: Set(old.workspace_id),
        name: Set(old.name.clone()),
        description: Set(old.description.clone()),
        mode: Set(old.mode),
        scopes: Set(old.scopes.clone()),
        display_prefix: Set(minted.display_prefix),
        last_four: Set(minted.last_four),
        key_hash: Set(issuer.hasher.hash(&minted.secret).to_vec()),
        pepper_version: Set(issuer.hasher.version()),
        created_by: Set(acts_for),
        created_at: Set(now),
        expires_at: Set(renewed_expiry(&old, now)),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoke_reason: Set(None),
        last_used_at: Set(None),
        last_used_ip: Set(None),
        rolled_from: Set(Some(old.id)),
        allowed_ips: Set(old.allowed_ips.clone()),
    }
    .insert(&txn)
    .await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: Some(AuditScope::new(old.workspace_id, old.mode)),
                actor,
                action: action::ROLLED,
                target: Some(("api_key", old.id.to_string())),
                data: json!({
                    "name": old.name,
                    "mode": old.mode.as_str(),
                    "newKeyId": new.id,
                    "grace": grace.as_str(),
                    "oldKeyExpiresAt": grace_ends_at,
                    "oldKeyActedFor": old.created_by,
                    "newKeyActsFor": acts_for,
                }),
                ip,
            },
        )
        .await?;
    issuer.invalidator.commit(txn, Some(org_id)).await?;
    Ok(IssuedKey {
        key: summary(&new, now),
        secret: minted.secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_periods_have_their_documented_names_and_lengths() {
        for grace in Grace::ALL {
            assert_eq!(grace.as_str().parse::<Grace>().unwrap(), *grace);
        }
        assert_eq!(Grace::SevenDays.duration(), Duration::days(7));
        assert!("2h".parse::<Grace>().is_err());
    }
}
