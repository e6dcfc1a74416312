use sea_orm::entity::prelude::*;

use crate::model::Mode;

/// One append-only audit log entry (the database rejects updates and deletes).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Option<Uuid>,
    /// With `mode`: the workspace the event happened in; both NULL for
    /// organization-level events (see `services::audit::AuditScope`).
    pub workspace_id: Option<Uuid>,
    pub mode: Option<Mode>,
    /// `user`, `api_key` or `system` (the CLI, start-up tasks).
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub data: Json,
    pub ip: Option<String>,
    pub created_at: DateTimeUtc,
    /// The event's position in its chain (its organization's, or the system chain);
    /// `None` for events written before the chain began (its genesis).
    pub chain_seq: Option<i64>,
    /// Hex HMAC over the predecessor's HMAC and this event's canonical content.
    pub chain_mac: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
