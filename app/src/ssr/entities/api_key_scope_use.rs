use sea_orm::entity::prelude::*;

/// A scope a key's requests needed in the last 30 days, allowed or denied.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key_scope_use")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: Uuid,
    /// The route's scope (`clients:read`), not the grant that covered it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    pub org_id: Uuid,
    pub allowed: i64,
    pub denied: i64,
    pub last_allowed_at: Option<DateTimeUtc>,
    pub last_denied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
