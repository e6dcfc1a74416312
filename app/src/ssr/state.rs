use std::{ops::Deref, sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use tokio_util::task::TaskTracker;

use super::{
    auth::{password::PasswordHasher, throttle::LoginThrottle},
    key_cache::{VerifiedKeys, feed::Invalidator},
    keys::hash::KeyHasher,
    mail::Mailer,
    rate_limit::ApiRateLimiter,
    services::{
        alerts::Sender as AlertSender, audit::AuditLog, request_log::RequestLogLimits,
        usage::UsageMeter,
    },
    setup_gate::SetupGate,
};

/// Everything request handlers and server functions share. One `Arc`: axum clones the
/// state for every extractor and middleware of every request, and cloning the parts one
/// by one (the caches alone hold dozens of `Arc`s and channel handles) was a third of
/// `/v1`'s CPU time in the profile (docs/PERFORMANCE.md).
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
    pub sessions: Arc<SessionSettings>,
    pub passwords: PasswordHasher,
    pub login_throttle: Arc<LoginThrottle>,
    pub setup_gate: SetupGate,
    pub keys: Arc<KeySettings>,
    pub usage: UsageMeter,
    /// Retention and cap of each key's request log (the key page states them).
    pub request_log: RequestLogLimits,
    /// Verified keys, so `/v1` makes no database round trip for a known key.
    pub verified_keys: VerifiedKeys,
    /// Handed to every service that changes what key verification decides.
    pub invalidator: Invalidator,
    /// Handed to every service that writes audit events (the chain key).
    pub audit: AuditLog,
    /// Checks alert destinations' URLs as the deliveries will be sent.
    pub alert_sender: AlertSender,
    /// `/v1` quotas in force (Billing shows these, not the compiled-in defaults).
    pub rate_limits: Arc<ApiRateLimiter>,
    /// Set when `KEYWARD_SMTP_URL` is: invitation links are then e-mailed, never shown.
    pub mailer: Option<Mailer>,
    /// Writes made off the response path (audit events a response must not wait for):
    /// a graceful stop waits for them, so none is lost.
    pub background: TaskTracker,
}

/// How keys are minted and recognised: the brand in front of every key and the
/// keyed hash under the current pepper.
#[derive(Debug)]
pub struct KeySettings {
    pub brand: String,
    pub hasher: KeyHasher,
}

/// Admin session lifetimes: sessions end after `idle` without a request, and in any
/// case `absolute` after sign-in. Activity moves the idle deadline at most once per
/// `extend_every`, so a burst of requests does not rewrite the session row each time.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub idle: Duration,
    pub absolute: Duration,
    pub extend_every: Duration,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
