use sea_orm::entity::prelude::*;

use crate::model::Mode;

/// Requests made with one key during one UTC hour.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hour_start: DateTimeUtc,
    pub org_id: Uuid,
    pub mode: Mode,
    pub total: i64,
    /// Answered 2xx.
    pub succeeded: i64,
    /// Answered 4xx or 5xx (401/403/429 included).
    pub failed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
