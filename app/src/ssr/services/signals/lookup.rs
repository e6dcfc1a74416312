//! Reading rows by key id in chunks: a `key_id IN (…)` list stays below every
//! backend's limit on bound parameters.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::ssr::{entities::api_key, services::FastMap};

/// Ids per `IN (…)` list.
const IN_CHUNK: usize = 500;

pub(super) fn chunks(ids: &[Uuid]) -> impl Iterator<Item = Vec<Uuid>> + '_ {
    ids.chunks(IN_CHUNK).map(<[Uuid]>::to_vec)
}

pub(super) fn distinct(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The keys among `ids` that meet `condition`, by id.
pub(super) async fn keys_among(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    condition: Condition,
) -> Result<FastMap<Uuid, api_key::Model>, DbErr> {
    let mut keys = FastMap::default();
    for ids in chunks(ids) {
        for key in api_key::Entity::find()
            .filter(api_key::Column::Id.is_in(ids))
            .filter(condition.clone())
            .all(db)
            .await?
        {
            keys.insert(key.id, key);
        }
    }
    Ok(keys)
}
