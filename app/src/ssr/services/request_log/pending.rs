//! Requests waiting for the next flush, per key, held under the usage meter's lock.
//! A busy key is sampled rather than written whole: each flush writes at most
//! [`ROWS_PER_FLUSH`] of its requests, its failures first, then its newest successes.

use std::collections::VecDeque;

use uuid::Uuid;

use super::LoggedRequest;
use crate::{
    model::REQUEST_LOG_ROWS_PER_FLUSH,
    ssr::services::{FastMap, footprint::PendingFootprint, usage::UsageSubject},
};

/// Requests waiting for a flush, in all; beyond this (the database has been away for a
/// while), new ones are dropped and counted rather than growing the process without bound.
pub(super) const MAX_PENDING: usize = 100_000;

/// At most this many requests per key and flush are written. At 50,000 requests a
/// second a 10,000-row log would hold 0.2 s of one key's traffic and be pruned a minute
/// later, so writing every request buys nothing and costs the flusher (and the cores
/// `/v1` runs on) a row each; a sample that keeps every failure it can says more.
const ROWS_PER_FLUSH: usize = REQUEST_LOG_ROWS_PER_FLUSH as usize;

/// One key's requests since the last flush, each deque oldest first and capped at the
/// log's `per_flush`, and its footprint (which every request feeds, sampled or not).
#[derive(Debug)]
struct KeyBatch {
    subject: UsageSubject,
    /// Answered with an error status or refused.
    failures: VecDeque<LoggedRequest>,
    successes: VecDeque<LoggedRequest>,
    footprint: PendingFootprint,
}

impl KeyBatch {
    fn new(subject: UsageSubject) -> Self {
        KeyBatch {
            subject,
            failures: VecDeque::new(),
            successes: VecDeque::new(),
            footprint: PendingFootprint::default(),
        }
    }

    fn held(&self) -> usize {
        self.failures.len() + self.successes.len()
    }

    /// What a flush writes, oldest first: every failure held, then as many of the
    /// newest successes as the cap leaves room for.
    fn sample(&self, per_flush: usize) -> Vec<&LoggedRequest> {
        let room = per_flush.saturating_sub(self.failures.len());
        let skipped = self.successes.len().saturating_sub(room);
        let mut sample: Vec<&LoggedRequest> = self
            .failures
            .iter()
            .chain(self.successes.iter().skip(skipped))
            .collect();
        // Ids are made from the request time in this order (see `new_ids`).
        sample.sort_by_key(|request| request.at);
        sample
    }
}

fn is_failure(request: &LoggedRequest) -> bool {
    request.status >= 400 || request.refusal.is_some()
}

/// Appends `request` to a deque capped at `cap`: returns whether the deque grew.
fn push_capped(requests: &mut VecDeque<LoggedRequest>, request: LoggedRequest, cap: usize) -> bool {
    if requests.len() >= cap {
        requests.pop_front();
        requests.push_back(request);
        false
    } else {
        requests.push_back(request);
        true
    }
}

/// Puts `older` before `newer` and keeps the newest `cap`.
fn prepend_older(
    newer: &mut VecDeque<LoggedRequest>,
    mut older: VecDeque<LoggedRequest>,
    cap: usize,
) {
    older.append(newer);
    let excess = older.len().saturating_sub(cap);
    older.drain(..excess);
    *newer = older;
}

/// Requests waiting for the next flush, per key.
#[derive(Debug)]
pub(in crate::ssr::services) struct PendingLog {
    per_flush: usize,
    keys: FastMap<Uuid, KeyBatch>,
    /// Requests held, in all keys and both deques.
    held: usize,
}

impl Default for PendingLog {
    fn default() -> Self {
        PendingLog::new(super::RequestLogLimits::default().rows_per_key)
    }
}

impl PendingLog {
    /// A log that writes at most `rows_per_key` (the log's cap per key) or
    /// [`ROWS_PER_FLUSH`], whichever is less, per key and flush.
    pub(in crate::ssr::services) fn new(rows_per_key: u32) -> Self {
        let rows_per_key = usize::try_from(rows_per_key).unwrap_or(usize::MAX);
        PendingLog::with_per_flush(rows_per_key.min(ROWS_PER_FLUSH))
    }

    fn with_per_flush(per_flush: usize) -> Self {
        PendingLog {
            per_flush: per_flush.max(1),
            keys: FastMap::default(),
            held: 0,
        }
    }

    /// An empty log with the same cap, for the next batch.
    pub(in crate::ssr::services) fn empty_like(&self) -> Self {
        PendingLog::with_per_flush(self.per_flush)
    }

    /// Requests held in memory (at most twice the per-flush cap per key).
    pub(in crate::ssr::services) fn held(&self) -> usize {
        self.held
    }

    pub(in crate::ssr::services) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(in crate::ssr::services) fn push(&mut self, subject: UsageSubject, request: LoggedRequest) {
        let full = self.held >= MAX_PENDING;
        let batch = self
            .keys
            .entry(subject.key_id)
            .or_insert_with(|| KeyBatch::new(subject));
        batch.footprint.note(
            request.ip,
            request.at,
            request.refused_early(),
            request.scope,
        );
        let requests = if is_failure(&request) {
            &mut batch.failures
        } else {
            &mut batch.successes
        };
        if full && requests.len() < self.per_flush {
            metrics::counter!("keyward_request_log_dropped_total").increment(1);
        } else if push_capped(requests, request, self.per_flush) {
            self.held += 1;
        }
    }

    /// Puts a batch that could not be written back, before what was logged since.
    pub(in crate::ssr::services) fn merge_older(&mut self, older: PendingLog) {
        for (key_id, older) in older.keys {
            let batch = self
                .keys
                .entry(key_id)
                .or_insert_with(|| KeyBatch::new(older.subject));
            self.held -= batch.held();
            prepend_older(&mut batch.failures, older.failures, self.per_flush);
            prepend_older(&mut batch.successes, older.successes, self.per_flush);
            self.held += batch.held();
            batch.footprint.merge(older.footprint);
        }
    }

    /// Each key's requests to write, oldest first.
    pub(super) fn samples(
        &self,
    ) -> impl Iterator<Item = (&UsageSubject, Vec<&LoggedRequest>)> + '_ {
        self.keys
            .values()
            .map(|batch| (&batch.subject, batch.sample(self.per_flush)))
    }

    /// The statuses a flush would write for `key_id`, oldest first.
    #[cfg(test)]
    pub(in crate::ssr::services) fn statuses(&self, key_id: Uuid) -> Vec<u16> {
        self.keys
            .get(&key_id)
            .map(|batch| {
                let sample = batch.sample(self.per_flush);
                sample.iter().map(|request| request.status).collect()
            })
            .unwrap_or_default()
    }

    pub(in crate::ssr::services) fn key_ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.keys.keys().copied()
    }

    pub(in crate::ssr::services) fn footprints(
        &self,
    ) -> impl Iterator<Item = (&UsageSubject, &PendingFootprint)> + Clone {
        self.keys
            .values()
            .map(|batch| (&batch.subject, &batch.footprint))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::{
        model::Refusal,
        ssr::services::request_log::test_support::{logged, subject},
    };

    fn request(status: u16) -> LoggedRequest {
        logged(status, Utc::now())
    }

    #[test]
    fn a_busy_key_writes_only_its_newest_requests_up_to_the_cap() {
        let mut log = PendingLog::new(3);
        let busy = subject();
        let quiet = subject();
        for status in [200, 201, 202, 203, 204] {
            log.push(busy, request(status));
        }
        log.push(quiet, request(500));
        assert_eq!(log.statuses(busy.key_id), [202, 203, 204]);
        assert_eq!(log.statuses(quiet.key_id), [500]);
        assert_eq!(log.held(), 4);
    }

    #[test]
    fn failures_are_written_before_successes_of_a_key_over_the_cap_in_time_order() {
        let mut log = PendingLog::new(3);
        let key = subject();
        let start = Utc::now();
        let statuses = [200, 401, 201, 202, 500, 203, 204];
        for (n, status) in (0..).zip(statuses) {
            let mut request = request(status);
            request.at = start + TimeDelta::milliseconds(n);
            log.push(key, request);
        }
        let mut refused = request(429);
        refused.refusal = Some(Refusal::RateLimited);
        refused.at = start + TimeDelta::milliseconds(10);
        log.push(key, refused);
        assert_eq!(log.statuses(key.key_id), [401, 500, 429]);

        let mut roomy = PendingLog::new(4);
        for (n, status) in (0..).zip(statuses) {
            let mut request = request(status);
            request.at = start + TimeDelta::milliseconds(n);
            roomy.push(key, request);
        }
        assert_eq!(roomy.statuses(key.key_id), [401, 500, 203, 204]);
    }

    #[test]
    fn the_per_flush_cap_is_the_smaller_of_the_log_cap_and_the_sample_size() {
        assert_eq!(PendingLog::new(10).per_flush, 10);
        assert_eq!(PendingLog::new(1_000_000).per_flush, ROWS_PER_FLUSH);
        assert_eq!(PendingLog::new(0).per_flush, 1);
    }

    #[test]
    fn a_failed_batch_goes_back_before_newer_requests_within_the_cap() {
        let mut log = PendingLog::new(3);
        let key = subject();
        log.push(key, request(200));
        log.push(key, request(201));
        log.push(key, request(404));
        let failed = std::mem::replace(&mut log, PendingLog::new(3));
        log.push(key, request(202));
        log.push(key, request(203));
        log.merge_older(failed);
        assert_eq!(log.statuses(key.key_id), [404, 202, 203]);
        assert_eq!(log.held(), 4, "successes 201, 202, 203 and the 404");
    }

    #[test]
    fn the_pending_log_is_bounded_in_all() {
        let mut log = PendingLog::new(10);
        for _ in 0..MAX_PENDING / 10 + 1 {
            let key = subject();
            for _ in 0..10 {
                log.push(key, request(200));
            }
        }
        assert_eq!(log.held(), MAX_PENDING);
    }
}
