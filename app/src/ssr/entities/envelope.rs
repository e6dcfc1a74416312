use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum EnvelopeStatus {
    Draft,
    Sent,
    Completed,
    Cancelled,
}

/// A document envelope sent to a client for signature (`/v1/envelopes`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "envelopes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub workspace_id: Uuid,
    pub mode: Mode,
    pub client_id: Uuid,
    pub title: String,
    pub status: EnvelopeStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
