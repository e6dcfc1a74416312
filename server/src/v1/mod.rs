//! The `/v1` API: its own router, Bearer keys only (cookies are ignored), JSON in
//! camelCase, one error shape, every route's access declared in [`declared_routes`].

mod access;
mod audit;
#[cfg(feature = "bench")]
pub mod bench;
mod clients;
mod envelopes;
pub mod error;
mod error_shape;
mod extract;
mod field_rules;
mod leaks;
mod openapi;
mod page;
pub mod routes;
mod verifications;
mod webhooks;
mod whoami;
mod write;

use std::sync::Arc;

use app::{model::Scope, ssr::state::AppState};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, header},
    middleware,
    response::IntoResponse,
};
use tower_http::{catch_panic::CatchPanicLayer, set_header::SetResponseHeaderLayer};

use self::{
    access::GuardState,
    error::ApiError,
    routes::{Access, AccessTable, ApiRoutes, Verb},
};

pub use self::access::log_refusal_summary;

pub const PREFIX: &str = "/v1";

/// `/v1` bodies are small JSON documents.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every `/v1` route and what it requires. Routes exist only through this table.
pub fn declared_routes() -> (Router<AppState>, Arc<AccessTable>) {
    use Access::{AnyKey, Public, Scope as Needs};
    use Verb::{Delete, Get, Patch, Post};
    let keyed = ApiRoutes::new(PREFIX)
        .route(Get, "/whoami", AnyKey, whoami::whoami)
        .route(Get, "/workspaces", AnyKey, whoami::workspaces)
        .route(Get, "/clients", Needs(Scope::ClientsRead), clients::list)
        .route(
            Post,
            "/clients",
            Needs(Scope::ClientsWrite),
            clients::create,
        )
        .route(
            Get,
            "/clients/{id}",
            Needs(Scope::ClientsRead),
            clients::get,
        )
        .route(
            Patch,
            "/clients/{id}",
            Needs(Scope::ClientsWrite),
            clients::update,
        )
        .route(
            Delete,
            "/clients/{id}",
            Needs(Scope::ClientsWrite),
            clients::delete,
        )
        .route(
            Get,
            "/envelopes",
            Needs(Scope::EnvelopesRead),
            envelopes::list,
        )
        .route(
            Post,
            "/envelopes",
            Needs(Scope::EnvelopesWrite),
            envelopes::create,
        )
        .route(
            Get,
            "/envelopes/{id}",
            Needs(Scope::EnvelopesRead),
            envelopes::get,
        )
        .route(
            Patch,
            "/envelopes/{id}",
            Needs(Scope::EnvelopesWrite),
            envelopes::update,
        )
        .route(
            Post,
            "/envelopes/{id}/send",
            Needs(Scope::EnvelopesWrite),
            envelopes::send,
        )
        .route(
            Post,
            "/envelopes/{id}/cancel",
            Needs(Scope::EnvelopesWrite),
            envelopes::cancel,
        )
        .route(
            Get,
            "/verifications",
            Needs(Scope::VerificationsRead),
            verifications::list,
        )
        .route(
            Post,
            "/verifications",
            Needs(Scope::VerificationsWrite),
            verifications::create,
        )
        .route(
            Get,
            "/verifications/{id}",
            Needs(Scope::VerificationsRead),
            verifications::get,
        )
        .route(
            Post,
            "/verifications/{id}/cancel",
            Needs(Scope::VerificationsWrite),
            verifications::cancel,
        )
        .route(
            Get,
            "/webhooks",
            Needs(Scope::WebhooksWrite),
            webhooks::list,
        )
        .route(
            Post,
            "/webhooks",
            Needs(Scope::WebhooksWrite),
            webhooks::create,
        )
        .route(
            Get,
            "/webhooks/{id}",
            Needs(Scope::WebhooksWrite),
            webhooks::get,
        )
        .route(
            Patch,
            "/webhooks/{id}",
            Needs(Scope::WebhooksWrite),
            webhooks::update,
        )
        .route(
            Delete,
            "/webhooks/{id}",
            Needs(Scope::WebhooksWrite),
            webhooks::delete,
        )
        .route(Get, "/audit", Needs(Scope::AuditRead), audit::list);
    let document = openapi::document();
    let reference = Arc::new(openapi::reference_page(&document, keyed.declarations()));
    let served = Arc::new(openapi::document_json(&document));
    keyed
        .route(Post, "/leaks", Public, leaks::report)
        .route(Get, "/openapi.json", Public, move || {
            let served = served.clone();
            async move { axum::Json((*served).clone()) }
        })
        .route(Get, "/reference", Public, move || {
            let reference = reference.clone();
            async move { axum::response::Html((*reference).clone()) }
        })
        .finish()
}

/// The declarations alone, for documentation and tests.
pub fn declarations() -> Vec<routes::Declaration> {
    declared_routes().1.declarations().to_vec()
}

pub fn router(state: AppState) -> Router<AppState> {
    let (routes, table) = declared_routes();
    let routes =
        routes
            .fallback(|| async { ApiError::NotFound })
            .layer(middleware::from_fn_with_state(
                GuardState::new(state, table),
                access::guard,
            ));
    // Added after the guard, so outside it: only ever in a `bench` build.
    #[cfg(feature = "bench")]
    let routes = routes.merge(bench::routes());
    routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(error_shape::ensure_error_shape))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a /v1 handler panicked");
            ApiError::Internal.into_response()
        }))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}
