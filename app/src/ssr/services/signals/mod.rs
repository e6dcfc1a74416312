//! Suspicious-activity signals: a background detector reads the aggregates the usage
//! flusher keeps (hourly usage, the key footprint, the request log) and opens a signal
//! per key, kind and subject, once, with an `api_key.signal` audit event. Nothing runs
//! on the `/v1` request path. Owners and Admins dismiss signals; a dismissed signal
//! reopens only on evidence newer than its dismissal. State signals (rotation due,
//! unused scopes) resolve by themselves when the key changes.

mod business_hours;
mod hours;
mod listing;
mod lookup;
mod rules;
mod store;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

pub use business_hours::{business_hours, set_business_hours};
pub use hours::time_zones;
pub use listing::{list_for_key, list_for_org, open_kinds};
pub use rules::{LOOKBACK_DAYS, ROTATE_LIVE_DAYS, ROTATE_TEST_DAYS, SPIKE_MIN_FAILED};
pub use store::{SignalError, action, dismiss};

use crate::{model::SignalEvidence, ssr::services::audit::AuditLog};

/// What a rule found about one key.
#[derive(Debug, Clone)]
pub struct Finding {
    pub key_id: Uuid,
    /// Distinguishes signals of one kind on one key (see `api_key_signal::subject`).
    pub subject: String,
    pub evidence: SignalEvidence,
    /// The newest evidence.
    pub evidence_at: DateTime<Utc>,
}

/// What one detection pass changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detection {
    pub opened: u64,
    pub reopened: u64,
    /// Open signals whose evidence grew.
    pub updated: u64,
    pub resolved: u64,
}

/// How far before the previous pass the next one looks again: the flusher writes a
/// request's traces a few seconds after it, with the request's own time.
const OVERLAP: TimeDelta = TimeDelta::minutes(10);

/// One pass: the event rules look at what arrived since `since`, the state rules at
/// every working key as of `now`.
pub async fn detect(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<Detection, DbErr> {
    let mut events = rules::new_addresses(db, since).await?;
    events.extend(rules::failure_spikes(db, now).await?);
    events.extend(rules::off_hours(db, now).await?);
    events.extend(rules::presented_after_end(db, since).await?);
    events.extend(rules::denied_scopes(db, since).await?);
    let states = rules::states(db, now).await?;
    let mut detection = store::apply(db, audit_log, &events, now).await?;
    let from_states = store::apply(db, audit_log, &states, now).await?;
    detection.opened += from_states.opened;
    detection.reopened += from_states.reopened;
    detection.updated += from_states.updated;
    detection.resolved = store::resolve_gone_states(db, &states).await?;
    Ok(detection)
}

/// Runs [`detect`] every `every` (the first time after one period) until
/// [`Detector::stop`]. The first pass looks back the full 30 days; each later one from
/// shortly before the previous.
pub fn spawn_detector(db: DatabaseConnection, audit_log: AuditLog, every: Duration) -> Detector {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        // The first pass after one period, not at once: a server starting is busy
        // enough, and tests that run the passes themselves are not raced.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut since = Utc::now() - TimeDelta::days(LOOKBACK_DAYS);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => return,
            }
            let now = Utc::now();
            match detect(&db, &audit_log, now, since).await {
                Ok(detection) => {
                    since = now - OVERLAP;
                    metrics::counter!("keyward_signals_opened_total")
                        .increment(detection.opened + detection.reopened);
                    tracing::debug!(?detection, "signals detected");
                }
                Err(err) => {
                    metrics::counter!("keyward_signal_detection_failures_total").increment(1);
                    tracing::warn!(%err, "could not detect signals; trying again next pass");
                }
            }
        }
    });
    Detector { stop, task }
}

/// The periodic detection task.
pub struct Detector {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Detector {
    /// Stops after the pass in progress, if any.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(%err, "the signal detector failed");
        }
    }
}
