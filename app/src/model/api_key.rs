use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Mode, Scope};

/// Where a key stands right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Revoked,
    Expired,
    /// Not revoked or expired, but the member it acts for has left the organization:
    /// it is refused until that member is back.
    Inactive,
}

/// A key as lists and details show it: never the secret, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeySummary {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub mode: Mode,
    pub scopes: Vec<Scope>,
    pub workspace_id: Uuid,
    /// `kw_live_a1b2c3d4`; shown as `{display_prefix}…{last_four}`.
    pub display_prefix: String,
    pub last_four: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub rolled_from: Option<Uuid>,
    /// CIDR networks allowed to use the key; `None`: any address.
    pub allowed_ips: Option<Vec<String>>,
    pub status: KeyStatus,
}

impl ApiKeySummary {
    /// `kw_live_a1b2c3d4…wxyz`.
    pub fn masked(&self) -> String {
        format!("{}…{}", self.display_prefix, self.last_four)
    }
}
