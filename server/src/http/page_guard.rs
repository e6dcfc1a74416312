//! Decides, before rendering, who may see a page: settings need a session, the login
//! page sends signed-in users on, and `/setup` exists only with the live setup token.
//! Server-side, so the first HTML response already has the right status.

use app::ssr::{auth::session, state::AppState};
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

fn query_token(request: &Request) -> String {
    request
        .uri()
        .query()
        .and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "token")
        })
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

pub async fn guard_pages(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if path == "/setup" {
        let token = query_token(&request);
        if !state.setup_gate.accepts(&token).await {
            return StatusCode::NOT_FOUND.into_response();
        }
        return next.run(request).await;
    }
    let needs_session = path == "/" || path == "/settings" || path.starts_with("/settings/");
    if !needs_session && path != "/login" {
        return next.run(request).await;
    }
    let signed_in = match session::current_user(&state, &session).await {
        Ok(user) => user.is_some(),
        Err(err) => {
            tracing::error!(%err, "cannot resolve the session");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Keyward is temporarily unavailable.",
            )
                .into_response();
        }
    };
    let is_landing = path == "/" || path == "/settings";
    match (needs_session, signed_in) {
        (true, false) => Redirect::to("/login").into_response(),
        // The login page and the bare landing paths lead signed-in users to their keys.
        (false, true) => Redirect::to("/settings/api-keys").into_response(),
        (true, true) if is_landing => Redirect::to("/settings/api-keys").into_response(),
        _ => next.run(request).await,
    }
}
