use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

/// How many sign-in attempts are allowed per window, per account and per client IP.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    pub attempts_per_account: NonZeroU32,
    pub attempts_per_ip: NonZeroU32,
    pub window: Duration,
}

/// Sign-in throttle: every attempt spends one cell of the account's bucket and one of
/// the IP's; cells refill evenly over the window. Keys are lowercased e-mails, so the
/// throttle holds whether or not the account exists.
pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

/// IPv6 clients usually hold a whole /64: throttling per address would hand an
/// attacker 2^64 buckets. An IPv4-mapped address (`::ffff:a.b.c.d`) is an IPv4 client:
/// taken as IPv6, every IPv4 client would fall into the one /64 `::/64`.
pub fn network_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        ip @ IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::from(segments)
        }
    }
}

/// `limit` cells per `window`, refilled evenly, the whole window's worth usable at once.
/// Shared by the sign-in throttle and the `/v1` rate limits.
pub fn quota_over(limit: NonZeroU32, window: Duration) -> Quota {
    let period = (window / limit.get()).max(Duration::from_nanos(1));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(limit))
        .allow_burst(limit)
}

impl LoginThrottle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Self {
            per_account: RateLimiter::keyed(quota_over(
                settings.attempts_per_account,
                settings.window,
            )),
            per_ip: RateLimiter::keyed(quota_over(settings.attempts_per_ip, settings.window)),
            clock: DefaultClock::default(),
        }
    }

    /// Spends one attempt of the client address's allowance; `Err(wait)` when it is
    /// used up. Checked before anything else about an attempt, so a flood from one
    /// address is refused before it costs any hashing.
    pub fn attempt_from(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let Some(ip) = ip.map(network_of) else {
            return Ok(());
        };
        self.per_ip
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Spends one attempt of the account's allowance; `Err(wait)` when it is used up.
    /// The caller bounds the e-mail's length: it becomes a map key.
    pub fn attempt_on(&self, normalized_email: &str) -> Result<(), Duration> {
        self.per_account
            .check_key(&normalized_email.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets buckets that have refilled, so memory stays bounded under a flood of
    /// made-up e-mails. Called periodically by the server.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_ip.retain_recent();
        self.per_account.shrink_to_fit();
        self.per_ip.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl LoginThrottle {
        /// Both allowances, the address's first, as sign-in spends them.
        fn attempt(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
            self.attempt_from(ip)?;
            self.attempt_on(email)
        }
    }

    fn settings(per_account: u32, per_ip: u32) -> ThrottleSettings {
        ThrottleSettings {
            attempts_per_account: NonZeroU32::new(per_account).unwrap(),
            attempts_per_ip: NonZeroU32::new(per_ip).unwrap(),
            window: Duration::from_secs(900),
        }
    }

    #[test]
    fn an_account_is_throttled_after_its_allowance_whatever_the_ip() {
        let throttle = LoginThrottle::new(settings(3, 100));
        for n in 0..3u8 {
            assert!(
                throttle
                    .attempt("a@example.com", Some(IpAddr::from([10, 0, 0, n])))
                    .is_ok()
            );
        }
        let wait = throttle
            .attempt("a@example.com", Some(IpAddr::from([10, 0, 0, 9])))
            .unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(300));
        assert!(
            throttle
                .attempt("b@example.com", Some(IpAddr::from([10, 0, 0, 9])))
                .is_ok()
        );
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_bucket() {
        let throttle = LoginThrottle::new(settings(100, 2));
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(throttle.attempt("a@example.com", Some(a)).is_ok());
        assert!(throttle.attempt("b@example.com", Some(b)).is_ok());
        assert!(throttle.attempt("c@example.com", Some(b)).is_err());
        assert!(throttle.attempt("c@example.com", Some(other)).is_ok());
    }

    #[test]
    fn ipv4_mapped_addresses_are_throttled_as_the_ipv4_clients_they_are() {
        let throttle = LoginThrottle::new(settings(100, 1));
        let a: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let b: IpAddr = "::ffff:198.51.100.1".parse().unwrap();
        assert!(throttle.attempt_from(Some(a)).is_ok());
        assert!(
            throttle.attempt_from(Some(b)).is_ok(),
            "two IPv4 clients, two buckets"
        );
        assert!(
            throttle
                .attempt_from(Some(IpAddr::from([192, 0, 2, 1])))
                .is_err(),
            "the mapped and the plain form are one client"
        );
    }

    #[test]
    fn an_ip_is_throttled_after_its_allowance_whatever_the_account() {
        let throttle = LoginThrottle::new(settings(100, 2));
        let ip = Some(IpAddr::from([192, 0, 2, 1]));
        assert!(throttle.attempt("a@example.com", ip).is_ok());
        assert!(throttle.attempt("b@example.com", ip).is_ok());
        assert!(throttle.attempt("c@example.com", ip).is_err());
        assert!(
            throttle
                .attempt("c@example.com", Some(IpAddr::from([192, 0, 2, 2])))
                .is_ok()
        );
    }
}
