//! Holding a key for the length of a `/v1` write: the key was verified when the request
//! started (from the cache); a revoke could commit between that check and the write.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{members_of, works_at};
use crate::ssr::entities::api_key;

/// Re-checks inside `txn` that the key still works (not revoked, not expired, its member
/// still in the organization) and holds it that way until `txn` ends. A revoke that
/// committed before this check is seen, so the write is refused; one that comes after
/// waits until the write has committed. PostgreSQL: `SELECT … FOR SHARE` on the key's row
/// (a revoke's `UPDATE` needs a lock that conflicts with it). SQLite: the statement is a
/// write (a no-op update of the row), which takes the database's write lock for the rest
/// of the transaction. Returns false when the key no longer works.
pub async fn hold_usable_key(
    txn: &DatabaseTransaction,
    key_id: Uuid,
    org_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let usable = works_at(now)
        .add(api_key::Column::Id.eq(key_id))
        .add(api_key::Column::OrgId.eq(org_id))
        .add(api_key::Column::CreatedBy.in_subquery(members_of(org_id)));
    match txn.get_database_backend() {
        DatabaseBackend::Postgres => Ok(api_key::Entity::find()
            .select_only()
            .column(api_key::Column::Id)
            .filter(usable)
            .lock_shared()
            .into_tuple::<Uuid>()
            .one(txn)
            .await?
            .is_some()),
        _ => Ok(api_key::Entity::update_many()
            .col_expr(api_key::Column::Id, Expr::col(api_key::Column::Id))
            .filter(usable)
            .exec(txn)
            .await?
            .rows_affected
            == 1),
    }
}
