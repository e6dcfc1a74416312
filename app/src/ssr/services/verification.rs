//! Verifying a presented API key: the one decision `/v1` authentication goes through.
//!
//! Order: parse (format and checksum, no I/O) → keyed hash → lookup (the cache of
//! verified keys, or one joined query by the unique hash index, constant-time compare)
//! → revoked → expired → client address allowed → the member it acts for still belongs
//! to the organization → the plan includes API access.

use std::net::IpAddr;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::usage::UsageSubject;

use crate::{
    model::{KeyStatus, Mode, Refusal, Role},
    ssr::{
        key_cache::{
            KeyHash,
            record::{self, KeySnapshot},
        },
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

impl Rejection {
    /// A short, fixed name for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) => "malformed",
            Rejection::Unknown => "unknown",
            Rejection::Revoked => "revoked",
            Rejection::Expired => "expired",
            Rejection::AddressNotAllowed => "address_not_allowed",
            Rejection::CreatorRemoved => "creator_removed",
            Rejection::NoApiAccess => "no_api_access",
        }
    }

    /// The reason the key's request log gives; `None` for tokens that name no key.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            Rejection::Malformed(_) | Rejection::Unknown => None,
            Rejection::Revoked => Some(Refusal::Revoked),
            Rejection::Expired => Some(Refusal::Expired),
            Rejection::AddressNotAllowed => Some(Refusal::AddressNotAllowed),
            Rejection::CreatorRemoved => Some(Refusal::CreatorRemoved),
            Rejection::NoApiAccess => Some(Refusal::NoApiAccess),
        }
    }
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
    pub key: Arc<KeySnapshot>,
    /// The current role of the member the key acts for: its rights are the key's
    /// scopes intersected with what this role allows.
    pub acting_role: Role,
}

/// Format and checksum (no I/O), then the keyed hash the key is stored under.
pub fn presented(
    hasher: &KeyHasher,
    brand: &str,
    token: &str,
) -> Result<(KeyHash, Mode), VerificationError> {
    let parsed = format::parse(brand, token)
        .map_err(|reason| VerificationError::Rejected(Rejection::Malformed(reason), None))?;
    Ok((hasher.hash(parsed.full), parsed.mode))
}

/// Decides on a key as loaded (or cached): revoked → expired → address → the member it
/// acts for → the plan.
pub fn decide(
    found: Option<Arc<KeySnapshot>>,
    presented_mode: Mode,
    client_ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<VerifiedKey, VerificationError> {
    let key = found
        .filter(|key| key.mode == presented_mode)
        .ok_or(VerificationError::Rejected(Rejection::Unknown, None))?;
    let subject = UsageSubject {
        key_id: key.id,
        org_id: key.organization.id,
        mode: key.mode,
    };
    let refuse = |reason| Err(VerificationError::Rejected(reason, Some(subject)));
    match key.status(now) {
        KeyStatus::Revoked => return refuse(Rejection::Revoked),
        KeyStatus::Expired => return refuse(Rejection::Expired),
        KeyStatus::Inactive => return refuse(Rejection::CreatorRemoved),
        KeyStatus::Active => {}
    }
    if !key.address_allowed(client_ip) {
        return refuse(Rejection::AddressNotAllowed);
    }
    let Some(acting_role) = key.acting_role else {
        return refuse(Rejection::CreatorRemoved);
    };
    if !key.organization.plan.limits().api_access {
        return refuse(Rejection::NoApiAccess);
    }
    Ok(VerifiedKey {
        subject,
        key,
        acting_role,
    })
}

/// Verifies straight from the database, with no cache.
pub async fn verify_key(
    db: &DatabaseConnection,
    hasher: &KeyHasher,
    brand: &str,
    token: &str,
    client_ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<VerifiedKey, VerificationError> {
    let (hash, mode) = presented(hasher, brand, token)?;
    let found = record::load(db, &hash).await?.map(Arc::new);
    decide(found, mode, client_ip, now)
}
