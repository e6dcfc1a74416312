//! Issuing, listing and revoking API keys. Every change to a key goes through this
//! module and ends with its `Invalidator`, so every cache of verified keys learns of it.

mod change;
mod create;
mod hold;
mod leak;
mod query;
mod roll;

pub(crate) use change::revoke_keys_acting_for;
pub use change::{KeyChanges, MEMBER_REMOVED_REASON, revoke_key, update_key};
pub use create::create_key;
pub use hold::hold_usable_key;
pub use leak::{
    LEAKED_REASON, LeakReportError, MAX_REPORTED_TOKENS, MAX_TOKEN_CHARS, revoke_leaked,
    validate_report,
};
pub use query::{
    KeyFilter, active_key_count, get_details, get_key, key_counts_by_workspace, list_keys,
    list_rows,
};
pub use roll::{Grace, roll_key};

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, PaginatorTrait, QueryFilter, UpdateMany,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use super::text;
use crate::{
    model::{ApiKeySummary, KeyStatus, Mode, Plan, Scope},
    ssr::{
        entities::{api_key, membership},
        key_cache::feed::Invalidator,
        keys::hash::KeyHasher,
    },
};

pub const DEFAULT_EXPIRY_DAYS: u32 = 90;
pub const MAX_EXPIRY_DAYS: u32 = 3650;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

pub const MAX_ALLOWED_NETWORKS: usize = 50;

pub mod action {
    pub const CREATED: &str = "api_key.created";
    pub const UPDATED: &str = "api_key.updated";
    pub const ROLLED: &str = "api_key.rolled";
    pub const REVOKED: &str = "api_key.revoked";
    /// A key went over its rate limit (at most once per key and window).
    pub const RATE_LIMITED: &str = "api_key.rate_limited";
    /// Revoked because someone reported it as leaked (`POST /v1/leaks`).
    pub const LEAKED: &str = "api_key.leaked";
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

/// What issuing needs from the server: its configuration, and the invalidator that
/// tells every cache of verified keys (a new key may be one a cache remembers as unknown).
pub struct KeyIssuer<'a> {
    pub hasher: &'a KeyHasher,
    pub brand: &'a str,
    pub invalidator: &'a Invalidator,
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
    /// 409: a revoked or expired key cannot be changed or rolled, and a key is rolled once.
    #[error("{0}")]
    Conflict(String),
    #[error("the operating system's random number generator failed")]
    Randomness,
    #[error(transparent)]
    Database(#[from] DbErr),
}

pub(crate) fn invalid(message: impl Into<String>) -> KeyError {
    KeyError::Invalid(message.into())
}

pub(crate) fn validate_name(name: &str) -> Result<String, KeyError> {
    text::plain_text(name, MAX_NAME_CHARS)
        .ok_or_else(|| invalid(text::rule("name", MAX_NAME_CHARS)))
}

pub(crate) fn validate_description(
    description: Option<String>,
) -> Result<Option<String>, KeyError> {
    match description.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(given) => text::plain_text(given, MAX_DESCRIPTION_CHARS)
            .map(Some)
            .ok_or_else(|| invalid(text::rule("description", MAX_DESCRIPTION_CHARS))),
    }
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

pub(crate) fn expiry_instant(
    expiry: Expiry,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, KeyError> {
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

/// Networks in CIDR form (a bare address is a single-host network), normalized and
/// deduplicated. An empty list is refused: "no allowlist" is `None`, not `[]`.
pub fn normalize_networks(networks: Vec<String>) -> Result<Vec<String>, KeyError> {
    if networks.is_empty() {
        return Err(invalid(
            "allowedIps: list at least one address or network, or remove the allowlist",
        ));
    }
    if networks.len() > MAX_ALLOWED_NETWORKS {
        return Err(invalid(format!(
            "allowedIps: at most {MAX_ALLOWED_NETWORKS} entries"
        )));
    }
    let mut parsed = networks
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map(|network| network.trunc().to_string())
                .map_err(|_| {
                    invalid(format!(
                        "allowedIps: `{entry}` is not an IP address or CIDR network"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    parsed.sort();
    parsed.dedup();
    Ok(parsed)
}

/// The UI's expiry choice as the service's; a date means the end of that day (UTC).
pub fn expiry_from_choice(choice: crate::model::ExpiryChoice) -> Result<Expiry, KeyError> {
    use crate::model::ExpiryChoice;
    match choice {
        ExpiryChoice::Days(days) => Ok(Expiry::InDays(days)),
        ExpiryChoice::Never => Ok(Expiry::Never),
        ExpiryChoice::On(date) => date
            .and_hms_opt(23, 59, 59)
            .map(|end| Expiry::At(end.and_utc()))
            .ok_or_else(|| invalid("expiry: not a date")),
    }
}

/// The scopes column as the catalogue; an unreadable value grants nothing.
pub fn stored_scopes(value: &serde_json::Value) -> Vec<Scope> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The one definition of revoked and expired (`expires_at <= now`: refused at the
/// instant of expiry), shared by lists and by verification.
pub fn status_at(
    revoked: bool,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> KeyStatus {
    if revoked {
        KeyStatus::Revoked
    } else if expires_at.is_some_and(|at| at <= now) {
        KeyStatus::Expired
    } else {
        KeyStatus::Active
    }
}

pub fn status_of(key: &api_key::Model, now: DateTime<Utc>) -> KeyStatus {
    status_at(key.revoked_at.is_some(), key.expires_at, now)
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
        allowed_ips: key
            .allowed_ips
            .as_ref()
            .map(|networks| serde_json::from_value(networks.clone()).unwrap_or_default()),
        status: status_of(key, now),
    }
}

/// Keys that still work at `now`: not revoked, and without expiry or expiring later.
pub(crate) fn works_at(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(api_key::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(api_key::Column::ExpiresAt.is_null())
                .add(api_key::Column::ExpiresAt.gt(now)),
        )
}

/// The update that revokes keys at `now`: every revocation sets the same three columns.
/// Callers add the filters that say which keys, and which are still revocable.
pub(crate) fn revocation(
    now: DateTime<Utc>,
    revoked_by: Option<Uuid>,
    reason: Option<&str>,
) -> UpdateMany<api_key::Entity> {
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .col_expr(api_key::Column::RevokedBy, Expr::value(revoked_by))
        .col_expr(
            api_key::Column::RevokeReason,
            Expr::value(reason.map(str::to_owned)),
        )
}

/// The user ids of the organization's current members.
pub(crate) fn members_of(org_id: Uuid) -> SelectStatement {
    Query::select()
        .column(membership::Column::UserId)
        .from(membership::Entity)
        .and_where(membership::Column::OrgId.eq(org_id))
        .to_owned()
}

/// The ids of keys that were rolled (each has a replacement).
pub(crate) fn replaced_keys() -> SelectStatement {
    Query::select()
        .column(api_key::Column::RolledFrom)
        .from(api_key::Entity)
        .and_where(api_key::Column::RolledFrom.is_not_null())
        .to_owned()
}

/// Keys that count against the plan: every key that still works, the old half of a
/// roll in its grace period included (it works, so it counts).
pub(crate) async fn count_active_keys(
    db: &impl sea_orm::ConnectionTrait,
    org_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    api_key::Entity::find()
        .filter(api_key::Column::OrgId.eq(org_id))
        .filter(works_at(now))
        .count(db)
        .await
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
    fn allowlists_accept_addresses_and_networks_only() {
        assert_eq!(
            normalize_networks(vec![
                "10.1.2.3/8".into(),
                "192.0.2.7".into(),
                "2001:db8::1/64".into()
            ])
            .unwrap(),
            vec!["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/64"]
        );
        assert!(normalize_networks(vec![]).is_err());
        assert!(normalize_networks(vec!["example.com".into()]).is_err());
        assert!(normalize_networks(vec!["10.0.0.0/33".into()]).is_err());
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(validate_name("  ").is_err());
        assert!(validate_name(&"n".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert_eq!(validate_name("  CI deploy ").unwrap(), "CI deploy");
        assert_eq!(validate_description(Some("   ".into())).unwrap(), None);
    }
}
