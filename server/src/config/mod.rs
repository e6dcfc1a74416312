//! Typed configuration from the environment (and `.env`). Secrets are `SecretString`s,
//! so `Debug` and logs show `[REDACTED]`.

mod pepper;
mod read;
#[cfg(test)]
mod tests;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use app::ssr::{
    auth::throttle::ThrottleSettings, key_cache::CacheSizes, mail::MailSettings,
    rate_limit::RateLimitSettings, services::request_log::RequestLogLimits, state::SessionSettings,
};
use secrecy::SecretString;
use url::Url;

pub use self::read::validate_key_prefix;
use self::{
    pepper::load_or_create_pepper_file,
    read::{
        invalid, non_zero, parse_number, rate_limit_settings, request_log_limits, session_settings,
    },
};
use crate::http::client_ip::TrustedProxies;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// The server-side secret mixed into every API key hash (HMAC key). Its version is
/// stored beside each hash so that a future rotation can tell old hashes from new;
/// today only one pepper is configured, and changing it invalidates existing keys.
#[derive(Debug, Clone)]
pub struct KeyPepper {
    pub secret: SecretString,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind_addr: SocketAddr,
    pub database_url: SecretString,
    pub environment: Environment,
    pub public_url: Option<Url>,
    /// SMTP for invitation e-mails (`KEYWARD_SMTP_URL`, `KEYWARD_SMTP_FROM`); `None`:
    /// the inviter is shown the link instead.
    pub mail: Option<MailSettings>,
    pub key_pepper: KeyPepper,
    pub key_prefix: String,
    pub sessions: SessionSettings,
    pub login_throttle: ThrottleSettings,
    /// Peers whose `X-Forwarded-For` is believed (our reverse proxies).
    pub trusted_proxies: TrustedProxies,
    /// How often counted `/v1` usage is written to the database.
    pub usage_flush_interval: Duration,
    /// Retention and cap of each key's request log.
    pub request_log: RequestLogLimits,
    /// How often the background detector looks for suspicious-activity signals.
    pub signal_scan_interval: Duration,
    /// How often the alert worker sends what is due.
    pub delivery_interval: Duration,
    /// Test-only: alerts may go to loopback and private addresses over plain http.
    /// Refused when `KEYWARD_ENV=production`.
    pub alerts_allow_private_targets: bool,
    pub key_cache: CacheSizes,
    /// Where `/metrics` is served (Prometheus text); `None`: not at all.
    pub metrics_addr: Option<SocketAddr>,
    pub rate_limits: RateLimitSettings,
    /// argon2 verifications that may run at once; the rest queue.
    pub password_hashing_threads: usize,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    pub site_pkg_dir: String,
    /// Run by `cargo leptos watch`, which rebuilds the bundle under a running server:
    /// the bundle is then served at its plain, revalidated addresses.
    pub bundle_rebuilt_while_serving: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{0} must be set when KEYWARD_ENV=production")]
    RequiredInProduction(&'static str),
    #[error(transparent)]
    Mail(#[from] app::ssr::mail::MailSettingsError),
    #[error("cannot use the pepper file {path}: {source}")]
    PepperFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Reads the process environment (after loading `.env`, if present).
    pub fn load() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let environment = match lookup("KEYWARD_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "KEYWARD_ENV",
                    format!("`{other}` is not development or production"),
                ));
            }
        };
        let bind_addr = lookup("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
            .parse()
            .map_err(|_| {
                invalid(
                    "LEPTOS_SITE_ADDR",
                    "expected host:port, e.g. 127.0.0.1:3000",
                )
            })?;
        let data_dir =
            PathBuf::from(lookup("KEYWARD_DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = match lookup("DATABASE_URL") {
            Some(url)
                if url.starts_with("postgres://")
                    || url.starts_with("postgresql://")
                    || url.starts_with("sqlite:") =>
            {
                url
            }
            Some(_) => {
                return Err(invalid(
                    "DATABASE_URL",
                    "expected a postgres:// or sqlite: URL",
                ));
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("keyward.db").display()
            ),
        };
        let public_url = lookup("KEYWARD_PUBLIC_URL")
            .map(|raw| {
                let url =
                    Url::parse(&raw).map_err(|e| invalid("KEYWARD_PUBLIC_URL", e.to_string()))?;
                if matches!(url.scheme(), "http" | "https") && url.host().is_some() {
                    Ok(url)
                } else {
                    Err(invalid("KEYWARD_PUBLIC_URL", "expected an http(s) URL"))
                }
            })
            .transpose()?;
        if environment == Environment::Production && public_url.is_none() {
            // The CSRF check compares against it; the Host header is client-controlled.
            return Err(ConfigError::RequiredInProduction("KEYWARD_PUBLIC_URL"));
        }
        let mail = lookup("KEYWARD_SMTP_URL")
            .map(|url| {
                MailSettings::parse(
                    &SecretString::from(url),
                    lookup("KEYWARD_SMTP_FROM").as_deref(),
                    public_url.as_ref(),
                )
            })
            .transpose()?;
        let site_pkg_dir = lookup("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".to_owned());
        if site_pkg_dir.trim_matches('/').is_empty() {
            return Err(invalid(
                "LEPTOS_SITE_PKG_DIR",
                "must name a directory under the site root",
            ));
        }
        let key_prefix = lookup("KEYWARD_KEY_PREFIX").unwrap_or_else(|| "kw".to_owned());
        validate_key_prefix(&key_prefix)?;

        let pepper_version: i32 = parse_number(&lookup, "KEYWARD_KEY_PEPPER_VERSION", 1)?;
        if pepper_version < 1 {
            return Err(invalid("KEYWARD_KEY_PEPPER_VERSION", "must be at least 1"));
        }
        let pepper_secret = match lookup("KEYWARD_KEY_PEPPER") {
            Some(secret) if secret.len() >= 32 => SecretString::from(secret),
            Some(_) => {
                return Err(invalid(
                    "KEYWARD_KEY_PEPPER",
                    "must be at least 32 characters",
                ));
            }
            None if environment == Environment::Production => {
                return Err(ConfigError::RequiredInProduction("KEYWARD_KEY_PEPPER"));
            }
            None => load_or_create_pepper_file(&data_dir.join("pepper"))?,
        };

        let sessions = session_settings(&lookup)?;
        let trusted_proxies =
            TrustedProxies::parse(&lookup("KEYWARD_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|err| invalid("KEYWARD_TRUSTED_PROXIES", err.to_string()))?;
        let per_account: u32 = parse_number(&lookup, "KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT", 10)?;
        let per_ip: u32 = parse_number(&lookup, "KEYWARD_LOGIN_ATTEMPTS_PER_IP", 50)?;
        let usage_flush_ms: u64 = parse_number(&lookup, "KEYWARD_USAGE_FLUSH_MS", 5_000)?;
        if !(100..=300_000).contains(&usage_flush_ms) {
            return Err(invalid(
                "KEYWARD_USAGE_FLUSH_MS",
                "must be 100 to 300000 milliseconds",
            ));
        }
        let signal_scan_secs: u64 = parse_number(&lookup, "KEYWARD_SIGNAL_SCAN_SECS", 60)?;
        if !(1..=3_600).contains(&signal_scan_secs) {
            return Err(invalid(
                "KEYWARD_SIGNAL_SCAN_SECS",
                "must be 1 to 3600 seconds",
            ));
        }
        let delivery_ms: u64 = parse_number(&lookup, "KEYWARD_ALERT_DELIVERY_MS", 1_000)?;
        if !(50..=3_600_000).contains(&delivery_ms) {
            return Err(invalid(
                "KEYWARD_ALERT_DELIVERY_MS",
                "must be 50 to 3600000 milliseconds",
            ));
        }
        let alerts_allow_private_targets =
            match lookup("KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS").as_deref() {
                None | Some("false") => false,
                Some("true") if environment == Environment::Production => {
                    return Err(invalid(
                        "KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS",
                        "is for tests only and refused when KEYWARD_ENV=production",
                    ));
                }
                Some("true") => true,
                Some(_) => {
                    return Err(invalid(
                        "KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS",
                        "must be true or false",
                    ));
                }
            };
        let key_cache = CacheSizes {
            known: parse_number(
                &lookup,
                "KEYWARD_KEY_CACHE_ENTRIES",
                CacheSizes::default().known,
            )?,
            unknown: parse_number(
                &lookup,
                "KEYWARD_UNKNOWN_KEY_CACHE_ENTRIES",
                CacheSizes::default().unknown,
            )?,
        };
        let rate_limits = rate_limit_settings(&lookup)?;
        let request_log = request_log_limits(&lookup)?;
        let password_hashing_threads = parse_number(
            &lookup,
            "KEYWARD_PASSWORD_HASHING_THREADS",
            default_hashing_threads(),
        )?;
        if !(1..=64).contains(&password_hashing_threads) {
            return Err(invalid(
                "KEYWARD_PASSWORD_HASHING_THREADS",
                "must be 1 to 64",
            ));
        }
        let metrics_addr = lookup("KEYWARD_METRICS_ADDR")
            .map(|raw| {
                raw.parse().map_err(|_| {
                    invalid(
                        "KEYWARD_METRICS_ADDR",
                        "expected host:port, e.g. 127.0.0.1:9100",
                    )
                })
            })
            .transpose()?;

        Ok(Self {
            bind_addr,
            database_url: SecretString::from(database_url),
            environment,
            public_url,
            mail,
            key_pepper: KeyPepper {
                secret: pepper_secret,
                version: pepper_version,
            },
            key_prefix,
            sessions,
            login_throttle: ThrottleSettings {
                attempts_per_account: non_zero("KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT", per_account)?,
                attempts_per_ip: non_zero("KEYWARD_LOGIN_ATTEMPTS_PER_IP", per_ip)?,
                window: Duration::from_secs(15 * 60),
            },
            trusted_proxies,
            usage_flush_interval: Duration::from_millis(usage_flush_ms),
            request_log,
            signal_scan_interval: Duration::from_secs(signal_scan_secs),
            delivery_interval: Duration::from_millis(delivery_ms),
            alerts_allow_private_targets,
            key_cache,
            metrics_addr,
            rate_limits,
            password_hashing_threads,
            data_dir,
            site_root: PathBuf::from(
                lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            ),
            site_pkg_dir,
            bundle_rebuilt_while_serving: lookup("LEPTOS_WATCH").is_some(),
        })
    }

    /// Cookies get `Secure` and the `__Host-` prefix only where https is in use:
    /// plain http on 127.0.0.1 could not send them back.
    pub fn uses_https(&self) -> bool {
        self.environment == Environment::Production
            || self
                .public_url
                .as_ref()
                .is_some_and(|url| url.scheme() == "https")
    }

    /// The address people should open, for messages such as the setup link.
    pub fn public_base_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None if bound.ip().is_unspecified() => format!("http://127.0.0.1:{}", bound.port()),
            None => format!("http://{bound}"),
        }
    }
}

/// Half the cores, at least one: a burst of sign-ins (argon2, 19 MiB and tens of
/// milliseconds each) then leaves the other half to `/v1` (benchmark 4 in
/// docs/PERFORMANCE.md measured both settings).
fn default_hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
}
