//! How a cached verification result is known to be current, without a TTL.
//!
//! Every change that can alter what verification decides takes the next number of one
//! process-wide counter and records it against its organization (or against everything,
//! when the change feed was lost). A snapshot remembers the counter as it was *before*
//! its query ran; it is current while neither its organization nor "everything" has
//! changed since. A load that raced a change therefore never counts as current.
//!
//! The change feed (see `feed`) proves itself live periodically; while it has not done
//! so recently the cache is not trusted at all and every request reads the database.

use std::{
    collections::HashMap,
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering::SeqCst},
    },
    time::{Duration, Instant},
};

use uuid::Uuid;

/// The latest change of one organization, shared by every snapshot of its keys so a
/// hit costs two atomic loads and no lock.
pub type OrgGeneration = Arc<AtomicU64>;

#[derive(Debug)]
pub struct Generations {
    counter: AtomicU64,
    orgs: RwLock<HashMap<Uuid, OrgGeneration>>,
    everything: AtomicU64,
    /// Milliseconds after `origin` until which the feed has proven every earlier change
    /// delivered; 0 = not trusted.
    trusted_until_ms: AtomicU64,
    origin: Instant,
}

impl Default for Generations {
    fn default() -> Self {
        Generations {
            counter: AtomicU64::new(0),
            orgs: RwLock::default(),
            everything: AtomicU64::new(0),
            trusted_until_ms: AtomicU64::new(0),
            origin: Instant::now(),
        }
    }
}

impl Generations {
    /// Taken before a load: the snapshot is current only if nothing changes after this.
    pub fn current(&self) -> u64 {
        self.counter.load(SeqCst)
    }

    pub fn of_org(&self, org_id: Uuid) -> OrgGeneration {
        if let Some(generation) = self
            .orgs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&org_id)
        {
            return generation.clone();
        }
        self.orgs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(org_id)
            .or_default()
            .clone()
    }

    pub fn org_changed(&self, org_id: Uuid) {
        let number = self.counter.fetch_add(1, SeqCst) + 1;
        self.of_org(org_id).fetch_max(number, SeqCst);
    }

    /// Voids every snapshot loaded so far (the feed lost messages, or a change names no
    /// organization).
    pub fn everything_changed(&self) {
        let number = self.counter.fetch_add(1, SeqCst) + 1;
        self.everything.fetch_max(number, SeqCst);
    }

    /// True while nothing that concerns `org` has changed since `loaded_at`.
    pub fn is_current(&self, loaded_at: u64, org: &AtomicU64) -> bool {
        org.load(SeqCst) <= loaded_at && self.everything.load(SeqCst) <= loaded_at
    }

    /// True while nothing at all has changed since `loaded_at` (for "no such key":
    /// any new key anywhere could be the one).
    pub fn nothing_changed_since(&self, loaded_at: u64) -> bool {
        self.current() == loaded_at
    }

    /// A monotonic clock in milliseconds, for proofs that travel through the database.
    pub fn now_millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The feed proved, at `proven_at_ms` (see [`Self::now_millis`]), that every change
    /// committed before then has been applied: trust the cache for `window` after it.
    pub fn proven_at(&self, proven_at_ms: u64, window: Duration) {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        self.trusted_until_ms
            .fetch_max(proven_at_ms.saturating_add(window_ms), SeqCst);
    }

    /// Stops trusting the cache until the feed proves itself again.
    pub fn distrust(&self) {
        self.trusted_until_ms.store(0, SeqCst);
    }

    pub fn trusted(&self) -> bool {
        self.now_millis() < self.trusted_until_ms.load(SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_to_the_organization_voids_snapshots_loaded_before_it() {
        let generations = Generations::default();
        let org = Uuid::new_v4();
        let cell = generations.of_org(org);
        let loaded_at = generations.current();
        assert!(generations.is_current(loaded_at, &cell));
        generations.org_changed(org);
        assert!(!generations.is_current(loaded_at, &cell));
        assert!(generations.is_current(generations.current(), &cell));
    }

    #[test]
    fn a_change_to_another_organization_leaves_snapshots_current() {
        let generations = Generations::default();
        let cell = generations.of_org(Uuid::new_v4());
        let loaded_at = generations.current();
        generations.org_changed(Uuid::new_v4());
        assert!(generations.is_current(loaded_at, &cell));
        assert!(!generations.nothing_changed_since(loaded_at));
    }

    #[test]
    fn losing_the_feed_voids_every_snapshot() {
        let generations = Generations::default();
        let cell = generations.of_org(Uuid::new_v4());
        let loaded_at = generations.current();
        generations.everything_changed();
        assert!(!generations.is_current(loaded_at, &cell));
    }

    #[test]
    fn trust_lapses_and_can_be_withdrawn() {
        let generations = Generations::default();
        assert!(!generations.trusted());
        generations.proven_at(generations.now_millis(), Duration::from_secs(60));
        assert!(generations.trusted());
        generations.distrust();
        assert!(!generations.trusted());
        generations.proven_at(generations.now_millis(), Duration::ZERO);
        assert!(!generations.trusted());
    }
}
