//! Response headers every admin page gets: no framing (clickjacking), no referrer to
//! other sites (the setup link carries its token in the query), no MIME sniffing, and
//! no caching of pages and server-function answers (they are per user, and some carry
//! a secret shown once: a new key, an invitation link, a webhook signing secret).
//! Behind https, `Strict-Transport-Security` keeps browsers on https.
//! No script-src policy yet: the hydration script is inline and carries no nonce.

use axum::{
    Router,
    http::{HeaderName, HeaderValue, header},
};
use tower_http::set_header::SetResponseHeaderLayer;

const PAGE_HEADERS: [(HeaderName, &str); 3] = [
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    (header::REFERRER_POLICY, "same-origin"),
];

/// Two years, the common preload value; subdomains are left to their own policy.
const HSTS: &str = "max-age=63072000";

/// Pages and server functions: never stored by a browser or a proxy.
pub fn uncached<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

pub fn for_pages<S: Clone + Send + Sync + 'static>(mut router: Router<S>) -> Router<S> {
    for (name, value) in PAGE_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// For every response, pages and API alike; `https`: the public address is https.
pub fn for_everything<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    https: bool,
) -> Router<S> {
    let router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ));
    if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    }
}
