//! What verification and the `/v1` handlers need to know about a key, loaded with one
//! query (the key joined with its organization, workspace and acting membership).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, RelationDef,
};
use uuid::Uuid;

use crate::{
    model::{KeyStatus, Mode, Plan, Role, Scope},
    ssr::{
        entities::{api_key, membership, organization, workspace},
        keys::hash::{KEY_HASH_BYTES, KeyHasher},
        services::keys::{self, stored_scopes},
    },
};

/// The workspace a key acts in, as `whoami` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSnapshot {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
}

/// The organization a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationSnapshot {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
}

/// A key as the database knew it at load time. Immutable; a change to any of it makes a
/// new snapshot (see `Generations`). Time-dependent facts (expiry) are decided per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySnapshot {
    pub id: Uuid,
    pub name: String,
    pub mode: Mode,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    /// `None`: any address may use the key.
    pub allowed_networks: Option<Vec<IpNet>>,
    /// The role of the member the key acts for; `None` once they left the organization.
    pub acting_role: Option<Role>,
    pub organization: OrganizationSnapshot,
    pub workspace: WorkspaceSnapshot,
}

impl KeySnapshot {
    pub fn status(&self, now: DateTime<Utc>) -> KeyStatus {
        keys::status_at(self.revoked, self.expires_at, now)
    }

    pub fn address_allowed(&self, ip: Option<IpAddr>) -> bool {
        match (&self.allowed_networks, ip) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(networks), Some(ip)) => {
                let ip = ip.to_canonical();
                networks.iter().any(|network| network.contains(&ip))
            }
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct KeyRow {
    key_id: Uuid,
    key_name: String,
    key_hash: Vec<u8>,
    mode: Mode,
    scopes: serde_json::Value,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    allowed_ips: Option<serde_json::Value>,
    org_id: Uuid,
    org_name: String,
    org_slug: String,
    plan: Plan,
    workspace_id: Uuid,
    workspace_name: String,
    workspace_slug: String,
    workspace_is_default: bool,
    workspace_created_at: DateTime<Utc>,
    acting_role: Option<Role>,
}

fn networks(stored: Option<serde_json::Value>) -> Option<Vec<IpNet>> {
    let stored = stored?;
    let networks: Vec<String> = serde_json::from_value(stored).unwrap_or_default();
    Some(
        networks
            .iter()
            .filter_map(|network| network.parse::<IpNet>().ok())
            .collect(),
    )
}

impl From<KeyRow> for KeySnapshot {
    fn from(row: KeyRow) -> Self {
        KeySnapshot {
            id: row.key_id,
            name: row.key_name,
            mode: row.mode,
            scopes: stored_scopes(&row.scopes),
            expires_at: row.expires_at,
            revoked: row.revoked_at.is_some(),
            allowed_networks: networks(row.allowed_ips),
            acting_role: row.acting_role,
            organization: OrganizationSnapshot {
                id: row.org_id,
                name: row.org_name,
                slug: row.org_slug,
                plan: row.plan,
            },
            workspace: WorkspaceSnapshot {
                id: row.workspace_id,
                name: row.workspace_name,
                slug: row.workspace_slug,
                is_default: row.workspace_is_default,
                created_at: row.workspace_created_at,
            },
        }
    }
}

fn organization_of_key() -> RelationDef {
    api_key::Entity::belongs_to(organization::Entity)
        .from(api_key::Column::OrgId)
        .to(organization::Column::Id)
        .into()
}

fn workspace_of_key() -> RelationDef {
    api_key::Entity::belongs_to(workspace::Entity)
        .from(api_key::Column::WorkspaceId)
        .to(workspace::Column::Id)
        .into()
}

fn acting_membership() -> RelationDef {
    api_key::Entity::belongs_to(membership::Entity)
        .from((api_key::Column::OrgId, api_key::Column::CreatedBy))
        .to((membership::Column::OrgId, membership::Column::UserId))
        .into()
}

/// Loads the key with this keyed hash, in one statement. `None`: no such key.
pub async fn load(
    db: &impl ConnectionTrait,
    hash: &[u8; KEY_HASH_BYTES],
) -> Result<Option<KeySnapshot>, DbErr> {
    let row = api_key::Entity::find()
        .select_only()
        .column_as(api_key::Column::Id, "key_id")
        .column_as(api_key::Column::Name, "key_name")
        .column_as(api_key::Column::KeyHash, "key_hash")
        .column_as(api_key::Column::Mode, "mode")
        .column_as(api_key::Column::Scopes, "scopes")
        .column_as(api_key::Column::ExpiresAt, "expires_at")
        .column_as(api_key::Column::RevokedAt, "revoked_at")
        .column_as(api_key::Column::AllowedIps, "allowed_ips")
        .column_as(organization::Column::Id, "org_id")
        .column_as(organization::Column::Name, "org_name")
        .column_as(organization::Column::Slug, "org_slug")
        .column_as(organization::Column::Plan, "plan")
        .column_as(workspace::Column::Id, "workspace_id")
        .column_as(workspace::Column::Name, "workspace_name")
        .column_as(workspace::Column::Slug, "workspace_slug")
        .column_as(workspace::Column::IsDefault, "workspace_is_default")
        .column_as(workspace::Column::CreatedAt, "workspace_created_at")
        .column_as(membership::Column::Role, "acting_role")
        .join(JoinType::InnerJoin, organization_of_key())
        .join(JoinType::InnerJoin, workspace_of_key())
        .join(JoinType::LeftJoin, acting_membership())
        .filter(api_key::Column::KeyHash.eq(hash.to_vec()))
        .into_model::<KeyRow>()
        .one(db)
        .await?;
    // The index found it by equality; the constant-time compare keeps the decision
    // itself free of early exits on secret-derived bytes.
    Ok(row
        .filter(|row| KeyHasher::matches(&row.key_hash, hash))
        .map(KeySnapshot::from))
}
