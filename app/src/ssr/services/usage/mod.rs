//! Usage metering: requests are counted in memory per key and UTC hour, and kept for
//! each key's request log, then written in batches (every few seconds, and once more on
//! graceful shutdown), so `/v1` makes no database write per request and a SIGTERM loses
//! nothing. The flusher (`flush.rs`) also prunes the request log, about once a minute.

mod flush;

pub use flush::Flusher;

use std::{
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{
    FastMap, FastSet, footprint,
    request_log::{self, LoggedRequest, PendingLog, RequestLogLimits},
};
use crate::model::Mode;

/// How often the flusher prunes the request log.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The key a request named, for counting (known even when the key was refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageSubject {
    pub key_id: Uuid,
    pub org_id: Uuid,
    pub mode: Mode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    total: i64,
    succeeded: i64,
    failed: i64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.total += other.total;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
    }

    fn of_status(status: u16) -> Self {
        Tally {
            total: 1,
            succeeded: i64::from((200..300).contains(&status)),
            failed: i64::from(status >= 400),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct LastUse {
    at: DateTime<Utc>,
    ip: Option<IpAddr>,
}

#[derive(Debug, Default)]
struct Pending {
    hours: FastMap<(Uuid, DateTime<Utc>), (UsageSubject, Tally)>,
    last_used: FastMap<Uuid, LastUse>,
    log: PendingLog,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.hours.is_empty() && self.last_used.is_empty() && self.log.is_empty()
    }

    /// An empty batch for what comes next; `self` is what was collected so far.
    fn take(&mut self) -> Pending {
        let next = Pending {
            log: self.log.empty_like(),
            ..Pending::default()
        };
        std::mem::replace(self, next)
    }

    /// Puts counts from a failed flush back, beside anything recorded since.
    fn merge(&mut self, other: Pending) {
        for (bucket, (subject, tally)) in other.hours {
            self.hours
                .entry(bucket)
                .or_insert((subject, Tally::default()))
                .1
                .add(tally);
        }
        for (key_id, last) in other.last_used {
            let entry = self.last_used.entry(key_id).or_insert(last);
            if last.at > entry.at {
                *entry = last;
            }
        }
        self.log.merge_older(other.log);
    }
}

/// What one flush wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flushed {
    pub buckets: usize,
    pub requests: i64,
    /// Rows added to the request log.
    pub logged: usize,
}

/// Shared by every `/v1` request; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct UsageMeter {
    pending: Arc<Mutex<Pending>>,
    /// Keys whose log grew since the last prune: only they can be over the cap.
    logged_keys: Arc<Mutex<FastSet<Uuid>>>,
}

/// The start of `at`'s UTC hour (counted on every `/v1` request: whole-second
/// arithmetic, cheaper than chrono's general rounding).
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = at.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(3600), 0).unwrap_or(at)
}

impl UsageMeter {
    /// A meter whose request log writes at most `limits.rows_per_key` per key and flush
    /// (fewer for a busy key, see `request_log::PendingLog`).
    pub fn new(limits: RequestLogLimits) -> Self {
        UsageMeter {
            pending: Arc::new(Mutex::new(Pending {
                log: PendingLog::new(limits.rows_per_key),
                ..Pending::default()
            })),
            logged_keys: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding the lock cannot leave the counts inconsistent
        // (each update is a few additions), so a poisoned lock is still usable.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts and logs one answered request made with a verified key, and moves its
    /// last use.
    pub fn record(&self, subject: UsageSubject, request: LoggedRequest) {
        let use_ = LastUse {
            at: request.at,
            ip: request.ip,
        };
        let mut pending = self.lock();
        Self::tally(&mut pending, subject, request.status, request.at);
        let last = pending.last_used.entry(subject.key_id).or_insert(use_);
        if use_.at >= last.at {
            *last = use_;
        }
        pending.log.push(subject, request);
    }

    /// Counts and logs a request whose key was refused at verification (revoked,
    /// expired, from an address outside its allowlist, …): it shows in the key's usage
    /// as a failure, but is not a use of the key, so its last use stays as it was.
    pub fn record_refused(&self, subject: UsageSubject, request: LoggedRequest) {
        let mut pending = self.lock();
        Self::tally(&mut pending, subject, request.status, request.at);
        pending.log.push(subject, request);
    }

    fn tally(pending: &mut Pending, subject: UsageSubject, status: u16, at: DateTime<Utc>) {
        pending
            .hours
            .entry((subject.key_id, hour_of(at)))
            .or_insert((subject, Tally::default()))
            .1
            .add(Tally::of_status(status));
    }

    /// Requests counted but not yet written.
    pub fn pending_requests(&self) -> i64 {
        self.lock().hours.values().map(|(_, t)| t.total).sum()
    }

    /// Writes everything counted so far in one transaction. On failure the counts
    /// are kept for the next attempt.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<Flushed, DbErr> {
        let batch = self.lock().take();
        if batch.is_empty() {
            return Ok(Flushed::default());
        }
        match flush::write(db, &batch).await {
            Ok(flushed) => {
                if !batch.log.is_empty() {
                    let mut logged = self
                        .logged_keys
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    logged.extend(batch.log.key_ids());
                }
                Ok(flushed)
            }
            Err(err) => {
                self.lock().merge(batch);
                Err(err)
            }
        }
    }

    /// Prunes the request log: requests past the retention, and for the keys logged
    /// since the last pass, those beyond the cap. On failure the keys are kept for the
    /// next pass.
    pub async fn prune_log(
        &self,
        db: &DatabaseConnection,
        limits: RequestLogLimits,
    ) -> Result<request_log::Pruned, DbErr> {
        let keys = std::mem::take(
            &mut *self
                .logged_keys
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let now = Utc::now();
        match request_log::prune(db, limits, keys.iter().copied(), now).await {
            Ok(pruned) => Ok(request_log::Pruned {
                footprint: footprint::prune(db, now).await?,
                ..pruned
            }),
            Err(err) => {
                self.logged_keys
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(keys);
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::services::request_log::test_support::{logged as request, subject};
    use chrono::{DurationRound, TimeDelta};

    #[test]
    fn the_hour_of_an_instant_is_its_utc_hour_start() {
        for at in [
            "2026-11-29T16:59:59.999Z",
            "2026-11-29T17:00:00Z",
            "1969-12-31T23:30:00Z",
        ] {
            let at: DateTime<Utc> = at.parse().unwrap();
            assert_eq!(
                hour_of(at),
                at.duration_trunc(TimeDelta::hours(1)).unwrap(),
                "{at}"
            );
        }
    }

    #[test]
    fn statuses_are_split_into_successes_and_failures() {
        assert_eq!(
            Tally::of_status(200),
            Tally {
                total: 1,
                succeeded: 1,
                failed: 0
            }
        );
        assert_eq!(
            Tally::of_status(204),
            Tally {
                total: 1,
                succeeded: 1,
                failed: 0
            }
        );
        assert_eq!(
            Tally::of_status(304),
            Tally {
                total: 1,
                succeeded: 0,
                failed: 0
            }
        );
        for status in [401, 403, 404, 429, 500, 503] {
            assert_eq!(
                Tally::of_status(status),
                Tally {
                    total: 1,
                    succeeded: 0,
                    failed: 1
                }
            );
        }
    }

    #[test]
    fn requests_fall_into_their_utc_hour() {
        let meter = UsageMeter::default();
        let key = subject();
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:59:59.999Z")
            .unwrap()
            .with_timezone(&Utc);
        meter.record(key, request(200, at));
        meter.record(key, request(401, at + TimeDelta::milliseconds(1)));
        meter.record(key, request(200, at + TimeDelta::minutes(30)));
        let pending = meter.lock();
        assert_eq!(pending.hours.len(), 2);
        let ten = hour_of(at);
        assert_eq!(ten.to_rfc3339(), "2026-11-23T10:00:00+00:00");
        assert_eq!(pending.hours[&(key.key_id, ten)].1.total, 1);
        assert_eq!(
            pending.hours[&(key.key_id, ten + TimeDelta::hours(1))].1,
            Tally {
                total: 2,
                succeeded: 1,
                failed: 1
            }
        );
    }

    #[test]
    fn a_refused_request_is_counted_as_a_failure_without_moving_the_last_use() {
        let meter = UsageMeter::default();
        let key = subject();
        let now = Utc::now();
        meter.record(key, request(200, now));
        meter.record_refused(key, request(401, now + TimeDelta::seconds(1)));
        assert_eq!(meter.pending_requests(), 2);
        assert_eq!(meter.lock().last_used[&key.key_id].at, now);
        assert_eq!(meter.lock().log.held(), 2, "both are in the key's log");
    }

    #[test]
    fn a_failed_flush_keeps_its_counts_and_the_latest_use() {
        let meter = UsageMeter::default();
        let key = subject();
        let now = Utc::now();
        meter.record(key, request(200, now));
        let batch = meter.lock().take();
        assert_eq!(batch.log.held(), 1, "the batch holds what was logged");
        assert!(meter.lock().is_empty(), "and the meter starts afresh");
        meter.record(key, request(500, now + TimeDelta::seconds(1)));
        meter.lock().merge(batch);
        assert_eq!(meter.pending_requests(), 2);
        assert_eq!(
            meter.lock().last_used[&key.key_id].at,
            now + TimeDelta::seconds(1)
        );
        assert_eq!(
            meter.lock().log.statuses(key.key_id),
            [200, 500],
            "the log stays oldest first"
        );
    }
}
