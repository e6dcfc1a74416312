//! The cache of verified keys: a known key costs no database round trip, a flood of
//! made-up keys costs one each at most per change anywhere, and correctness never rests
//! on a time-to-live (see [`generations`] and [`feed`]).

pub mod feed;
pub mod generations;
pub mod record;

use std::sync::Arc;

use moka::future::Cache;
use sea_orm::{DatabaseConnection, DbErr};

use self::{
    feed::{Feed, Invalidator},
    generations::{Generations, OrgGeneration},
    record::KeySnapshot,
};
use crate::ssr::keys::hash::KEY_HASH_BYTES;

pub type KeyHash = [u8; KEY_HASH_BYTES];

/// Bounds of the cache, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct CacheSizes {
    /// Keys (found, including revoked and expired ones, which are final).
    pub known: u64,
    /// Hashes no key has, remembered so a flood of well-formed fakes stays off the database.
    pub unknown: u64,
}

impl Default for CacheSizes {
    fn default() -> Self {
        CacheSizes {
            known: 100_000,
            unknown: 100_000,
        }
    }
}

/// How long a "no such key" is remembered at most (any change anywhere forgets it sooner).
const UNKNOWN_FOR: std::time::Duration = std::time::Duration::from_secs(60);
/// Idle snapshots leave the cache after this; they would be reloaded on the next use.
const IDLE_FOR: std::time::Duration = std::time::Duration::from_secs(600);
/// Loads that keep racing changes give up caching and answer from one direct read.
const LOAD_ATTEMPTS: usize = 3;

#[derive(Debug)]
struct Cached {
    snapshot: Arc<KeySnapshot>,
    loaded_at: u64,
    org: OrgGeneration,
}

#[derive(Debug, Clone)]
enum Miss {
    NoSuchKey { loaded_at: u64 },
    Database(DbErr),
}

/// Counters for metrics and the benchmark.
#[derive(Debug, Default)]
pub struct CacheCounters {
    pub hits: std::sync::atomic::AtomicU64,
    pub loads: std::sync::atomic::AtomicU64,
    pub bypasses: std::sync::atomic::AtomicU64,
}

/// The caches' keys are HMACs under the pepper: uniformly random and beyond a client's
/// choosing, so a fast non-cryptographic hasher is safe where SipHash only cost time on
/// every `/v1` request.
type FastHash = foldhash::fast::RandomState;

/// Shared by every `/v1` request; cheap to clone.
#[derive(Clone)]
pub struct VerifiedKeys {
    known: Cache<KeyHash, Arc<Cached>, FastHash>,
    unknown: moka::sync::Cache<KeyHash, u64, FastHash>,
    generations: Arc<Generations>,
    pub counters: Arc<CacheCounters>,
}

impl VerifiedKeys {
    pub fn new(sizes: CacheSizes) -> Self {
        VerifiedKeys {
            known: Cache::builder()
                .max_capacity(sizes.known)
                .time_to_idle(IDLE_FOR)
                .build_with_hasher(FastHash::default()),
            unknown: moka::sync::Cache::builder()
                .max_capacity(sizes.unknown)
                .time_to_live(UNKNOWN_FOR)
                .build_with_hasher(FastHash::default()),
            generations: Arc::default(),
            counters: Arc::default(),
        }
    }

    /// The handle services use to void snapshots after their changes commit.
    pub fn invalidator(&self) -> Invalidator {
        Invalidator::attached(self.generations.clone())
    }

    /// Starts the change feed for this database (notify on PostgreSQL, poll on SQLite).
    /// Until it has proven itself, every lookup reads the database.
    pub fn start_feed(&self, db: DatabaseConnection) -> Feed {
        feed::spawn(db, self.generations.clone())
    }

    /// Whether the feed is currently proven (the cache is in use).
    pub fn trusted(&self) -> bool {
        self.generations.trusted()
    }

    /// Changes applied so far (local and from the feed), for metrics.
    pub fn changes_seen(&self) -> u64 {
        self.generations.current()
    }

    /// Entries held, for metrics and the memory benchmark.
    pub fn entry_counts(&self) -> (u64, u64) {
        (self.known.entry_count(), self.unknown.entry_count())
    }

    /// The answer the cache can give without the database: `Some(None)` for a hash known
    /// to match no key, `Some(Some(_))` for a current snapshot, `None` when only a lookup
    /// can tell.
    pub async fn peek(&self, hash: &KeyHash) -> Option<Option<Arc<KeySnapshot>>> {
        if !self.generations.trusted() {
            return None;
        }
        // Known keys first: they are the traffic that matters.
        if let Some(cached) = self.known.get(hash).await {
            if !self.generations.is_current(cached.loaded_at, &cached.org) {
                return None;
            }
            self.counters
                .hits
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Some(Some(cached.snapshot.clone()));
        }
        let loaded_at = self.unknown.get(hash)?;
        if !self.generations.nothing_changed_since(loaded_at) {
            return None;
        }
        self.counters
            .hits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(None)
    }

    /// Whether a key with this hash was found before (current or not). Only found keys
    /// enter this part of the cache, so a forged hash never passes this test: while the
    /// feed is not trusted, a known key may still be looked up from an address whose
    /// failed-verification budget is spent (it shares a NAT with a flood, say).
    pub fn holds(&self, hash: &KeyHash) -> bool {
        self.known.contains_key(hash)
    }

    /// The key with this keyed hash as the database knows it now (or knew it at most
    /// [`feed::TRUST_WINDOW`] ago, should the feed have broken silently).
    pub async fn lookup(
        &self,
        db: &DatabaseConnection,
        hash: &KeyHash,
    ) -> Result<Option<Arc<KeySnapshot>>, DbErr> {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.generations.trusted() {
            self.counters.bypasses.fetch_add(1, Relaxed);
            return Ok(record::load(db, hash).await?.map(Arc::new));
        }
        if let Some(loaded_at) = self.unknown.get(hash) {
            if self.generations.nothing_changed_since(loaded_at) {
                self.counters.hits.fetch_add(1, Relaxed);
                return Ok(None);
            }
            self.unknown.invalidate(hash);
        }
        for _ in 0..LOAD_ATTEMPTS {
            let found = self.known.try_get_with(*hash, self.load(db, hash)).await;
            match found {
                Ok(cached) if self.generations.is_current(cached.loaded_at, &cached.org) => {
                    self.counters.hits.fetch_add(1, Relaxed);
                    return Ok(Some(cached.snapshot.clone()));
                }
                Ok(_) => self.known.invalidate(hash).await,
                Err(miss) => {
                    return match miss.as_ref() {
                        Miss::NoSuchKey { loaded_at } => {
                            self.unknown.insert(*hash, *loaded_at);
                            Ok(None)
                        }
                        Miss::Database(err) => Err(err.clone()),
                    };
                }
            }
        }
        self.counters.bypasses.fetch_add(1, Relaxed);
        Ok(record::load(db, hash).await?.map(Arc::new))
    }

    /// One load, shared by concurrent misses of the same key.
    async fn load(&self, db: &DatabaseConnection, hash: &KeyHash) -> Result<Arc<Cached>, Miss> {
        self.counters
            .loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let loaded_at = self.generations.current();
        match record::load(db, hash).await {
            Ok(Some(snapshot)) => Ok(Arc::new(Cached {
                org: self.generations.of_org(snapshot.organization.id),
                snapshot: Arc::new(snapshot),
                loaded_at,
            })),
            Ok(None) => Err(Miss::NoSuchKey { loaded_at }),
            Err(err) => Err(Miss::Database(err)),
        }
    }
}
