use sea_orm::entity::prelude::*;

use crate::model::Mode;

/// A webhook endpoint (`/v1/webhooks`). Its signing secret is derived from the server
/// pepper and `secret_salt`, so the table never holds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub workspace_id: Uuid,
    pub mode: Mode,
    pub url: String,
    /// JSON array of event names.
    pub events: Json,
    pub active: bool,
    pub secret_salt: Vec<u8>,
    pub pepper_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
