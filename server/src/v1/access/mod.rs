//! Authentication and authorization of every `/v1` request, in this order:
//! bearer token → verification (parse + checksum, keyed hash, cached lookup, revoked,
//! expired, address, creator, plan) → rate limits (key and organization, per mode) →
//! the route's declared access → handler → usage count, once the status is known.

mod authenticate;
mod bearer;
mod caller;

use std::{net::IpAddr, sync::Arc, time::Instant};

use app::{
    model::{Refusal, key_allows},
    ssr::{
        key_cache::record::KeySnapshot,
        rate_limit::Allowance,
        services::{
            audit::{Actor, AuditScope, NewAuditEvent},
            footprint::ScopeCheck,
            keys::action,
            request_log::{LoggedRequest, unmatched_route},
        },
        state::AppState,
    },
};
use axum::{
    extract::{MatchedPath, OriginalUri, Request, State},
    http::{HeaderName, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde_json::json;

pub use self::{authenticate::log_refusal_summary, caller::Caller};
use self::{
    authenticate::{authenticate, client_ip},
    bearer::{Bearer, bearer},
};
use crate::metrics::{V1_RATE_LIMITED, VerificationTimer};

use super::{
    error::ApiError,
    routes::{Access, AccessTable, Lookup},
};

/// What the guard needs, behind one `Arc`: axum clones a layer's state per request.
#[derive(Clone)]
pub struct GuardState(Arc<Guard>);

pub struct Guard {
    app: AppState,
    table: Arc<AccessTable>,
    verification: VerificationTimer,
}

impl GuardState {
    pub fn new(app: AppState, table: Arc<AccessTable>) -> Self {
        GuardState(Arc::new(Guard {
            app,
            table,
            verification: VerificationTimer::default(),
        }))
    }
}

/// Denies by default: a request reaches a handler only if its route is declared and
/// the verified key holds the declared access.
pub async fn guard(State(state): State<GuardState>, request: Request, next: Next) -> Response {
    let guard = &*state.0;
    let lookup = match request.extensions().get::<MatchedPath>() {
        Some(path) => guard.table.lookup(request.method(), path.as_str()),
        None => Lookup::Unknown,
    };
    let answers = match lookup {
        Lookup::Declared {
            access: Access::Public,
            ..
        } => return next.run(request).await,
        Lookup::Declared { path, .. } | Lookup::OtherMethod { path } => &path.answers,
        Lookup::Unknown => &guard.table.unmatched,
    };
    let response = guarded(guard, lookup, request, next).await;
    answers.count(response.status());
    response
}

/// What a key's request log keeps of a request, taken before the handler consumes it.
struct Arrival {
    /// One wall-clock reading serves the whole request (expiry, usage hour, last use).
    at: DateTime<Utc>,
    clock: Instant,
    method: Method,
    route: Arc<str>,
    ip: Option<IpAddr>,
}

impl Arrival {
    fn new(lookup: &Lookup<'_>, request: &Request, ip: Option<IpAddr>) -> Self {
        let route = match lookup {
            Lookup::Declared { path, .. } | Lookup::OtherMethod { path } => path.template.clone(),
            // Inside the nested `/v1` router the URI has lost its prefix.
            Lookup::Unknown => unmatched_route(
                request
                    .extensions()
                    .get::<OriginalUri>()
                    .map_or(request.uri().path(), |original| original.path()),
            ),
        };
        Arrival {
            at: Utc::now(),
            clock: Instant::now(),
            method: request.method().clone(),
            route,
            ip,
        }
    }

    fn answered(
        self,
        response: &Response,
        refusal: Option<Refusal>,
        scope: Option<ScopeCheck>,
    ) -> LoggedRequest {
        LoggedRequest {
            at: self.at,
            method: self.method,
            route: self.route,
            status: response.status().as_u16(),
            ip: self.ip,
            latency: self.clock.elapsed(),
            refusal,
            scope,
        }
    }
}

async fn guarded(guard: &Guard, lookup: Lookup<'_>, mut request: Request, next: Next) -> Response {
    let app = &guard.app;
    let ip = client_ip(&request);
    let token = match bearer(request.headers()) {
        Bearer::Missing => return ApiError::MissingAuthorization.into_response(),
        Bearer::Unusable => return ApiError::InvalidToken.into_response(),
        Bearer::Token(token) => token,
    };
    let arrival = Arrival::new(&lookup, &request, ip);
    let now = arrival.at;
    let started = guard.verification.start();
    let verified = authenticate(app, token, ip, now).await;
    guard.verification.record(started);
    let verified = match verified {
        Ok(verified) => verified,
        Err(refused) => {
            if let Some((subject, refusal)) = refused.key {
                app.usage.record_refused(
                    subject,
                    arrival.answered(&refused.response, Some(refusal), None),
                );
            }
            return refused.response;
        }
    };
    let subject = verified.subject;
    let key = verified.key.clone();
    let allowance =
        match app
            .rate_limits
            .admit(key.organization.plan, key.id, key.organization.id, key.mode)
        {
            Ok(allowance) => allowance,
            Err(exceeded) => {
                metrics::counter!(V1_RATE_LIMITED, "reason" => "quota").increment(1);
                if app.rate_limits.first_violation_in_window(key.id) {
                    audit_rate_limited(app, &key, exceeded.limit, ip);
                }
                let mut response = ApiError::TooManyRequests {
                    retry_after_seconds: exceeded.retry_after_seconds,
                }
                .into_response();
                set_rate_limit_headers(
                    &mut response,
                    Allowance {
                        limit: exceeded.limit,
                        remaining: 0,
                        reset_seconds: exceeded.retry_after_seconds,
                    },
                );
                app.usage.record(
                    subject,
                    arrival.answered(&response, Some(Refusal::RateLimited), None),
                );
                return response;
            }
        };

    let mut scope_check = None;
    let mut response = match lookup {
        Lookup::Declared {
            access: Access::Public | Access::AnyKey,
            ..
        } => {
            request.extensions_mut().insert(Caller::new(verified, ip));
            next.run(request).await
        }
        Lookup::Declared {
            access: Access::Scope(scope),
            ..
        } => {
            if key_allows(&key.scopes, verified.acting_role, scope) {
                scope_check = Some(ScopeCheck::Allowed(scope));
                request.extensions_mut().insert(Caller::new(verified, ip));
                next.run(request).await
            } else {
                scope_check = Some(ScopeCheck::Denied(scope));
                ApiError::Forbidden.into_response()
            }
        }
        Lookup::OtherMethod { .. } => ApiError::MethodNotAllowed.into_response(),
        Lookup::Unknown => ApiError::NotFound.into_response(),
    };
    if let Some(allowance) = allowance {
        set_rate_limit_headers(&mut response, allowance);
    }
    let refusal =
        matches!(scope_check, Some(ScopeCheck::Denied(_))).then_some(Refusal::MissingScope);
    app.usage
        .record(subject, arrival.answered(&response, refusal, scope_check));
    response
}

const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

fn set_rate_limit_headers(response: &mut Response, allowance: Allowance) {
    let headers = response.headers_mut();
    headers.reserve(3);
    headers.insert(RATELIMIT_LIMIT, HeaderValue::from(allowance.limit));
    headers.insert(RATELIMIT_REMAINING, HeaderValue::from(allowance.remaining));
    headers.insert(RATELIMIT_RESET, HeaderValue::from(allowance.reset_seconds));
}

/// Written off the request path, at most once per key and window.
fn audit_rate_limited(app: &AppState, key: &KeySnapshot, limit: u32, ip: Option<IpAddr>) {
    let (db, audit_log) = (app.db.clone(), app.audit.clone());
    let event = NewAuditEvent {
        org_id: Some(key.organization.id),
        scope: Some(AuditScope::new(key.workspace.id, key.mode)),
        actor: Actor::ApiKey {
            id: key.id,
            name: key.name.clone(),
        },
        action: action::RATE_LIMITED,
        target: Some(("api_key", key.id.to_string())),
        data: json!({
            "name": key.name,
            "mode": key.mode.as_str(),
            "limit": limit,
            "windowSeconds": app.rate_limits.settings().window.as_secs(),
        }),
        ip,
    };
    app.background.spawn(async move {
        if let Err(err) = audit_log.record(&db, event).await {
            tracing::warn!(%err, "could not audit a rate-limited key");
        }
    });
}
