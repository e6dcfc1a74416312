//! Every `/v1` write runs in a transaction that first re-checks the caller's key: the
//! guard verified it from the cache when the request arrived, and a revoke committed
//! since then must win (issue: a key checked at the start of a request could otherwise
//! write after its revocation).

use app::ssr::services::keys;
use chrono::Utc;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use super::{access::Caller, error::ApiError};

/// A write's transaction, holding the caller's key usable until it ends. Dropped
/// without [`KeyedWrite::commit`], it rolls back.
pub struct KeyedWrite(DatabaseTransaction);

impl KeyedWrite {
    /// Begins the transaction; 401 if the key stopped working since the request began.
    pub async fn begin(db: &DatabaseConnection, caller: &Caller) -> Result<Self, ApiError> {
        let txn = db.begin().await.map_err(|err| ApiError::database(&err))?;
        let usable = keys::hold_usable_key(&txn, caller.key.id, caller.tenancy.org_id, Utc::now())
            .await
            .map_err(|err| ApiError::database(&err))?;
        if !usable {
            tracing::debug!(key_id = %caller.key.id, "a write refused: the key stopped working");
            return Err(ApiError::InvalidToken);
        }
        Ok(KeyedWrite(txn))
    }

    pub fn txn(&self) -> &DatabaseTransaction {
        &self.0
    }

    pub async fn commit(self) -> Result<(), ApiError> {
        self.0
            .commit()
            .await
            .map_err(|err| ApiError::database(&err))
    }
}
