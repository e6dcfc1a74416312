//! A safety net: an error answer produced below `/v1` without our JSON body (a
//! layer's plain-text 413, say) is replaced by the standard error shape.

use axum::{
    extract::Request,
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::ApiError;

pub async fn ensure_error_shape(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let mut replacement = ApiError::for_status(status).into_response();
        if let Some(allow) = response.headers().get(header::ALLOW) {
            replacement
                .headers_mut()
                .insert(header::ALLOW, allow.clone());
        }
        return replacement;
    }
    response
}
