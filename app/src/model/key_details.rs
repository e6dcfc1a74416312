//! What the key details page exchanges with its server functions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{KeyRow, Mode};

/// Everything about one key except its secret and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDetails {
    pub row: KeyRow,
    pub last_used_ip: Option<String>,
    pub revoke_reason: Option<String>,
    /// The key that replaced this one by a roll, if any.
    pub rolled_into: Option<Uuid>,
}

/// The details plus the caller's rights and the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDetailsView {
    pub details: KeyDetails,
    pub can_manage: bool,
    pub now: DateTime<Utc>,
}

/// The period a usage report covers: the last 24 hours by hour, or the last 7 or 30
/// days by UTC day (today included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UsageRange {
    #[default]
    Day,
    Week,
    Month,
}

impl UsageRange {
    pub const ALL: [UsageRange; 3] = [UsageRange::Day, UsageRange::Week, UsageRange::Month];

    pub fn label(self) -> &'static str {
        match self {
            UsageRange::Day => "24 hours",
            UsageRange::Week => "7 days",
            UsageRange::Month => "30 days",
        }
    }

    /// How many buckets the chart has.
    pub fn buckets(self) -> u32 {
        match self {
            UsageRange::Day => 24,
            UsageRange::Week => 7,
            UsageRange::Month => 30,
        }
    }

    pub fn hourly(self) -> bool {
        self == UsageRange::Day
    }
}

/// Requests with one key in one hour or day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageCounts {
    pub total: i64,
    /// Answered 2xx.
    pub succeeded: i64,
    /// Answered 4xx or 5xx.
    pub failed: i64,
}

impl UsageCounts {
    pub fn add(&mut self, other: UsageCounts) {
        self.total += other.total;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBucket {
    pub start: DateTime<Utc>,
    pub counts: UsageCounts,
}

/// A key's usage over a range, oldest bucket first, empty buckets included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsage {
    pub range: UsageRange,
    pub mode: Mode,
    pub buckets: Vec<UsageBucket>,
    pub totals: UsageCounts,
}
