//! What the key page shows of a key's footprint: where and for what it was used.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Scope;

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
