//! `/v1` rate limits: per key and per organization from the plan, live and test traffic
//! counted apart, and a per-address limit on failed verifications that only ever applies
//! to lookups that would reach the database.
//!
//! Each server process holds its own buckets (see ARCHITECTURE "Scaling out").

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DashMapStateStore,
};
use uuid::Uuid;

use crate::{
    model::{Mode, Plan},
    ssr::auth::throttle::{network_of, quota_over},
};

/// Requests per window for each plan with API access (Starter has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub professional: NonZeroU32,
    pub business: NonZeroU32,
    pub enterprise: NonZeroU32,
    pub window: Duration,
    /// Failed verifications (unknown, revoked, expired keys) one client address may
    /// make per minute before its lookups stop reaching the database.
    pub failed_verifications_per_minute: NonZeroU32,
    /// Leak reports (`POST /v1/leaks`, no key) one client address may send per minute.
    pub leak_reports_per_minute: NonZeroU32,
}

/// The plan table's rate (`Plan::limits`), the default when none is configured.
fn plan_default(plan: Plan) -> NonZeroU32 {
    plan.limits()
        .requests_per_15_minutes
        .and_then(NonZeroU32::new)
        .unwrap_or(NonZeroU32::MIN)
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            professional: plan_default(Plan::Professional),
            business: plan_default(Plan::Business),
            enterprise: plan_default(Plan::Enterprise),
            window: Duration::from_secs(15 * 60),
            failed_verifications_per_minute: NonZeroU32::new(120).unwrap_or(NonZeroU32::MIN),
            leak_reports_per_minute: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
        }
    }
}

impl RateLimitSettings {
    /// The quota in force for `plan` (`None`: the plan has no API access).
    pub fn requests_for(&self, plan: Plan) -> Option<NonZeroU32> {
        match plan {
            Plan::Starter => None,
            Plan::Professional => Some(self.professional),
            Plan::Business => Some(self.business),
            Plan::Enterprise => Some(self.enterprise),
        }
    }
}

/// What the tightest bucket said, for the `RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the bucket is full again.
    pub reset_seconds: u64,
}

/// Refused: retry after this many whole seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    pub limit: u32,
    pub retry_after_seconds: u64,
}

/// The per-request buckets hash their keys with foldhash instead of SipHash: the keys
/// are ids of our own keys and organizations (looked up only after verification), so
/// nobody outside can choose them to flood one hash bucket, and SipHash was a measurable
/// part of each request.
type Limiter<K> = RateLimiter<
    K,
    DashMapStateStore<K, foldhash::fast::RandomState>,
    DefaultClock,
    StateInformationMiddleware,
>;

fn limiter<K: std::hash::Hash + Eq + Clone>(quota: Quota) -> Limiter<K> {
    RateLimiter::dashmap_with_hasher(quota, foldhash::fast::RandomState::default())
        .with_middleware()
}

struct PlanBuckets {
    limit: u32,
    per_key: Limiter<Uuid>,
    per_org: Limiter<(Uuid, Mode)>,
}

impl PlanBuckets {
    fn new(limit: NonZeroU32, window: Duration) -> Self {
        let quota = quota_over(limit, window);
        PlanBuckets {
            limit: limit.get(),
            per_key: limiter(quota),
            per_org: limiter(quota),
        }
    }
}

fn whole_seconds_at_least_one(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

pub struct ApiRateLimiter {
    settings: RateLimitSettings,
    professional: PlanBuckets,
    business: PlanBuckets,
    enterprise: PlanBuckets,
    failed_by_address: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses whose failure bucket ran dry (each entry lives until one cell refills).
    blocked: moka::sync::Cache<IpAddr, ()>,
    /// One audit event per key and window.
    audited: DefaultKeyedRateLimiter<Uuid>,
    leak_reports: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl ApiRateLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        let failures = settings.failed_verifications_per_minute;
        ApiRateLimiter {
            professional: PlanBuckets::new(settings.professional, settings.window),
            business: PlanBuckets::new(settings.business, settings.window),
            enterprise: PlanBuckets::new(settings.enterprise, settings.window),
            failed_by_address: RateLimiter::keyed(quota_over(failures, Duration::from_secs(60))),
            blocked: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(60) / failures.get())
                .build(),
            audited: RateLimiter::keyed(
                Quota::with_period(settings.window.max(Duration::from_millis(1)))
                    .unwrap_or_else(|| Quota::per_hour(NonZeroU32::MIN)),
            ),
            leak_reports: RateLimiter::keyed(quota_over(
                settings.leak_reports_per_minute,
                Duration::from_secs(60),
            )),
            clock: DefaultClock::default(),
            settings,
        }
    }

    pub fn settings(&self) -> &RateLimitSettings {
        &self.settings
    }

    fn buckets(&self, plan: Plan) -> Option<&PlanBuckets> {
        match plan {
            Plan::Starter => None,
            Plan::Professional => Some(&self.professional),
            Plan::Business => Some(&self.business),
            Plan::Enterprise => Some(&self.enterprise),
        }
    }

    /// Spends one request of the key's and of its organization's bucket (for the key's
    /// mode). `Ok(None)`: the plan has no quota to report.
    pub fn admit(
        &self,
        plan: Plan,
        key_id: Uuid,
        org_id: Uuid,
        mode: Mode,
    ) -> Result<Option<Allowance>, Exceeded> {
        let Some(buckets) = self.buckets(plan) else {
            return Ok(None);
        };
        let period = self.settings.window / buckets.limit;
        let exceeded = |not_until: governor::NotUntil<_>| Exceeded {
            limit: buckets.limit,
            retry_after_seconds: whole_seconds_at_least_one(
                not_until.wait_time_from(self.clock.now()),
            ),
        };
        let by_key = buckets.per_key.check_key(&key_id).map_err(exceeded)?;
        let by_org = buckets
            .per_org
            .check_key(&(org_id, mode))
            .map_err(exceeded)?;
        let remaining = by_key
            .remaining_burst_capacity()
            .min(by_org.remaining_burst_capacity());
        let spent = buckets.limit.saturating_sub(remaining);
        Ok(Some(Allowance {
            limit: buckets.limit,
            remaining,
            reset_seconds: whole_seconds_at_least_one(period * spent),
        }))
    }

    /// Whether lookups from this address that would reach the database are refused.
    pub fn address_blocked(&self, ip: Option<IpAddr>) -> Option<u64> {
        let ip = network_of(ip?);
        self.blocked.get(&ip).map(|()| {
            whole_seconds_at_least_one(
                Duration::from_secs(60) / self.settings.failed_verifications_per_minute.get(),
            )
        })
    }

    /// Counts a failed verification against the address.
    pub fn verification_failed(&self, ip: Option<IpAddr>) {
        let Some(ip) = ip.map(network_of) else {
            return;
        };
        if self.failed_by_address.check_key(&ip).is_err() {
            self.blocked.insert(ip, ());
        }
    }

    /// Spends one leak report of the address's budget; `Err`: whole seconds to wait.
    /// Requests without a known address share one budget.
    pub fn admit_leak_report(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        let address = ip.map_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), network_of);
        self.leak_reports.check_key(&address).map_err(|not_until| {
            whole_seconds_at_least_one(not_until.wait_time_from(self.clock.now()))
        })
    }

    /// True the first time a key is refused in a window (to audit it once).
    pub fn first_violation_in_window(&self, key_id: Uuid) -> bool {
        self.audited.check_key(&key_id).is_ok()
    }

    /// Forgets buckets that have refilled, so memory stays bounded.
    pub fn forget_idle(&self) {
        for buckets in [&self.professional, &self.business, &self.enterprise] {
            buckets.per_key.retain_recent();
            buckets.per_key.shrink_to_fit();
            buckets.per_org.retain_recent();
            buckets.per_org.shrink_to_fit();
        }
        self.audited.retain_recent();
        self.audited.shrink_to_fit();
        self.failed_by_address.retain_recent();
        self.failed_by_address.shrink_to_fit();
        self.leak_reports.retain_recent();
        self.leak_reports.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(limit: u32) -> RateLimitSettings {
        let limit = NonZeroU32::new(limit).expect("positive");
        RateLimitSettings {
            professional: limit,
            business: limit,
            enterprise: limit,
            window: Duration::from_secs(900),
            failed_verifications_per_minute: NonZeroU32::new(2).expect("positive"),
            leak_reports_per_minute: NonZeroU32::new(2).expect("positive"),
        }
    }

    #[test]
    fn a_key_gets_exactly_its_quota_then_a_retry_time() {
        let limiter = ApiRateLimiter::new(settings(3));
        let (key, org) = (Uuid::new_v4(), Uuid::new_v4());
        let remaining: Vec<u32> = (0..3)
            .map(|_| {
                limiter
                    .admit(Plan::Business, key, org, Mode::Live)
                    .expect("within quota")
                    .expect("a quota")
                    .remaining
            })
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter
            .admit(Plan::Business, key, org, Mode::Live)
            .expect_err("over quota");
        assert_eq!(refused.limit, 3);
        // One request comes back every 900 / 3 = 300 s.
        assert!((299..=300).contains(&refused.retry_after_seconds));
    }

    #[test]
    fn the_organization_bucket_is_shared_by_its_keys_but_not_across_modes() {
        let limiter = ApiRateLimiter::new(settings(2));
        let org = Uuid::new_v4();
        let admit = |mode| limiter.admit(Plan::Professional, Uuid::new_v4(), org, mode);
        assert!(admit(Mode::Live).is_ok());
        assert!(admit(Mode::Live).is_ok());
        assert!(admit(Mode::Live).is_err());
        assert!(admit(Mode::Test).is_ok());
    }

    #[test]
    fn starter_has_no_quota_to_spend() {
        let limiter = ApiRateLimiter::new(settings(1));
        let admitted = limiter.admit(Plan::Starter, Uuid::new_v4(), Uuid::new_v4(), Mode::Live);
        assert_eq!(admitted, Ok(None));
    }

    #[test]
    fn an_address_is_blocked_only_after_its_failures_run_out() {
        let limiter = ApiRateLimiter::new(settings(5));
        let ip = Some("203.0.113.7".parse().expect("an address"));
        let other = Some("203.0.113.8".parse().expect("an address"));
        limiter.verification_failed(ip);
        limiter.verification_failed(ip);
        assert_eq!(limiter.address_blocked(ip), None);
        limiter.verification_failed(ip);
        assert!(limiter.address_blocked(ip).is_some());
        assert_eq!(limiter.address_blocked(other), None);
    }

    #[test]
    fn leak_reports_are_limited_per_address_and_per_ipv6_network() {
        let limiter = ApiRateLimiter::new(settings(5));
        let ip = Some("203.0.113.7".parse().expect("an address"));
        assert_eq!(limiter.admit_leak_report(ip), Ok(()));
        assert_eq!(limiter.admit_leak_report(ip), Ok(()));
        let wait = limiter
            .admit_leak_report(ip)
            .expect_err("third report refused");
        assert!((1..=30).contains(&wait), "waits {wait} s");
        assert_eq!(
            limiter.admit_leak_report(Some("203.0.113.8".parse().expect("an address"))),
            Ok(())
        );
        let host = |last: &str| Some(format!("2001:db8::{last}").parse().expect("an address"));
        assert_eq!(limiter.admit_leak_report(host("1")), Ok(()));
        assert_eq!(limiter.admit_leak_report(host("2")), Ok(()));
        assert!(limiter.admit_leak_report(host("3")).is_err());
    }
}
