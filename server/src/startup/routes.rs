//! The router: `/v1`, health, the static bundle, and the Leptos pages and server
//! functions behind the session, CSRF and body-size layers.

use std::sync::Arc;

use app::{App, ssr::state::AppState};
use axum::{Router, middleware, routing::get};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{limit::RequestBodyLimitLayer, services::ServeFile, trace::TraceLayer};
use tower_sessions::{
    Expiry, SessionManagerLayer,
    cookie::{SameSite, time::Duration as CookieDuration},
};

use crate::{
    config::Config,
    http::{
        bundle::Bundle, client_ip, csrf, health, page_guard, security_headers, session_keep_alive,
    },
    session_store::DbSessionStore,
    v1,
};

/// Admin-UI request bodies are small forms; anything larger is refused with 413.
const MAX_ADMIN_BODY_BYTES: usize = 64 * 1024;

fn session_layer(config: &Config, store: DbSessionStore) -> SessionManagerLayer<DbSessionStore> {
    let secure = config.uses_https();
    let idle =
        CookieDuration::seconds(i64::try_from(config.sessions.idle.as_secs()).unwrap_or(i64::MAX));
    SessionManagerLayer::new(store)
        .with_name(if secure {
            "__Host-keyward_session"
        } else {
            "keyward_session"
        })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        // Written only when changed; `session_keep_alive` changes an active session
        // once per interval, which moves this idle deadline.
        .with_expiry(Expiry::OnInactivity(idle))
}

pub(super) fn router(
    config: &Config,
    state: AppState,
    store: DbSessionStore,
    bundle: &Bundle,
) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let stylesheet = bundle.stylesheet_href();
    let page_stylesheet = stylesheet.clone();
    let app_root = bundle.app_root();
    let page_app_root = app_root.clone();
    let site = security_headers::for_pages(security_headers::uncached(
        Router::new()
            .leptos_routes(&state, routes, move || {
                app::shell(
                    leptos_options.clone(),
                    page_stylesheet.clone(),
                    page_app_root.clone(),
                )
            })
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
                move |options| app::shell(options, stylesheet.clone(), app_root.clone()),
            ))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                page_guard::guard_pages,
            ))
            .layer(middleware::from_fn_with_state(
                state.clone(),
                session_keep_alive::extend_idle_deadline,
            ))
            .layer(session_layer(config, store))
            .layer(middleware::from_fn_with_state(
                csrf::OriginPolicy::new(config.public_url.as_ref()),
                csrf::reject_cross_origin,
            ))
            .layer(RequestBodyLimitLayer::new(MAX_ADMIN_BODY_BYTES))
            .with_state(state.clone()),
    ));

    security_headers::for_everything(
        Router::new()
            .route("/healthz", get(health::healthz))
            .route("/readyz", get(health::readyz))
            .nest("/v1", v1::router(state.clone()))
            .with_state(state)
            .merge(static_files(config, bundle))
            .merge(site),
        config.uses_https(),
    )
    .layer(middleware::from_fn_with_state(
        Arc::new(config.trusted_proxies.clone()),
        client_ip::insert_client_ip,
    ))
    // Spans carry the path only: query strings may hold the setup token.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("http", method = %request.method(), path = loggable_path(request.uri().path()))
        }))
}

/// The built bundle (JS, WASM, CSS) and the favicon, served outside the session layer:
/// a page load fetches several of them, and none needs a session or should write one.
/// Other files under the site root still reach the Leptos fallback.
fn static_files(config: &Config, bundle: &Bundle) -> Router {
    let favicon = ServeFile::new(config.site_root.join("favicon.ico"));
    security_headers::for_pages(bundle.router().route_service("/favicon.ico", favicon))
}

/// Invitation links carry their token in the path: it stays out of the logs.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/invite/") {
        "/invite/[REDACTED]"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn invitation_tokens_in_paths_never_reach_the_logs() {
        assert_eq!(loggable_path("/invite/AbC123"), "/invite/[REDACTED]");
        assert_eq!(loggable_path("/settings/members"), "/settings/members");
    }
}
