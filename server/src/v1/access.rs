//! Authentication and authorization of every `/v1` request, in this order:
//! bearer token → verification (parse + checksum, keyed hash, lookup, revoked,
//! expired, address, creator, plan) → rate-limit slot (a later issue) → the route's
//! declared access → handler → usage count, once the status is known.

use std::{net::IpAddr, sync::Arc};

use app::{
    model::{Mode, Scope, key_allows},
    ssr::{
        entities::organization,
        services::{
            audit::Actor,
            resources::Tenancy,
            verification::{Rejection, VerificationError, VerifiedKey, verify_key},
        },
        state::AppState,
    },
};
use axum::{
    extract::{FromRequestParts, MatchedPath, Request, State},
    http::{HeaderMap, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    error::ApiError,
    routes::{Access, AccessTable},
};

#[derive(Clone)]
pub struct GuardState {
    pub app: AppState,
    pub table: Arc<AccessTable>,
}

/// The verified key a request is made with, for handlers.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: Uuid,
    pub key_name: String,
    pub org: organization::Model,
    pub tenancy: Tenancy,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub ip: Option<IpAddr>,
}

impl Caller {
    fn new(verified: VerifiedKey, ip: Option<IpAddr>) -> Self {
        Caller {
            key_id: verified.key.id,
            key_name: verified.key.name,
            tenancy: Tenancy {
                org_id: verified.org.id,
                workspace_id: verified.key.workspace_id,
                mode: verified.mode,
            },
            org: verified.org,
            scopes: verified.scopes,
            expires_at: verified.key.expires_at,
            ip,
        }
    }

    pub fn mode(&self) -> Mode {
        self.tenancy.mode
    }

    /// Audit events written on this key's behalf name the key.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey {
            id: self.key_id,
            name: self.key_name.clone(),
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

/// Denies by default: a request reaches a handler only if its route is declared and
/// the verified key holds the declared access.
pub async fn guard(State(state): State<GuardState>, mut request: Request, next: Next) -> Response {
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

    let ip = client_ip(&request);
    let token = match bearer(request.headers()) {
        Bearer::Missing => return ApiError::MissingAuthorization.into_response(),
        Bearer::Unusable => return ApiError::InvalidToken.into_response(),
        Bearer::Token(token) => token,
    };
    let keys = &state.app.keys;
    let verified = match verify_key(
        &state.app.db,
        &keys.hasher,
        &keys.brand,
        token,
        ip,
        Utc::now(),
    )
    .await
    {
        Ok(verified) => verified,
        Err(VerificationError::Rejected(reason, subject)) => {
            tracing::info!(%reason, key_id = ?subject.map(|s| s.key_id), "API key refused");
            let response = match reason {
                Rejection::NoApiAccess => ApiError::Forbidden,
                _ => ApiError::InvalidToken,
            }
            .into_response();
            if let Some(subject) = subject {
                state
                    .app
                    .usage
                    .record(subject, response.status().as_u16(), ip, Utc::now());
            }
            return response;
        }
        Err(VerificationError::Database(err)) => {
            return ApiError::database(&err).into_response();
        }
    };
    let subject = verified.subject;
    // Rate limiting takes its slot here (ROADMAP: rate limits), before any handler work.

    let response = match access {
        Some(Access::Public | Access::AnyKey) => {
            request.extensions_mut().insert(Caller::new(verified, ip));
            next.run(request).await
        }
        Some(Access::Scope(scope)) => {
            if key_allows(&verified.scopes, verified.acting_role, scope) {
                request.extensions_mut().insert(Caller::new(verified, ip));
                next.run(request).await
            } else {
                ApiError::Forbidden.into_response()
            }
        }
        None => match route {
            Some(path) if state.table.knows_path(&path) => {
                ApiError::MethodNotAllowed.into_response()
            }
            _ => ApiError::NotFound.into_response(),
        },
    };
    state
        .app
        .usage
        .record(subject, response.status().as_u16(), ip, Utc::now());
    response
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
