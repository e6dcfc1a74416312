use sea_orm::entity::prelude::*;

use crate::model::{Mode, Refusal};

/// One `/v1` request made with a key (the key's request log).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_request_log")]
pub struct Model {
    /// UUIDv7 made from `at`: the log pages by id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub key_id: Uuid,
    pub org_id: Uuid,
    pub mode: Mode,
    pub at: DateTimeUtc,
    pub method: String,
    pub route: String,
    pub status: i32,
    pub ip: Option<String>,
    pub latency_micros: i64,
    pub refusal: Option<Refusal>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
