//! tower-sessions store over the app's own sea-orm connection (no second driver or
//! pool; see GUIDE.md). `user_id` / `org_id` are copied from the session data into
//! indexed columns so every session of a member can be ended with one statement.
//!
//! Rows are keyed by the SHA-256 of the session id, never the id itself: someone who
//! reads the table (a backup, a replica, an injection elsewhere) cannot present a row's
//! key as a cookie. The id carries 128 random bits, so an unsalted hash suffices.

use app::ssr::{
    auth::session::{ORG_ID, USER_ID},
    entities::session,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, SqlErr,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store,
};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// The key a session's row is stored under: lowercase hex SHA-256 of the id as the
/// cookie carries it.
pub fn stored_id(session_id: &Id) -> String {
    hex::encode(Sha256::digest(session_id.to_string().as_bytes()))
}

fn backend(err: DbErr) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn to_chrono(moment: OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(moment.unix_timestamp(), moment.nanosecond())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn to_offset(moment: DateTime<Utc>) -> Result<OffsetDateTime, session_store::Error> {
    let nanos = i128::from(moment.timestamp()) * 1_000_000_000
        + i128::from(moment.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map_err(|e| session_store::Error::Decode(e.to_string()))
}

fn uuid_field(record: &Record, key: &str) -> Option<Uuid> {
    record
        .data
        .get(key)
        .and_then(|value| serde_json::from_value(value.clone()).ok())
}

fn active_model(record: &Record) -> Result<session::ActiveModel, session_store::Error> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(session::ActiveModel {
        id: Set(stored_id(&record.id)),
        data: Set(data),
        expires_at: Set(to_chrono(record.expiry_date)),
        user_id: Set(uuid_field(record, USER_ID)),
        org_id: Set(uuid_field(record, ORG_ID)),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// Never overwrites an existing record: on an id collision a new id is drawn
    /// (tower-sessions #180/#181).
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            match session::Entity::insert(active_model(record)?)
                .exec_without_returning(&self.db)
                .await
            {
                Ok(_) => return Ok(()),
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    record.id = Id::default();
                }
                Err(err) => return Err(backend(err)),
            }
        }
    }

    /// Updates an existing record only. A session deleted meanwhile (logout, member
    /// removed) stays deleted even if a request that loaded it earlier saves it now;
    /// new sessions go through `create`.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let model = active_model(record)?;
        session::Entity::update_many()
            .set(session::ActiveModel {
                id: sea_orm::ActiveValue::NotSet,
                ..model
            })
            .filter(session::Column::Id.eq(stored_id(&record.id)))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Expired records are ignored even before the cleanup task removes them (#188).
    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = session::Entity::find_by_id(stored_id(session_id))
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *session_id,
            data,
            expiry_date: to_offset(row.expires_at)?,
        }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(stored_id(session_id))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(Utc::now()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
