use sea_orm::entity::prelude::*;

use crate::model::Mode;

/// An API key. Only a keyed hash of the key is stored (`key_hash`), never the key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub mode: Mode,
    /// JSON array of scope names; `["*"]` means every scope.
    pub scopes: Json,
    /// `<brand>_<mode>_<first 8 characters of the secret>`, shown in lists.
    pub display_prefix: String,
    /// The last four characters of the whole key.
    pub last_four: String,
    #[sea_orm(unique)]
    pub key_hash: Vec<u8>,
    pub pepper_version: i32,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
    pub revoke_reason: Option<String>,
    pub last_used_at: Option<DateTimeUtc>,
    pub last_used_ip: Option<String>,
    pub rolled_from: Option<Uuid>,
    /// JSON array of CIDR strings; null means any address.
    pub allowed_ips: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
