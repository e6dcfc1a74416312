//! Prometheus metrics (`GET /metrics`, text format) on an address of their own,
//! `KEYWARD_METRICS_ADDR` (off by default), never on the public listener.
//!
//! Counters and histograms are recorded where things happen (`/v1` guard, usage
//! flusher); state that already lives in memory (cache sizes and counters, the change
//! feed's health, usage not yet written) is read at scrape time.

use std::{
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

use app::ssr::{key_cache::VerifiedKeys, services::usage::UsageMeter};
use axum::{Router, extract::State, http::StatusCode, routing::get};
use metrics::{Counter, Histogram, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

/// `/v1` answers by route template and status.
pub const V1_REQUESTS: &str = "keyward_v1_requests_total";
/// Time to authenticate a `/v1` request (parse, hash, cache or database, decision).
pub const V1_VERIFICATION_SECONDS: &str = "keyward_v1_verification_seconds";
/// 429s, by reason: `quota` (key or organization), `failed_keys` (per address) or
/// `leak_reports` (per address).
pub const V1_RATE_LIMITED: &str = "keyward_v1_rate_limited_total";
/// Keys refused, by reason (malformed, unknown, revoked, expired, …).
pub const V1_REFUSED_KEYS: &str = "keyward_v1_refused_keys_total";
/// Leak reports accepted (`POST /v1/leaks`, within the address's limit and well-formed).
pub const LEAK_REPORTS: &str = "keyward_leak_reports_total";
/// Keys revoked because a leak report held them.
pub const LEAKED_KEYS_REVOKED: &str = "keyward_leaked_keys_revoked_total";

/// The statuses `/v1` sends, each a static label (others are counted too, allocating).
const COUNTED_STATUSES: [(u16, &str); 15] = [
    (200, "200"),
    (201, "201"),
    (204, "204"),
    (400, "400"),
    (401, "401"),
    (403, "403"),
    (404, "404"),
    (405, "405"),
    (409, "409"),
    (413, "413"),
    (415, "415"),
    (422, "422"),
    (429, "429"),
    (500, "500"),
    (503, "503"),
];

/// [`V1_REQUESTS`] for one route, by status. Each handle is registered on its first
/// answer and kept: the `counter!` macro would build, hash and look up a labelled key
/// (with an allocation) on every request.
#[derive(Debug)]
pub struct AnswerCounter {
    route: SharedString,
    by_status: [OnceLock<Counter>; COUNTED_STATUSES.len()],
}

impl AnswerCounter {
    pub fn new(route: SharedString) -> Self {
        AnswerCounter {
            route,
            by_status: Default::default(),
        }
    }

    pub fn route(&self) -> &str {
        &self.route
    }

    pub fn count(&self, status: StatusCode) {
        let code = status.as_u16();
        let Some(index) = COUNTED_STATUSES
            .iter()
            .position(|(known, _)| *known == code)
        else {
            metrics::counter!(
                V1_REQUESTS,
                "route" => self.route.clone(),
                "status" => status.as_str().to_owned()
            )
            .increment(1);
            return;
        };
        self.by_status[index]
            .get_or_init(|| {
                metrics::counter!(
                    V1_REQUESTS,
                    "route" => self.route.clone(),
                    "status" => COUNTED_STATUSES[index].1
                )
            })
            .increment(1);
    }
}

/// [`V1_VERIFICATION_SECONDS`], registered once.
#[derive(Debug, Default)]
pub struct VerificationTimer(OnceLock<Histogram>);

impl VerificationTimer {
    /// The clock is read only when metrics are exported (`KEYWARD_METRICS_ADDR`): with
    /// nothing to record into, timing every request would be work for nothing.
    pub fn start(&self) -> Option<Instant> {
        exporting().then(Instant::now)
    }

    pub fn record(&self, started: Option<Instant>) {
        if let Some(started) = started {
            self.0
                .get_or_init(|| metrics::histogram!(V1_VERIFICATION_SECONDS))
                .record(started.elapsed().as_secs_f64());
        }
    }
}

/// Whether `/metrics` is served by this process.
fn exporting() -> bool {
    matches!(RECORDER.get(), Some(Some(_)))
}

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (metrics are process-wide).
fn recorder() -> Option<PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(
                Matcher::Full(V1_VERIFICATION_SECONDS.to_owned()),
                &[
                    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05,
                    0.1, 0.25, 1.0,
                ],
            );
            match builder.and_then(PrometheusBuilder::install_recorder) {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::error!(%err, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .clone()
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    verified_keys: VerifiedKeys,
    usage: UsageMeter,
}

/// Binds `addr` and serves `/metrics` there until the process ends.
pub async fn serve(
    addr: SocketAddr,
    verified_keys: VerifiedKeys,
    usage: UsageMeter,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let Some(handle) = recorder() else {
        return Err(std::io::Error::other("no metrics recorder"));
    };
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    let router = Router::new()
        .route("/metrics", get(render))
        .with_state(Scrape {
            handle,
            verified_keys,
            usage,
        });
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(%err, "the metrics listener stopped");
        }
    });
    Ok(bound)
}

async fn render(State(scrape): State<Scrape>) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let cache = &scrape.verified_keys;
    let (known, unknown) = cache.entry_counts();
    metrics::gauge!("keyward_key_cache_entries", "kind" => "known").set(known as f64);
    metrics::gauge!("keyward_key_cache_entries", "kind" => "unknown").set(unknown as f64);
    metrics::counter!("keyward_key_cache_hits_total").absolute(cache.counters.hits.load(Relaxed));
    metrics::counter!("keyward_key_cache_loads_total").absolute(cache.counters.loads.load(Relaxed));
    metrics::counter!("keyward_key_cache_bypasses_total")
        .absolute(cache.counters.bypasses.load(Relaxed));
    metrics::counter!("keyward_key_cache_invalidations_total").absolute(cache.changes_seen());
    metrics::gauge!("keyward_key_feed_trusted").set(if cache.trusted() { 1.0 } else { 0.0 });
    metrics::gauge!("keyward_usage_pending_requests").set(scrape.usage.pending_requests() as f64);
    scrape.handle.render()
}
