use sea_orm::entity::prelude::*;

/// The latest link of one audit chain (an organization's, or `system`), and the seal
/// over the events written before chaining began.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain_heads")]
pub struct Model {
    /// The organization's id, or `system`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub chain: String,
    pub genesis_events: i64,
    pub genesis_mac: String,
    /// The position of the latest event (0: none chained yet).
    pub seq: i64,
    /// Its HMAC (the genesis HMAC while `seq` is 0).
    pub mac: String,
    pub sealed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
