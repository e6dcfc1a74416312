//! The one error type of `/v1`. Every error answer, whoever produces it (a handler,
//! authentication, routing, a body limit, a panic), has the same JSON shape:
//! `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`.

use app::ssr::{db, services::resources::ResourceError};
use axum::{
    Json,
    extract::rejection::{JsonRejection, QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::DbErr;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: no `Authorization` header.
    #[error("Missing authorization header")]
    MissingAuthorization,
    /// 401: malformed, unknown, revoked, expired, creator removed, address not
    /// allowed. One answer for all; the reason is logged server-side.
    #[error("Invalid token")]
    InvalidToken,
    /// 403: the key lacks the scope (or its creator's role lacks the right), or the
    /// organization's plan has no API access.
    #[error("No access to this resource")]
    Forbidden,
    /// 429: the key's or its organization's quota is spent, or this address made too
    /// many failed attempts; `Retry-After` and `retryAfter` say when to try again.
    #[error("Rate limit exceeded. Please try again later.")]
    TooManyRequests { retry_after_seconds: u64 },
    /// 404: absent, or in another organization, workspace or mode.
    #[error("Not found")]
    NotFound,
    /// 405.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// 400: the body is not JSON.
    #[error("{0}")]
    BadRequest(String),
    /// 409: the record's state forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// 413.
    #[error("Request body too large")]
    PayloadTooLarge,
    /// 415.
    #[error("Expected a JSON body with Content-Type: application/json")]
    UnsupportedMediaType,
    /// 422: the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// 500: details are in the server log only.
    #[error("Internal server error")]
    Internal,
    /// 503: the database is unreachable; nothing was done.
    #[error("Service temporarily unavailable")]
    Unavailable,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingAuthorization | ApiError::InvalidToken => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The error for a status some layer produced without a body of ours.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => ApiError::InvalidToken,
            StatusCode::FORBIDDEN => ApiError::Forbidden,
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable,
            StatusCode::TOO_MANY_REQUESTS => ApiError::TooManyRequests {
                retry_after_seconds: 1,
            },
            status if status.is_client_error() => ApiError::BadRequest(
                status
                    .canonical_reason()
                    .unwrap_or("Bad request")
                    .to_owned(),
            ),
            _ => ApiError::Internal,
        }
    }

    /// Logs a database failure once, here, and hides it from the client.
    pub fn database(err: &DbErr) -> Self {
        if db::is_unavailable(err) {
            tracing::error!(%err, "database unavailable");
            ApiError::Unavailable
        } else {
            tracing::error!(%err, "database error");
            ApiError::Internal
        }
    }
}

/// The body of every `/v1` error, in this field order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[schema(example = 401)]
    pub status_code: u16,
    #[schema(example = "Unauthorized")]
    pub error: &'static str,
    #[schema(example = "Invalid token")]
    pub message: String,
    /// 429 only: whole seconds to wait (also in the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 30)]
    pub retry_after: Option<u64>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            status_code: status.as_u16(),
            error: status.canonical_reason().unwrap_or("Error"),
            message: self.to_string(),
            retry_after: match self {
                ApiError::TooManyRequests {
                    retry_after_seconds,
                } => Some(retry_after_seconds),
                _ => None,
            },
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyRequests {
            retry_after_seconds,
        } = self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        response
    }
}

impl From<ResourceError> for ApiError {
    fn from(err: ResourceError) -> Self {
        match err {
            ResourceError::Invalid(message) => ApiError::Invalid(message),
            ResourceError::NotFound => ApiError::NotFound,
            ResourceError::Conflict(message) => ApiError::Conflict(message),
            ResourceError::Randomness => {
                tracing::error!("the operating system's random number generator failed");
                ApiError::Internal
            }
            ResourceError::Database(err) => ApiError::database(&err),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(err) => ApiError::Invalid(serde_message(&err.body_text())),
            JsonRejection::JsonSyntaxError(err) => ApiError::BadRequest(format!(
                "Malformed JSON: {}",
                serde_message(&err.body_text())
            )),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Invalid(serde_message(&rejection.body_text()))
    }
}

/// serde's message without axum's generic preamble: it already names the field.
fn serde_message(text: &str) -> String {
    text.split_once(": ")
        .map_or(text, |(_, detail)| detail)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_body_has_exactly_the_documented_shape() {
        let response = ApiError::InvalidToken.into_response();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            body,
            r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#
        );
    }

    #[tokio::test]
    async fn a_refusal_for_rate_says_when_to_retry_in_body_and_header() {
        let response = ApiError::TooManyRequests {
            retry_after_seconds: 42,
        }
        .into_response();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            body,
            r#"{"statusCode":429,"error":"Too Many Requests","message":"Rate limit exceeded. Please try again later.","retryAfter":42}"#
        );
    }

    #[test]
    fn statuses_from_other_layers_map_to_our_errors() {
        for status in [401, 403, 404, 405, 413, 415, 429, 400, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(ApiError::for_status(status).status(), status);
        }
    }
}
