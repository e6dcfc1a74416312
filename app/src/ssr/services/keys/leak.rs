//! Leak reports (secret-scanning style): a token found where it must not be (a public
//! repository, a paste, a log) is revoked at once. Anyone may report one: holding a
//! working key is the proof that it leaked, so no authentication is asked, and the
//! reporter is never told whether a token was real (the caller always answers the same).

use std::{collections::BTreeSet, net::IpAddr};

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use super::{action, revocation, works_at};
use crate::model::AlertKind;
use crate::ssr::{
    entities::api_key,
    key_cache::feed::Invalidator,
    keys::{
        format,
        hash::{KEY_HASH_BYTES, KeyHasher},
    },
    services::{
        alerts,
        audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
    },
};

/// The `revoke_reason` of a key revoked by a leak report.
pub const LEAKED_REASON: &str = "leaked";
/// At most this many tokens per report.
pub const MAX_REPORTED_TOKENS: usize = 100;
/// A longer string cannot be one of our keys; it is refused, not silently skipped.
pub const MAX_TOKEN_CHARS: usize = 200;

/// The audit actor of a revocation by leak report.
const REPORTER: Actor = Actor::System {
    label: "leak report",
};

/// Why a report was refused as a whole (nothing was looked up).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeakReportError {
    #[error("tokens: must hold 1 to {MAX_REPORTED_TOKENS} strings")]
    Count,
    #[error("tokens[{0}]: must be at most {MAX_TOKEN_CHARS} characters")]
    TooLong(usize),
}

/// Checks the report's size before anything is hashed or looked up.
pub fn validate_report(tokens: &[String]) -> Result<(), LeakReportError> {
    if tokens.is_empty() || tokens.len() > MAX_REPORTED_TOKENS {
        return Err(LeakReportError::Count);
    }
    match tokens
        .iter()
        .position(|token| token.chars().count() > MAX_TOKEN_CHARS)
    {
        Some(index) => Err(LeakReportError::TooLong(index)),
        None => Ok(()),
    }
}

/// Revokes every reported token that is a working key (live or test), each in its own
/// transaction with an `api_key.leaked` audit event carrying the reporter's address.
/// Returns how many keys this report revoked (for metrics: never for the reporter).
/// Tokens that are not well-formed keys of `brand` are dropped before any lookup.
pub async fn revoke_leaked(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    hasher: &KeyHasher,
    brand: &str,
    tokens: &[String],
    reporter: Option<IpAddr>,
) -> Result<usize, DbErr> {
    let hashes: BTreeSet<[u8; KEY_HASH_BYTES]> = tokens
        .iter()
        .filter_map(|token| format::parse(brand, token).ok())
        .map(|parsed| hasher.hash(parsed.full))
        .collect();
    if hashes.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let found = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.is_in(hashes.iter().map(|hash| hash.to_vec())))
        .filter(works_at(now))
        .all(db)
        .await?;
    let mut revoked = 0;
    for key in found {
        // The index found it by equality; the decision itself compares in constant time.
        let reported = hashes
            .iter()
            .any(|hash| KeyHasher::matches(&key.key_hash, hash));
        if reported && revoke_one(db, audit_log, invalidator, &key, reporter).await? {
            revoked += 1;
        }
    }
    Ok(revoked)
}

/// Revokes `key` if it still works (a concurrent revoke or report wins otherwise) and
/// audits it. True when this call revoked it.
async fn revoke_one(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    key: &api_key::Model,
    reporter: Option<IpAddr>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    // The conditional write comes first, as in `revoke_key`: of two concurrent
    // revocations exactly one changes the row and writes the audit event.
    let changed = revocation(now, None, Some(LEAKED_REASON))
        .filter(api_key::Column::Id.eq(key.id))
        .filter(works_at(now))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(false);
    }
    audit_log.record(
        &txn,
        NewAuditEvent {
            org_id: Some(key.org_id),
            scope: Some(AuditScope::new(key.workspace_id, key.mode)),
            actor: REPORTER,
            action: action::LEAKED,
            target: Some(("api_key", key.id.to_string())),
            data: json!({ "name": key.name, "mode": key.mode.as_str(), "reason": LEAKED_REASON }),
            ip: reporter,
        },
    )
    .await?;
    alerts::enqueue(
        &txn,
        key.org_id,
        AlertKind::KeyLeaked,
        json!({
            "keyId": key.id,
            "name": key.name,
            "mode": key.mode.as_str(),
            "reporterIp": reporter.map(|ip| ip.to_string()),
        }),
    )
    .await?;
    invalidator.commit(txn, Some(key.org_id)).await?;
    tracing::warn!(key_id = %key.id, org_id = %key.org_id, "API key revoked: reported as leaked");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(count: usize, chars: usize) -> Vec<String> {
        vec!["x".repeat(chars); count]
    }

    #[test]
    fn a_report_holds_one_to_a_hundred_tokens() {
        assert_eq!(validate_report(&[]), Err(LeakReportError::Count));
        assert_eq!(validate_report(&tokens(1, 10)), Ok(()));
        assert_eq!(validate_report(&tokens(MAX_REPORTED_TOKENS, 10)), Ok(()));
        assert_eq!(
            validate_report(&tokens(MAX_REPORTED_TOKENS + 1, 10)),
            Err(LeakReportError::Count)
        );
    }

    #[test]
    fn a_token_over_the_length_limit_is_named_by_its_position() {
        let mut report = tokens(3, MAX_TOKEN_CHARS);
        assert_eq!(validate_report(&report), Ok(()));
        // Characters, not bytes: 200 two-byte characters are within the limit.
        report[1] = "é".repeat(MAX_TOKEN_CHARS);
        assert_eq!(validate_report(&report), Ok(()));
        report[2] = "x".repeat(MAX_TOKEN_CHARS + 1);
        assert_eq!(validate_report(&report), Err(LeakReportError::TooLong(2)));
    }
}
