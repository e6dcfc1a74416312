//! What the key page's request log exchanges with its server function.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vocabulary::closed_vocabulary;

/// Why `/v1` refused a request made with a known key. Requests with an unknown or
/// malformed token name no key, so they are in no key's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum Refusal {
    Revoked,
    Expired,
    AddressNotAllowed,
    CreatorRemoved,
    NoApiAccess,
    RateLimited,
    MissingScope,
}

closed_vocabulary!(Refusal, "refusal", {
    Revoked => ("revoked", "Revoked key"),
    Expired => ("expired", "Expired key"),
    AddressNotAllowed => ("address_not_allowed", "Address not in allowlist"),
    CreatorRemoved => ("creator_removed", "Creator left the organization"),
    NoApiAccess => ("no_api_access", "Plan without API access"),
    RateLimited => ("rate_limited", "Rate limited"),
    MissingScope => ("missing_scope", "Missing scope"),
});

/// The request log's filter: all requests, or one class of status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatusClass {
    #[default]
    All,
    /// 2xx
    Succeeded,
    /// 4xx
    ClientError,
    /// 5xx
    ServerError,
}

impl StatusClass {
    pub const ALL: [StatusClass; 4] = [
        StatusClass::All,
        StatusClass::Succeeded,
        StatusClass::ClientError,
        StatusClass::ServerError,
    ];

    pub fn label(self) -> &'static str {
        match self {
            StatusClass::All => "All",
            StatusClass::Succeeded => "2xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
        }
    }

    /// The statuses in the class, as a half-open range; `None` for all.
    pub fn statuses(self) -> Option<std::ops::Range<i32>> {
        match self {
            StatusClass::All => None,
            StatusClass::Succeeded => Some(200..300),
            StatusClass::ClientError => Some(400..500),
            StatusClass::ServerError => Some(500..600),
        }
    }
}

/// One `/v1` request made with a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The route template (`/v1/clients/{id}`), or the path of a request that matched
    /// no route.
    pub route: String,
    pub status: u16,
    pub ip: Option<String>,
    pub latency_micros: i64,
    pub refusal: Option<Refusal>,
}

/// A key answering more requests than this between two flushes of the usage meter (every
/// 5 s by default) has a sample of them logged: its failures first, then its newest
/// successes. Its usage counts still count every request.
pub const REQUEST_LOG_ROWS_PER_FLUSH: u32 = 1_000;

/// One page of a key's request log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestListing {
    pub rows: Vec<RequestLogEntry>,
    pub next_cursor: Option<String>,
    /// How long requests are kept, and how many at most per key.
    pub retention_days: u32,
    pub rows_per_key: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_has_one_stored_serialized_and_parsed_form() {
        for &refusal in Refusal::ALL {
            let serialized = serde_json::to_string(&refusal).unwrap();
            assert_eq!(serialized, format!("\"{}\"", refusal.as_str()));
            assert_eq!(refusal.as_str().parse::<Refusal>().unwrap(), refusal);
        }
    }
}
