use std::{
    net::IpAddr,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};

use app::{
    model::Refusal,
    ssr::{
        services::{
            usage::UsageSubject,
            verification::{Rejection, VerificationError, VerifiedKey, decide, presented},
        },
        state::AppState,
    },
};
use axum::{
    extract::Request,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};

use crate::{
    metrics::{V1_RATE_LIMITED, V1_REFUSED_KEYS},
    v1::error::ApiError,
};

/// Refusals are never logged one by one at `info` (a flood of junk would flood the log):
/// they are counted in metrics and usage, and summarized once a minute.
static REFUSED_SINCE_SUMMARY: AtomicU64 = AtomicU64::new(0);

/// Logs how many keys were refused since the last call, if any (called every minute).
pub fn log_refusal_summary() {
    let refused = REFUSED_SINCE_SUMMARY.swap(0, Relaxed);
    if refused > 0 {
        tracing::info!(
            refused,
            "API keys refused in the last minute (reasons: keyward_v1_refused_keys_total)"
        );
    }
}

pub(super) fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<app::ssr::client_ip::ClientIp>()
        .and_then(|client| client.0)
}

/// A request authentication turned away: the answer, and the key it named, if it
/// named a known one (its usage and request log count the refusal).
pub(super) struct Refused {
    pub response: Response,
    pub key: Option<(UsageSubject, Refusal)>,
}

impl Refused {
    fn anonymous(response: Response) -> Self {
        Refused {
            response,
            key: None,
        }
    }
}

/// Parse and hash, then the cache; a lookup that would reach the database is refused
/// while the client address is over its budget of failed verifications, so a flood of
/// well-formed fakes stays off the database and a known key is never slowed by it.
pub(super) async fn authenticate(
    app: &AppState,
    token: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<VerifiedKey, Refused> {
    let refused = |err: VerificationError| match err {
        VerificationError::Rejected(reason, subject) => {
            tracing::debug!(%reason, key_id = ?subject.map(|s| s.key_id), "API key refused");
            metrics::counter!(V1_REFUSED_KEYS, "reason" => reason.label()).increment(1);
            REFUSED_SINCE_SUMMARY.fetch_add(1, Relaxed);
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
            Refused {
                response,
                key: subject.zip(reason.refusal()),
            }
        }
        VerificationError::Database(err) => {
            Refused::anonymous(ApiError::database(&err).into_response())
        }
    };
    let (hash, mode) = presented(&app.keys.hasher, &app.keys.brand, token).map_err(refused)?;
    let found = match app.verified_keys.peek(&hash).await {
        Some(found) => found,
        None => {
            if !app.verified_keys.holds(&hash)
                && let Some(retry_after_seconds) = app.rate_limits.address_blocked(ip)
            {
                metrics::counter!(V1_RATE_LIMITED, "reason" => "failed_keys").increment(1);
                return Err(Refused::anonymous(
                    ApiError::TooManyRequests {
                        retry_after_seconds,
                    }
                    .into_response(),
                ));
            }
            app.verified_keys
                .lookup(&app.db, &hash)
                .await
                .map_err(|err| refused(err.into()))?
        }
    };
    decide(found, mode, ip, now).map_err(refused)
}
