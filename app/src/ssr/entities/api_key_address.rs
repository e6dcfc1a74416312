use sea_orm::entity::prelude::*;

/// A network a key was used from in the last 30 days (its footprint).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_key_addresses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: Uuid,
    /// An IPv4 address, or an IPv6 /64 written `2001:db8:1:2::/64`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub network: String,
    pub org_id: Uuid,
    pub first_seen: DateTimeUtc,
    pub last_seen: DateTimeUtc,
    pub requests: i64,
    /// Refused at verification or by the rate limit.
    pub refused: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
