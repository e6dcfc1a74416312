use sea_orm::entity::prelude::*;

/// Where an organization's alerts go. The signing secret is derived from the pepper
/// and `secret_salt`, so the table never holds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_destinations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub url: String,
    /// JSON array of `model::AlertKind` names.
    pub events: Json,
    pub secret_salt: Vec<u8>,
    pub pepper_version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
