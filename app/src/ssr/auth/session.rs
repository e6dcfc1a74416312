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
/// When the idle deadline was last moved (Unix seconds); see [`keep_alive`].
pub const EXTENDED_AT: &str = "extended_at";

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
    let now = Utc::now().timestamp();
    session.insert(AUTHENTICATED_AT, now).await?;
    session.insert(EXTENDED_AT, now).await?;
    Ok(())
}

/// Moves a signed-in session's idle deadline, at most once per `every`.
///
/// tower-sessions writes a session only when it changed, and every write sets the
/// record's expiry to now + idle. Marking the session changed on every request would
/// rewrite its row each time; changing it once per interval keeps the deadline within
/// `every` of the last activity for one write per interval.
pub async fn keep_alive(session: &Session, every: std::time::Duration) -> Result<(), SessionError> {
    if session.get::<Uuid>(USER_ID).await?.is_none() {
        return Ok(());
    }
    let now = Utc::now().timestamp();
    let extended_at = match session.get::<i64>(EXTENDED_AT).await? {
        Some(at) => at,
        None => session.get::<i64>(AUTHENTICATED_AT).await?.unwrap_or(0),
    };
    let every = i64::try_from(every.as_secs()).unwrap_or(i64::MAX);
    // A session changed by the request is written anyway: record that write too.
    if session.is_modified() || now.saturating_sub(extended_at) >= every {
        session.insert(EXTENDED_AT, now).await?;
    }
    Ok(())
}

/// The signed-in user's id, validated exactly as [`current_user`] does (absolute
/// lifetime, membership): never read `USER_ID` from a session directly.
pub async fn signed_in_user_id(
    state: &AppState,
    session: &Session,
) -> Result<Option<Uuid>, SessionError> {
    Ok(current_user(state, session)
        .await?
        .map(|current| current.user.id))
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
