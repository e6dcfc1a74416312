//! Authentication and authorization of every `/v1` request, in this order:
//! bearer token → verification (parse + checksum, keyed hash, cached lookup, revoked,
//! expired, address, creator, plan) → rate limits (key and organization, per mode) →
//! the route's declared access → handler → usage count, once the status is known.

use std::{net::IpAddr, sync::Arc};

use app::{
    model::key_allows,
    ssr::{
        key_cache::record::KeySnapshot,
        rate_limit::Allowance,
        services::{
            audit::{self, Actor, NewAuditEvent},
            keys::action,
            resources::Tenancy,
            verification::{Rejection, VerificationError, VerifiedKey, decide, presented},
        },
        state::AppState,
    },
};
use axum::{
    extract::{FromRequestParts, MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::metrics::{V1_RATE_LIMITED, V1_REFUSED_KEYS, V1_REQUESTS, V1_VERIFICATION_SECONDS};

use super::{
    error::ApiError,
    routes::{Access, AccessTable},
};

#[derive(Clone)]
pub struct GuardState {
    pub app: AppState,
    pub table: Arc<AccessTable>,
}

/// The verified key a request is made with, for handlers: everything they need about
/// the key, its organization and workspace comes from the verified snapshot.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: Arc<KeySnapshot>,
    pub tenancy: Tenancy,
    pub ip: Option<IpAddr>,
}

impl Caller {
    fn new(verified: VerifiedKey, ip: Option<IpAddr>) -> Self {
        Caller {
            tenancy: Tenancy {
                org_id: verified.key.organization.id,
                workspace_id: verified.key.workspace.id,
                mode: verified.key.mode,
            },
            key: verified.key,
            ip,
        }
    }

    #[cfg(feature = "bench")]
    pub(super) fn for_bench(verified: VerifiedKey) -> Self {
        Self::new(verified, None)
    }

    /// Audit events written on this key's behalf name the key.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey {
            id: self.key.id,
            name: self.key.name.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            tracing::error!("a /v1 handler ran without the access guard");
            ApiError::Internal
        })
    }
}

enum Bearer<'a> {
    Missing,
    Unusable,
    Token(&'a str),
}

fn bearer(headers: &HeaderMap) -> Bearer<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return if headers.contains_key(header::AUTHORIZATION) {
            Bearer::Unusable
        } else {
            Bearer::Missing
        };
    };
    let Ok(value) = value.to_str() else {
        return Bearer::Unusable;
    };
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Bearer::Token(token.trim())
        }
        _ => Bearer::Unusable,
    }
}

fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<app::ssr::client_ip::ClientIp>()
        .and_then(|client| client.0)
}

/// Refusals are never logged one by one at `info` (a flood of junk would flood the log):
/// they are counted in metrics and usage, and summarized once a minute.
static REFUSED_SINCE_SUMMARY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Logs how many keys were refused since the last call, if any (called every minute).
pub fn log_refusal_summary() {
    let refused = REFUSED_SINCE_SUMMARY.swap(0, std::sync::atomic::Ordering::Relaxed);
    if refused > 0 {
        tracing::info!(
            refused,
            "API keys refused in the last minute (reasons: keyward_v1_refused_keys_total)"
        );
    }
}

/// Denies by default: a request reaches a handler only if its route is declared and
/// the verified key holds the declared access.
pub async fn guard(State(state): State<GuardState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let access = route
        .as_deref()
        .and_then(|path| state.table.access(request.method(), path));
    if access == Some(Access::Public) {
        return next.run(request).await;
    }
    let response = guarded(&state, route.as_deref(), access, request, next).await;
    metrics::counter!(
        V1_REQUESTS,
        "route" => route.unwrap_or_else(|| "unmatched".to_owned()),
        "status" => response.status().as_str().to_owned()
    )
    .increment(1);
    response
}

async fn guarded(
    state: &GuardState,
    route: Option<&str>,
    access: Option<Access>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request);
    let token = match bearer(request.headers()) {
        Bearer::Missing => return ApiError::MissingAuthorization.into_response(),
        Bearer::Unusable => return ApiError::InvalidToken.into_response(),
        Bearer::Token(token) => token,
    };
    let app = &state.app;
    let now = Utc::now();
    let started = std::time::Instant::now();
    let verified = authenticate(app, token, ip, now).await;
    metrics::histogram!(V1_VERIFICATION_SECONDS).record(started.elapsed().as_secs_f64());
    let verified = match verified {
        Ok(verified) => verified,
        Err(refusal) => return refusal,
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
                app.usage
                    .record(subject, response.status().as_u16(), ip, now);
                return response;
            }
        };

    let mut response = match access {
        Some(Access::Public | Access::AnyKey) => {
            request.extensions_mut().insert(Caller::new(verified, ip));
            next.run(request).await
        }
        Some(Access::Scope(scope)) => {
            if key_allows(&key.scopes, verified.acting_role, scope) {
                request.extensions_mut().insert(Caller::new(verified, ip));
                next.run(request).await
            } else {
                ApiError::Forbidden.into_response()
            }
        }
        None => match route {
            Some(path) if state.table.knows_path(path) => {
                ApiError::MethodNotAllowed.into_response()
            }
            _ => ApiError::NotFound.into_response(),
        },
    };
    if let Some(allowance) = allowance {
        set_rate_limit_headers(&mut response, allowance);
    }
    app.usage
        .record(subject, response.status().as_u16(), ip, Utc::now());
    response
}

/// Parse and hash, then the cache; a lookup that would reach the database is refused
/// while the client address is over its budget of failed verifications, so a flood of
/// well-formed fakes stays off the database and a known key is never slowed by it.
async fn authenticate(
    app: &AppState,
    token: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<VerifiedKey, Response> {
    let refused = |err: VerificationError| match err {
        VerificationError::Rejected(reason, subject) => {
            tracing::debug!(%reason, key_id = ?subject.map(|s| s.key_id), "API key refused");
            metrics::counter!(V1_REFUSED_KEYS, "reason" => reason.label()).increment(1);
            REFUSED_SINCE_SUMMARY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if matches!(
                reason,
                Rejection::Unknown | Rejection::Revoked | Rejection::Expired
            ) {
                app.rate_limits.verification_failed(ip);
            }
            let response = match reason {
                Rejection::NoApiAccess => ApiError::Forbidden,
                _ => ApiError::InvalidToken,
            }
            .into_response();
            if let Some(subject) = subject {
                app.usage
                    .record(subject, response.status().as_u16(), ip, now);
            }
            response
        }
        VerificationError::Database(err) => ApiError::database(&err).into_response(),
    };
    let (hash, mode) = presented(&app.keys.hasher, &app.keys.brand, token).map_err(refused)?;
    let found = match app.verified_keys.peek(&hash).await {
        Some(found) => found,
        None => {
            if let Some(retry_after_seconds) = app.rate_limits.address_blocked(ip) {
                metrics::counter!(V1_RATE_LIMITED, "reason" => "failed_keys").increment(1);
                return Err(ApiError::TooManyRequests {
                    retry_after_seconds,
                }
                .into_response());
            }
            app.verified_keys
                .lookup(&app.db, &hash)
                .await
                .map_err(|err| refused(err.into()))?
        }
    };
    decide(found, mode, ip, now).map_err(refused)
}

fn set_rate_limit_headers(response: &mut Response, allowance: Allowance) {
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(allowance.limit));
    headers.insert(
        "ratelimit-remaining",
        HeaderValue::from(allowance.remaining),
    );
    headers.insert(
        "ratelimit-reset",
        HeaderValue::from(allowance.reset_seconds),
    );
}

/// Written off the request path, at most once per key and window.
fn audit_rate_limited(app: &AppState, key: &KeySnapshot, limit: u32, ip: Option<IpAddr>) {
    let db = app.db.clone();
    let event = NewAuditEvent {
        org_id: Some(key.organization.id),
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
    tokio::spawn(async move {
        if let Err(err) = audit::record(&db, event).await {
            tracing::warn!(%err, "could not audit a rate-limited key");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_a_single_bearer_header_yields_a_token() {
        assert!(matches!(bearer(&headers(&[])), Bearer::Missing));
        assert!(matches!(
            bearer(&headers(&["Bearer kw_x"])),
            Bearer::Token("kw_x")
        ));
        assert!(matches!(
            bearer(&headers(&["bearer  kw_x "])),
            Bearer::Token("kw_x")
        ));
        assert!(matches!(
            bearer(&headers(&["Basic a2V5Og=="])),
            Bearer::Unusable
        ));
        assert!(matches!(bearer(&headers(&["Bearer"])), Bearer::Unusable));
        assert!(matches!(
            bearer(&headers(&["Bearer a", "Bearer b"])),
            Bearer::Unusable
        ));
    }
}
