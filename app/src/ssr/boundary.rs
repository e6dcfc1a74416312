//! Glue for server functions: reach the shared state, the session and the client
//! address, and require a signed-in user with the right role. Service errors become
//! `AppError` through the `From` impls in `ssr::errors`.

use std::net::IpAddr;

use axum::Extension;
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::{
    error::AppError,
    ssr::{
        auth::session::{self, CurrentUser},
        client_ip::ClientIp,
        state::AppState,
    },
};

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server-function context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(%err, "session layer missing");
        AppError::Internal
    })
}

/// The client's address as the server's client-address layer decided it (the peer, or
/// the forwarded address when the peer is a trusted proxy).
pub async fn client_ip() -> Option<IpAddr> {
    match leptos_axum::extract::<Extension<ClientIp>>().await {
        Ok(Extension(ClientIp(ip))) => ip,
        Err(err) => {
            // Only a router built without the layer gets here; the throttle then has
            // no per-address bucket, so say so loudly.
            tracing::error!(%err, "client-address layer missing");
            None
        }
    }
}

/// The signed-in user, or 401.
pub async fn require_user() -> Result<(AppState, Session, CurrentUser), AppError> {
    let state = state()?;
    let session = session().await?;
    match session::current_user(&state, &session).await? {
        Some(user) => Ok((state, session, user)),
        None => Err(AppError::Unauthenticated),
    }
}

/// The signed-in user, if their role may manage keys (Owner, Admin); else 403.
pub async fn require_key_manager() -> Result<(AppState, CurrentUser), AppError> {
    let (state, _, user) = require_user().await?;
    if user.membership.role.can_manage_keys() {
        Ok((state, user))
    } else {
        Err(AppError::Forbidden)
    }
}

/// The signed-in user, if their role may manage members (Owner, Admin); else 403.
/// The services check again, against the role read inside their transaction.
pub async fn require_member_manager() -> Result<(AppState, CurrentUser), AppError> {
    let (state, _, user) = require_user().await?;
    if user.membership.role.can_manage_members() {
        Ok((state, user))
    } else {
        Err(AppError::Forbidden)
    }
}
