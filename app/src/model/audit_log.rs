use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who an audit event names as its actor, as a filter value: a user or key by id, or
/// the system (CLI, start-up tasks) as one actor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActorRef {
    User(Uuid),
    ApiKey(Uuid),
    System,
}

impl ActorRef {
    /// The `<select>` value: `user:<id>`, `api_key:<id>` or `system`.
    pub fn to_value(&self) -> String {
        match self {
            ActorRef::User(id) => format!("user:{id}"),
            ActorRef::ApiKey(id) => format!("api_key:{id}"),
            ActorRef::System => "system".to_owned(),
        }
    }

    pub fn from_value(value: &str) -> Option<Self> {
        if value == "system" {
            return Some(ActorRef::System);
        }
        let (kind, id) = value.split_once(':')?;
        let id = Uuid::try_parse(id).ok()?;
        match kind {
            "user" => Some(ActorRef::User(id)),
            "api_key" => Some(ActorRef::ApiKey(id)),
            _ => None,
        }
    }
}

/// An actor seen in the organization's log, for the filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorOption {
    pub actor: ActorRef,
    /// The e-mail, the key's name or the system component.
    pub label: String,
}

/// The filters' choices: what has happened in this organization, and who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilterChoices {
    pub actions: Vec<String>,
    pub actors: Vec<ActorOption>,
}

/// The longest action filter accepted (longer is a 422): every action name is shorter.
pub const MAX_ACTION_FILTER_CHARS: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor: Option<ActorRef>,
    pub cursor: Option<String>,
}

/// One event as the Audit Log page shows it. `details` are the event's data as
/// `(field, value)` pairs; the log never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub action: String,
    pub actor_kind: String,
    pub actor_label: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub details: Vec<(String, String)>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditListing {
    pub rows: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
    pub now: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::ActorRef;

    #[test]
    fn actor_filter_values_round_trip_and_junk_is_no_filter() {
        let id = uuid::Uuid::now_v7();
        for actor in [ActorRef::User(id), ActorRef::ApiKey(id), ActorRef::System] {
            assert_eq!(ActorRef::from_value(&actor.to_value()), Some(actor));
        }
        assert_eq!(ActorRef::from_value("all"), None);
        assert_eq!(ActorRef::from_value("user:not-an-id"), None);
        assert_eq!(
            ActorRef::from_value("robot:00000000-0000-0000-0000-000000000000"),
            None
        );
    }
}

/// Whether the organization's audit chain holds (the Audit Log page's status line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    pub holds: bool,
    /// Events covered: those sealed when chaining began and those linked since.
    pub events: i64,
    /// The newest event up to which the chain holds.
    pub verified_up_to: Option<DateTime<Utc>>,
    /// What is wrong, when it does not hold.
    pub problem: Option<String>,
}
