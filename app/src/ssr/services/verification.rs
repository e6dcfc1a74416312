//! Verifying a presented API key: the one function `/v1` authentication goes through,
//! so a cache of verified keys can later sit in front of it.
//!
//! Order: parse (format and checksum, no I/O) → keyed hash → lookup by the unique hash
//! index → constant-time compare → revoked → expired → client address allowed → the
//! member it acts for still belongs to the organization → the plan includes API access.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::{keys, usage::UsageSubject};

use crate::{
    model::{KeyStatus, Mode, Role, Scope},
    ssr::{
        entities::{api_key, membership, organization},
        keys::{
            format::{self, MalformedKey},
            hash::KeyHasher,
        },
    },
};

/// Why a key was refused. Clients get the same answer for all but `NoApiAccess`;
/// the reason is for the server log and (later) anomaly signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("malformed key: {0}")]
    Malformed(MalformedKey),
    #[error("unknown key")]
    Unknown,
    #[error("revoked key")]
    Revoked,
    #[error("expired key")]
    Expired,
    #[error("the client address is not in the key's allowlist")]
    AddressNotAllowed,
    #[error("the member the key acts for left the organization")]
    CreatorRemoved,
    /// The organization's plan has no API access (a 403, not a 401).
    #[error("the organization's plan has no API access")]
    NoApiAccess,
}

#[derive(Debug, thiserror::Error)]
pub enum VerificationError {
    /// The key named, when it was found: refused requests still count as its usage.
    #[error("{0}")]
    Rejected(Rejection, Option<UsageSubject>),
    /// The database could not answer: callers must fail closed (503).
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A key that may be used right now, with what it may do.
#[derive(Debug, Clone)]
pub struct VerifiedKey {
    pub subject: UsageSubject,
    pub key: api_key::Model,
    pub org: organization::Model,
    pub mode: Mode,
    pub scopes: Vec<Scope>,
    /// The current role of the member the key acts for: its rights are the key's
    /// scopes intersected with what this role allows.
    pub acting_role: Role,
}

pub async fn verify_key(
    db: &DatabaseConnection,
    hasher: &KeyHasher,
    brand: &str,
    token: &str,
    client_ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<VerifiedKey, VerificationError> {
    let parsed = format::parse(brand, token)
        .map_err(|reason| VerificationError::Rejected(Rejection::Malformed(reason), None))?;
    let hash = hasher.hash(parsed.full);
    let key = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash.to_vec()))
        .one(db)
        .await?
        .filter(|key| KeyHasher::matches(&key.key_hash, &hash) && key.mode == parsed.mode)
        .ok_or(VerificationError::Rejected(Rejection::Unknown, None))?;
    let subject = UsageSubject {
        key_id: key.id,
        org_id: key.org_id,
        mode: key.mode,
    };
    let refuse = |reason| Err(VerificationError::Rejected(reason, Some(subject)));
    match keys::status_of(&key, now) {
        KeyStatus::Revoked => return refuse(Rejection::Revoked),
        KeyStatus::Expired => return refuse(Rejection::Expired),
        KeyStatus::Inactive => return refuse(Rejection::CreatorRemoved),
        KeyStatus::Active => {}
    }
    if !keys::address_allowed(&key, client_ip) {
        return refuse(Rejection::AddressNotAllowed);
    }
    let acting = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(key.org_id))
        .filter(membership::Column::UserId.eq(key.created_by))
        .find_also_related(organization::Entity)
        .one(db)
        .await?;
    let Some((acting, Some(org))) = acting else {
        return refuse(Rejection::CreatorRemoved);
    };
    if !org.plan.limits().api_access {
        return refuse(Rejection::NoApiAccess);
    }
    let scopes = keys::stored_scopes(&key.scopes);
    Ok(VerifiedKey {
        subject,
        mode: key.mode,
        scopes,
        acting_role: acting.role,
        key,
        org,
    })
}
