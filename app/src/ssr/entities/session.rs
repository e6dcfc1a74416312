use sea_orm::entity::prelude::*;

/// A tower-sessions record. `user_id` / `org_id` are copied out of `data` on save
/// so all sessions of a user (or org) can be found and ended at once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// JSON object of the session's key/value pairs.
    pub data: String,
    pub expires_at: DateTimeUtc,
    pub user_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
