//! What the key page shows of a key's footprint: where and for what it was used.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Scope, scopes_grant};

/// A network (IPv4 address or IPv6 /64) the key was used from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressSeen {
    pub network: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub requests: i64,
    /// Refused at verification or by the rate limit.
    pub refused: i64,
}

/// A scope the key's requests needed: how often it was allowed or denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeSeen {
    pub scope: Scope,
    pub allowed: i64,
    pub denied: i64,
    pub last_allowed_at: Option<DateTime<Utc>>,
    pub last_denied_at: Option<DateTime<Utc>>,
}

/// A key's footprint over the last `days` days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFootprint {
    pub days: i64,
    /// Most recently seen first.
    pub addresses: Vec<AddressSeen>,
    pub scopes: Vec<ScopeSeen>,
}

/// The granted scopes no request needed in the period (`*` counts as used when any
/// request was allowed).
pub fn unused_grants(granted: &[Scope], seen: &[ScopeSeen]) -> Vec<Scope> {
    let used: Vec<Scope> = seen
        .iter()
        .filter(|s| s.allowed > 0)
        .map(|s| s.scope)
        .collect();
    granted
        .iter()
        .copied()
        .filter(|grant| match grant {
            Scope::All => used.is_empty(),
            grant => !used.contains(grant),
        })
        .collect()
}

/// The scopes the key's requests needed, without reads a needed write implies: what
/// the key could be narrowed to.
pub fn needed_scopes(seen: &[ScopeSeen]) -> Vec<Scope> {
    let used: Vec<Scope> = seen
        .iter()
        .filter(|s| s.allowed > 0)
        .map(|s| s.scope)
        .collect();
    let mut needed: Vec<Scope> = used
        .iter()
        .copied()
        .filter(|scope| {
            !used
                .iter()
                .any(|other| other != scope && other.grants(*scope))
        })
        .collect();
    needed.sort();
    needed.dedup();
    needed
}

/// What a key granted `granted` and created at `created_at` could be narrowed to, when
/// it has been around for the whole `days`-day period, its requests needed some scopes
/// and it holds a right none of them needed (`*` narrowed to what was used counts).
/// The key page's offer and the unused-scopes signal both ask this.
pub fn narrowed_scopes(
    granted: &[Scope],
    created_at: DateTime<Utc>,
    seen: &[ScopeSeen],
    days: i64,
    now: DateTime<Utc>,
) -> Option<Vec<Scope>> {
    let old_enough = created_at <= now - TimeDelta::days(days);
    let needed = needed_scopes(seen);
    let narrower = Scope::ALL.iter().any(|&scope| {
        scope != Scope::All && scopes_grant(granted, scope) && !scopes_grant(&needed, scope)
    });
    (old_enough && narrower && !needed.is_empty()).then_some(needed)
}
