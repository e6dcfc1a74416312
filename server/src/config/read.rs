//! Reading single variables: numbers, bounds and the errors that name the variable.

use std::{num::NonZeroU32, time::Duration};

use app::ssr::{
    rate_limit::RateLimitSettings, services::request_log::RequestLogLimits, state::SessionSettings,
};

use super::ConfigError;

/// Upper bound for session lifetimes (30 days), which also keeps the arithmetic small.
pub(super) const MAX_SESSION_HOURS: u64 = 24 * 30;

pub(super) fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

pub(super) fn parse_number<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse()
            .map_err(|_| invalid(name, format!("`{value}` is not a number"))),
    }
}

pub(super) fn non_zero(name: &'static str, value: u32) -> Result<NonZeroU32, ConfigError> {
    NonZeroU32::new(value).ok_or_else(|| invalid(name, "must be at least 1"))
}

/// `[a-z][a-z0-9]{1,9}`: keys look like `<prefix>_live_…`.
pub fn validate_key_prefix(prefix: &str) -> Result<(), ConfigError> {
    let mut chars = prefix.chars();
    let valid = (2..=10).contains(&prefix.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(invalid(
            "KEYWARD_KEY_PREFIX",
            "must match [a-z][a-z0-9]{1,9}",
        ))
    }
}

/// `/v1` quotas: requests per plan per window, and failed verifications per address.
pub(super) fn rate_limit_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<RateLimitSettings, ConfigError> {
    let defaults = RateLimitSettings::default();
    let requests = |name: &'static str, default: NonZeroU32| {
        parse_number(lookup, name, default.get()).and_then(|value| non_zero(name, value))
    };
    let window_seconds: u64 = parse_number(
        lookup,
        "KEYWARD_RATE_LIMIT_WINDOW_SECONDS",
        defaults.window.as_secs(),
    )?;
    if !(1..=86_400).contains(&window_seconds) {
        return Err(invalid(
            "KEYWARD_RATE_LIMIT_WINDOW_SECONDS",
            "must be 1 to 86400 seconds",
        ));
    }
    Ok(RateLimitSettings {
        professional: requests("KEYWARD_RATE_LIMIT_PROFESSIONAL", defaults.professional)?,
        business: requests("KEYWARD_RATE_LIMIT_BUSINESS", defaults.business)?,
        enterprise: requests("KEYWARD_RATE_LIMIT_ENTERPRISE", defaults.enterprise)?,
        window: Duration::from_secs(window_seconds),
        failed_verifications_per_minute: requests(
            "KEYWARD_FAILED_KEYS_PER_IP_PER_MINUTE",
            defaults.failed_verifications_per_minute,
        )?,
        leak_reports_per_minute: requests(
            "KEYWARD_LEAK_REPORTS_PER_IP_PER_MINUTE",
            defaults.leak_reports_per_minute,
        )?,
    })
}

/// How long each key's request log is kept, and how many requests at most per key.
pub(super) fn request_log_limits(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<RequestLogLimits, ConfigError> {
    let defaults = RequestLogLimits::default();
    let retention_days: u32 = parse_number(
        lookup,
        "KEYWARD_REQUEST_LOG_RETENTION_DAYS",
        defaults.retention_days,
    )?;
    if !(1..=365).contains(&retention_days) {
        return Err(invalid(
            "KEYWARD_REQUEST_LOG_RETENTION_DAYS",
            "must be 1 to 365 days",
        ));
    }
    let rows_per_key: u32 = parse_number(
        lookup,
        "KEYWARD_REQUEST_LOG_ROWS_PER_KEY",
        defaults.rows_per_key,
    )?;
    if !(10..=1_000_000).contains(&rows_per_key) {
        return Err(invalid(
            "KEYWARD_REQUEST_LOG_ROWS_PER_KEY",
            "must be 10 to 1000000",
        ));
    }
    Ok(RequestLogLimits {
        retention_days,
        rows_per_key,
    })
}

/// Idle and absolute lifetimes, and how often an active session's expiry is extended.
pub(super) fn session_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<SessionSettings, ConfigError> {
    let idle_minutes: u64 = parse_number(lookup, "KEYWARD_SESSION_IDLE_MINUTES", 60)?;
    let absolute_hours: u64 = parse_number(lookup, "KEYWARD_SESSION_ABSOLUTE_HOURS", 12)?;
    if !(1..=MAX_SESSION_HOURS * 60).contains(&idle_minutes) {
        return Err(invalid(
            "KEYWARD_SESSION_IDLE_MINUTES",
            format!("must be 1 to {}", MAX_SESSION_HOURS * 60),
        ));
    }
    if !(1..=MAX_SESSION_HOURS).contains(&absolute_hours) {
        return Err(invalid(
            "KEYWARD_SESSION_ABSOLUTE_HOURS",
            format!("must be 1 to {MAX_SESSION_HOURS}"),
        ));
    }
    let absolute_seconds: u64 = parse_number(
        lookup,
        "KEYWARD_SESSION_ABSOLUTE_SECONDS",
        absolute_hours * 3600,
    )?;
    if !(1..=MAX_SESSION_HOURS * 3600).contains(&absolute_seconds) {
        return Err(invalid("KEYWARD_SESSION_ABSOLUTE_SECONDS", "out of range"));
    }
    let extend_seconds: u64 = parse_number(lookup, "KEYWARD_SESSION_EXTEND_SECONDS", 60)?;
    if !(1..=3600).contains(&extend_seconds) {
        return Err(invalid(
            "KEYWARD_SESSION_EXTEND_SECONDS",
            "must be 1 to 3600 seconds",
        ));
    }
    Ok(SessionSettings {
        idle: Duration::from_secs(idle_minutes * 60),
        absolute: Duration::from_secs(absolute_seconds),
        // At most half the idle time, so an active session is always extended
        // well before it could lapse.
        extend_every: Duration::from_secs(extend_seconds.min(idle_minutes * 30)),
    })
}
