//! Writing audit events. The table is append-only (the database enforces it);
//! callers must never put a secret, or a hash of one, into `data`.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use super::pagination::{PageRequest, fetch_page};
use crate::{model::Page, ssr::entities::audit_event};

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

#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub org_id: Option<Uuid>,
    pub actor: Actor,
    pub action: &'static str,
    pub target: Option<(&'static str, String)>,
    pub data: Value,
    pub ip: Option<IpAddr>,
}

pub async fn record(db: &impl ConnectionTrait, event: NewAuditEvent) -> Result<(), DbErr> {
    let (actor_kind, actor_id, actor_label) = match event.actor {
        Actor::User { id, email } => ("user", Some(id), Some(email)),
        Actor::ApiKey { id, name } => ("api_key", Some(id), Some(name)),
        Actor::System { label } => ("system", None, Some(label.to_owned())),
    };
    let (target_kind, target_id) = match event.target {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
        None => (None, None),
    };
    audit_event::Entity::insert(audit_event::ActiveModel {
        // Time-ordered ids: the log pages by id, newest first.
        id: Set(Uuid::now_v7()),
        org_id: Set(event.org_id),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        actor_label: Set(actor_label),
        action: Set(event.action.to_owned()),
        target_kind: Set(target_kind),
        target_id: Set(target_id),
        data: Set(event.data),
        ip: Set(event.ip.map(|ip| ip.to_string())),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The organization's events, newest first.
pub async fn list_events(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    page: PageRequest,
) -> Result<Page<audit_event::Model>, DbErr> {
    fetch_page(
        db,
        audit_event::Entity::find().filter(audit_event::Column::OrgId.eq(org_id)),
        audit_event::Column::Id,
        |event: &audit_event::Model| event.id,
        page,
    )
    .await
}
