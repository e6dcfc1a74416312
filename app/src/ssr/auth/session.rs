//! What an admin session holds, and how a request's session becomes a signed-in user.

use chrono::Utc;
use sea_orm::DbErr;
use tower_sessions::Session;
use uuid::Uuid;

use crate::ssr::{
    entities::{membership, organization, user},
    services::{accounts, audit::Actor},
    state::AppState,
};

/// Session keys. `user_id` and `org_id` are also copied into indexed columns by the store.
pub const USER_ID: &str = "user_id";
pub const ORG_ID: &str = "org_id";
pub const AUTHENTICATED_AT: &str = "authenticated_at";

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store: {0}")]
    Store(#[from] tower_sessions::session::Error),
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// The signed-in user, as the database says right now (role changes apply at once).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: user::Model,
    pub membership: membership::Model,
    pub org: organization::Model,
}

impl CurrentUser {
    /// This user as the author of an audited change.
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.user.id,
            email: self.user.email.clone(),
        }
    }
}

/// Starts an authenticated session under a fresh id (defeats session fixation).
pub async fn establish(session: &Session, user_id: Uuid, org_id: Uuid) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await?;
    session.insert(ORG_ID, org_id).await?;
    session
        .insert(AUTHENTICATED_AT, Utc::now().timestamp())
        .await?;
    Ok(())
}

/// Resolves the session to a user, or `None` when it is anonymous, past its absolute
/// lifetime, or names a membership that no longer exists (those sessions are ended).
pub async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<CurrentUser>, SessionError> {
    let Some(user_id) = session.get::<Uuid>(USER_ID).await? else {
        return Ok(None);
    };
    let authenticated_at = session.get::<i64>(AUTHENTICATED_AT).await?.unwrap_or(0);
    let age = Utc::now().timestamp().saturating_sub(authenticated_at);
    let absolute = i64::try_from(state.sessions.absolute.as_secs()).unwrap_or(i64::MAX);
    if age >= absolute {
        session.flush().await?;
        return Ok(None);
    }
    let Some(org_id) = session.get::<Uuid>(ORG_ID).await? else {
        session.flush().await?;
        return Ok(None);
    };
    match accounts::membership_with_user(&state.db, user_id, org_id).await? {
        Some((user, membership, org)) => Ok(Some(CurrentUser {
            user,
            membership,
            org,
        })),
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}
