use sea_orm::entity::prelude::*;

use crate::model::{SignalKind, SignalStatus};

/// A suspicious-activity signal about a key (one per key, kind and subject).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key_signals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub key_id: Uuid,
    pub kind: SignalKind,
    /// What distinguishes two signals of one kind on one key (the network, the scope,
    /// the narrowed scopes, …); empty when a key has at most one.
    pub subject: String,
    pub status: SignalStatus,
    /// `model::SignalEvidence` as JSON.
    pub evidence: Json,
    /// The newest evidence: a dismissed signal reopens only on evidence newer than its
    /// dismissal.
    pub evidence_at: DateTimeUtc,
    pub detected_at: DateTimeUtc,
    pub opened_at: DateTimeUtc,
    pub dismissed_at: Option<DateTimeUtc>,
    pub dismissed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
