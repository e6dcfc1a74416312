//! Keeps active admin sessions alive without rewriting the session row on every
//! request (the session layer writes only changed sessions; see
//! `app::ssr::auth::session::keep_alive`).

use app::ssr::{auth::session, state::AppState};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use tower_sessions::Session;

/// After the handler, so a sign-out or an ended session is seen and left alone.
pub async fn extend_idle_deadline(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if let Err(err) = session::keep_alive(&session, state.sessions.extend_every).await {
        // The request itself succeeded; at worst the session lapses a little earlier.
        tracing::warn!(%err, "could not extend the session's idle deadline");
    }
    response
}
