//! What the API Keys page exchanges with its server functions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiKeySummary, KeyStatus, Mode, Plan, Scope, SignalKind};

/// A key as the list shows it: the summary plus names resolved for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub key: ApiKeySummary,
    /// The e-mail of the member the key acts for (`None` if that user no longer exists).
    pub created_by_email: Option<String>,
    pub workspace_name: String,
    /// The old half of a roll: it can only be revoked (it expires when its grace ends).
    pub replaced: bool,
    /// The kinds of the key's open signals (its badges).
    pub signals: Vec<SignalKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceOption {
    pub id: Uuid,
    pub name: String,
    pub is_default: bool,
}

/// What the page needs besides the rows: plan gating, the limit, the caller's rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysOverview {
    pub plan: Plan,
    pub api_access: bool,
    /// `None`: unlimited.
    pub limit: Option<u32>,
    /// Keys that count against the limit.
    pub active: u64,
    /// Owners and Admins create, edit, roll and revoke; others only read.
    pub can_manage: bool,
    pub workspaces: Vec<WorkspaceOption>,
}

impl KeysOverview {
    pub fn limit_reached(&self) -> bool {
        self.limit
            .is_some_and(|limit| self.active >= u64::from(limit))
    }
}

/// One page of rows, with the server's clock so that "expires in 3 days" reads the
/// same in the server-rendered HTML and after hydration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyListing {
    pub rows: Vec<KeyRow>,
    pub next_cursor: Option<String>,
    pub now: DateTime<Utc>,
}

/// The longest key search accepted (longer is a 422): no name or prefix is longer.
pub const MAX_KEY_SEARCH_CHARS: usize = 200;

/// The list's filters and page. Empty means "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyQuery {
    pub status: Option<KeyStatus>,
    pub mode: Option<Mode>,
    pub workspace_id: Option<Uuid>,
    pub search: Option<String>,
    pub cursor: Option<String>,
}

/// When a new key expires, as the create dialog offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpiryChoice {
    Days(u32),
    /// The end of this day (UTC).
    On(NaiveDate),
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKeyForm {
    pub name: String,
    pub description: Option<String>,
    pub mode: Mode,
    /// `None`: the default workspace.
    pub workspace_id: Option<Uuid>,
    pub scopes: Vec<Scope>,
    pub expiry: ExpiryChoice,
}

/// The Edit dialog's changes. Every field is sent; `expiry: None` keeps the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEdit {
    pub name: String,
    pub description: Option<String>,
    pub scopes: Vec<Scope>,
    pub expiry: Option<ExpiryChoice>,
    /// Empty: any address may use the key.
    pub allowed_ips: Vec<String>,
}

/// The only responses that carry a secret (create and roll).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key: ApiKeySummary,
    pub secret: String,
}

/// "Expires in 5 days", "Expired", "Never expires", or "Expires Mar 3, 2027".
pub fn expiry_label(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> (String, bool) {
    match expires_at {
        None => ("Never expires".to_owned(), false),
        Some(at) if at <= now => ("Expired".to_owned(), true),
        Some(at) => {
            let days = (at - now).num_days();
            if days < 7 {
                let text = match days {
                    0 => "Expires today".to_owned(),
                    1 => "Expires in 1 day".to_owned(),
                    n => format!("Expires in {n} days"),
                };
                (text, true)
            } else {
                (
                    format!("Expires {}", crate::components::format::date(at)),
                    false,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn expiry_labels_warn_within_a_week() {
        let now = Utc::now();
        assert_eq!(expiry_label(None, now), ("Never expires".into(), false));
        assert_eq!(
            expiry_label(Some(now - Duration::seconds(1)), now),
            ("Expired".into(), true)
        );
        assert_eq!(
            expiry_label(Some(now + Duration::days(5) + Duration::hours(1)), now),
            ("Expires in 5 days".into(), true)
        );
        let (later, warns) = expiry_label(Some(now + Duration::days(30)), now);
        assert!(!warns);
        assert!(later.starts_with("Expires "), "{later}");
    }

    #[test]
    fn the_limit_is_reached_at_the_limit_and_never_when_unlimited() {
        let mut overview = KeysOverview {
            plan: Plan::Professional,
            api_access: true,
            limit: Some(5),
            active: 4,
            can_manage: true,
            workspaces: vec![],
        };
        assert!(!overview.limit_reached());
        overview.active = 5;
        assert!(overview.limit_reached());
        overview.limit = None;
        assert!(!overview.limit_reached());
    }
}
