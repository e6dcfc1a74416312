//! CSRF defence for the admin UI (SECURITY.md #18). Leptos server functions are plain
//! POST endpoints without tokens, so a state-changing request must come from our own
//! origin: a foreign `Origin`, or a `Sec-Fetch-Site` other than same-origin, is refused.
//! Browsers send at least one of the two on every POST; a request with neither is only
//! accepted when it carries no cookie (then there is no ambient session to abuse).

use axum::{
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use url::Url;

/// The origin requests must come from: the public URL's, or else the `Host` header's.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    public_origin: Option<String>,
}

impl OriginPolicy {
    pub fn new(public_url: Option<&Url>) -> Self {
        Self {
            public_origin: public_url.map(|url| url.origin().ascii_serialization()),
        }
    }

    fn origin_allowed(&self, origin: &str, headers: &HeaderMap) -> bool {
        match &self.public_origin {
            Some(expected) => origin == expected,
            None => {
                let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
                    return false;
                };
                origin == format!("http://{host}") || origin == format!("https://{host}")
            }
        }
    }

    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let has_provenance =
            headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site");
        if !has_provenance && headers.contains_key(header::COOKIE) {
            // Cookies are what a forged request would abuse; without either header we
            // cannot tell where this one comes from.
            return false;
        }
        let origin_ok = match headers.get(header::ORIGIN) {
            None => true,
            Some(value) => value
                .to_str()
                .is_ok_and(|origin| self.origin_allowed(origin, headers)),
        };
        let fetch_site_ok = match headers.get("sec-fetch-site") {
            None => true,
            Some(value) => matches!(value.to_str(), Ok("same-origin" | "none")),
        };
        origin_ok && fetch_site_ok
    }
}

pub async fn reject_cross_origin(
    State(policy): State<OriginPolicy>,
    request: Request,
    next: Next,
) -> Response {
    if request.method().is_safe() || policy.allows(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        "cross-origin request refused"
    );
    // The server-function client decodes this body as `AppError::Forbidden`.
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        "\"Forbidden\"",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_host_origin_is_allowed_and_a_foreign_one_is_not() {
        let policy = OriginPolicy::new(None);
        assert!(policy.allows(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!policy.allows(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(!policy.allows(&headers(&[("host", "127.0.0.1:3000"), ("origin", "null")])));
    }

    #[test]
    fn a_configured_public_url_is_the_only_allowed_origin() {
        let url = Url::parse("https://keys.example.com/").unwrap();
        let policy = OriginPolicy::new(Some(&url));
        assert!(policy.allows(&headers(&[
            ("host", "internal:3000"),
            ("origin", "https://keys.example.com")
        ])));
        assert!(!policy.allows(&headers(&[
            ("host", "internal:3000"),
            ("origin", "http://internal:3000")
        ])));
    }

    #[test]
    fn a_cookie_bearing_request_without_provenance_is_refused() {
        let policy = OriginPolicy::new(None);
        assert!(!policy.allows(&headers(&[("host", "a"), ("cookie", "keyward_session=x")])));
        assert!(policy.allows(&headers(&[("host", "a")])));
    }

    #[test]
    fn cross_site_fetch_metadata_is_refused() {
        let policy = OriginPolicy::new(None);
        assert!(!policy.allows(&headers(&[("host", "a"), ("sec-fetch-site", "cross-site")])));
        assert!(!policy.allows(&headers(&[("host", "a"), ("sec-fetch-site", "same-site")])));
        assert!(policy.allows(&headers(&[
            ("host", "a"),
            ("sec-fetch-site", "same-origin")
        ])));
    }
}
