//! Writing and reading audit events. The table is append-only (the database enforces
//! it) and each organization's events form a hash chain (`chain.rs`, checked by
//! `verify.rs`); callers must never put a secret, or a hash of one, into `data`.

mod chain;
mod verify;

pub use chain::{AuditLog, SYSTEM_CHAIN};
pub use verify::{ChainBreak, ChainReport};

use std::net::IpAddr;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, Func},
};
use serde_json::Value;
use uuid::Uuid;

use super::pagination::{PageRequest, fetch_page};
use crate::{
    model::{ActorOption, ActorRef, AuditEntry, Mode, Page},
    ssr::entities::audit_event,
};

/// The action names written to the log.
pub mod action {
    pub const ORGANIZATION_CREATED: &str = "organization.created";
    pub const MEMBER_ADDED: &str = "member.added";
    pub const MEMBER_INVITED: &str = "member.invited";
    pub const INVITATION_REVOKED: &str = "invitation.revoked";
    pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
    pub const MEMBER_ROLE_CHANGED: &str = "member.role_changed";
    pub const MEMBER_REMOVED: &str = "member.removed";
    pub const SIGNED_IN: &str = "user.signed_in";
    pub const SIGN_IN_FAILED: &str = "user.sign_in_failed";
    pub const SIGNED_OUT: &str = "user.signed_out";
}

/// Who did it.
#[derive(Debug, Clone)]
pub enum Actor {
    User {
        id: Uuid,
        email: String,
    },
    ApiKey {
        id: Uuid,
        name: String,
    },
    /// The admin CLI or the server itself; the label says which.
    System {
        label: &'static str,
    },
}

/// The workspace and mode an event happened in (keys and the records `/v1` manages).
/// Events without one are organization-level (members, billing, sign-ins, setup,
/// workspaces): the Audit Log page shows them, `/v1/audit` never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditScope {
    pub workspace_id: Uuid,
    pub mode: Mode,
}

impl AuditScope {
    pub fn new(workspace_id: Uuid, mode: Mode) -> Self {
        AuditScope { workspace_id, mode }
    }
}

#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub org_id: Option<Uuid>,
    /// `None`: an organization-level event.
    pub scope: Option<AuditScope>,
    pub actor: Actor,
    pub action: &'static str,
    pub target: Option<(&'static str, String)>,
    pub data: Value,
    pub ip: Option<IpAddr>,
}

/// Narrows the log; every field left `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub action: Option<String>,
    pub actor: Option<ActorRef>,
    /// Events about this key, or done with it: its history.
    pub key: Option<Uuid>,
    /// Only the events of this workspace and mode (organization-level events excluded).
    pub scope: Option<AuditScope>,
}

/// The organization's events, newest first.
pub async fn list_events(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<audit_event::Model>, DbErr> {
    use audit_event::Column;

    let mut select = audit_event::Entity::find().filter(Column::OrgId.eq(org_id));
    if let Some(scope) = filter.scope {
        select = select
            .filter(Column::WorkspaceId.eq(scope.workspace_id))
            .filter(Column::Mode.eq(scope.mode));
    }
    if let Some(action) = &filter.action {
        select = select.filter(Column::Action.eq(action.as_str()));
    }
    select = match filter.actor {
        None => select,
        Some(ActorRef::System) => select.filter(Column::ActorKind.eq("system")),
        Some(ActorRef::User(id)) => select
            .filter(Column::ActorKind.eq("user"))
            .filter(Column::ActorId.eq(id)),
        Some(ActorRef::ApiKey(id)) => select
            .filter(Column::ActorKind.eq("api_key"))
            .filter(Column::ActorId.eq(id)),
    };
    if let Some(key_id) = filter.key {
        select = select.filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(Column::TargetKind.eq("api_key"))
                        .add(Column::TargetId.eq(key_id.to_string())),
                )
                .add(
                    Condition::all()
                        .add(Column::ActorKind.eq("api_key"))
                        .add(Column::ActorId.eq(key_id)),
                ),
        );
    }
    fetch_page(
        db,
        select,
        Column::Id,
        |event: &audit_event::Model| event.id,
        page,
    )
    .await
}

/// The distinct actions in the organization's log, sorted.
pub async fn actions_seen(db: &impl ConnectionTrait, org_id: Uuid) -> Result<Vec<String>, DbErr> {
    audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Action)
        .distinct()
        .filter(audit_event::Column::OrgId.eq(org_id))
        .order_by_asc(audit_event::Column::Action)
        .into_tuple::<String>()
        .all(db)
        .await
}

/// Everyone and everything that has acted in the organization, labelled with the
/// latest name each was recorded under (keys can be renamed), sorted by label.
pub async fn actors_seen(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Vec<ActorOption>, DbErr> {
    use audit_event::Column;

    let rows = audit_event::Entity::find()
        .select_only()
        .column(Column::ActorKind)
        .column(Column::ActorId)
        .column_as(
            Expr::from(Func::max(Expr::col(Column::ActorLabel))),
            "label",
        )
        .filter(Column::OrgId.eq(org_id))
        .group_by(Column::ActorKind)
        .group_by(Column::ActorId)
        .into_tuple::<(String, Option<Uuid>, Option<String>)>()
        .all(db)
        .await?;
    let mut actors: Vec<ActorOption> = rows
        .into_iter()
        .filter_map(|(kind, id, label)| {
            let actor = match (kind.as_str(), id) {
                ("user", Some(id)) => ActorRef::User(id),
                ("api_key", Some(id)) => ActorRef::ApiKey(id),
                ("system", _) => ActorRef::System,
                _ => return None,
            };
            let label = match (&actor, label) {
                (ActorRef::System, _) => "System (CLI, server)".to_owned(),
                (_, Some(label)) => label,
                (_, None) => kind,
            };
            Some(ActorOption { actor, label })
        })
        .collect();
    actors.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(actors)
}

/// An event as the admin pages show it.
pub fn entry_of(event: audit_event::Model) -> AuditEntry {
    AuditEntry {
        id: event.id,
        details: details_of(&event.data),
        action: event.action,
        actor_kind: event.actor_kind,
        actor_label: event.actor_label,
        target_kind: event.target_kind,
        target_id: event.target_id,
        ip: event.ip,
        created_at: event.created_at,
    }
}

/// An event's data as `(field, value)` pairs for display: strings as they are,
/// anything else as compact JSON.
fn details_of(data: &Value) -> Vec<(String, String)> {
    match data {
        Value::Object(fields) => fields
            .iter()
            .map(|(field, value)| {
                let shown = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (field.clone(), shown)
            })
            .collect(),
        Value::Null => Vec::new(),
        other => vec![("data".to_owned(), other.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::details_of;

    #[test]
    fn details_show_strings_plainly_and_the_rest_as_json() {
        let details =
            details_of(&json!({ "name": "CI", "changes": { "scopes": ["*"] }, "days": 7 }));
        assert!(details.contains(&("name".to_owned(), "CI".to_owned())));
        assert!(details.contains(&("changes".to_owned(), r#"{"scopes":["*"]}"#.to_owned())));
        assert!(details.contains(&("days".to_owned(), "7".to_owned())));
        assert!(details_of(&json!(null)).is_empty());
    }
}
