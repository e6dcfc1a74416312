//! Typed configuration from the environment (and `.env`). Secrets are `SecretString`s,
//! so `Debug` and logs show `[REDACTED]`.

use std::{
    fs,
    io::Write,
    net::SocketAddr,
    num::NonZeroU32,
    path::{Path, PathBuf},
    time::Duration,
};

use app::ssr::{
    auth::throttle::ThrottleSettings, key_cache::CacheSizes, rate_limit::RateLimitSettings,
    state::SessionSettings,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::SecretString;
use url::Url;

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
    pub key_pepper: KeyPepper,
    pub key_prefix: String,
    pub sessions: SessionSettings,
    pub login_throttle: ThrottleSettings,
    /// Peers whose `X-Forwarded-For` is believed (our reverse proxies).
    pub trusted_proxies: TrustedProxies,
    /// How often counted `/v1` usage is written to the database.
    pub usage_flush_interval: Duration,
    pub key_cache: CacheSizes,
    /// Where `/metrics` is served (Prometheus text); `None`: not at all.
    pub metrics_addr: Option<SocketAddr>,
    pub rate_limits: RateLimitSettings,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    pub site_pkg_dir: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{0} must be set when KEYWARD_ENV=production")]
    RequiredInProduction(&'static str),
    #[error("cannot use the pepper file {path}: {source}")]
    PepperFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Upper bound for session lifetimes (30 days), which also keeps the arithmetic small.
const MAX_SESSION_HOURS: u64 = 24 * 30;

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

fn parse_number<T: std::str::FromStr>(
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

fn non_zero(name: &'static str, value: u32) -> Result<NonZeroU32, ConfigError> {
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

        let idle_minutes: u64 = parse_number(&lookup, "KEYWARD_SESSION_IDLE_MINUTES", 60)?;
        let absolute_hours: u64 = parse_number(&lookup, "KEYWARD_SESSION_ABSOLUTE_HOURS", 12)?;
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
            &lookup,
            "KEYWARD_SESSION_ABSOLUTE_SECONDS",
            absolute_hours * 3600,
        )?;
        if !(1..=MAX_SESSION_HOURS * 3600).contains(&absolute_seconds) {
            return Err(invalid("KEYWARD_SESSION_ABSOLUTE_SECONDS", "out of range"));
        }
        let extend_seconds: u64 = parse_number(&lookup, "KEYWARD_SESSION_EXTEND_SECONDS", 60)?;
        if !(1..=3600).contains(&extend_seconds) {
            return Err(invalid(
                "KEYWARD_SESSION_EXTEND_SECONDS",
                "must be 1 to 3600 seconds",
            ));
        }
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
            key_pepper: KeyPepper {
                secret: pepper_secret,
                version: pepper_version,
            },
            key_prefix,
            sessions: SessionSettings {
                idle: Duration::from_secs(idle_minutes * 60),
                absolute: Duration::from_secs(absolute_seconds),
                // At most half the idle time, so an active session is always extended
                // well before it could lapse.
                extend_every: Duration::from_secs(extend_seconds.min(idle_minutes * 30)),
            },
            login_throttle: ThrottleSettings {
                attempts_per_account: non_zero("KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT", per_account)?,
                attempts_per_ip: non_zero("KEYWARD_LOGIN_ATTEMPTS_PER_IP", per_ip)?,
                window: Duration::from_secs(15 * 60),
            },
            trusted_proxies,
            usage_flush_interval: Duration::from_millis(usage_flush_ms),
            key_cache,
            metrics_addr,
            rate_limits,
            data_dir,
            site_root: PathBuf::from(
                lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            ),
            site_pkg_dir: lookup("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".to_owned()),
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

/// `/v1` quotas: requests per plan per window, and failed verifications per address.
fn rate_limit_settings(
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
    })
}

/// Development convenience: a pepper generated once into `data/pepper` (mode 0600),
/// so the server and the CLI agree on it across restarts.
fn load_or_create_pepper_file(path: &Path) -> Result<SecretString, ConfigError> {
    let io_error = |source| ConfigError::PepperFile {
        path: path.to_owned(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(existing) => {
            let existing = existing.trim().to_owned();
            // Never regenerate over an existing file: that would orphan every stored key.
            if existing.len() < 32 {
                return Err(io_error(std::io::Error::other(
                    "the file holds fewer than 32 characters",
                )));
            }
            return Ok(SecretString::from(existing));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(io_error(err)),
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error)?;
    }
    let bytes: [u8; 32] = rand::random();
    let pepper = URL_SAFE_NO_PAD.encode(bytes);
    let mut options = fs::OpenOptions::new();
    // create_new: if the server and the CLI race on first start, one creates the file
    // and the other reads it.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return load_or_create_pepper_file(path);
        }
        Err(err) => return Err(io_error(err)),
    };
    file.write_all(pepper.as_bytes()).map_err(io_error)?;
    tracing::warn!(
        path = %path.display(),
        "KEYWARD_KEY_PEPPER is not set: generated a key pepper into this file. Set KEYWARD_KEY_PEPPER in production."
    );
    Ok(SecretString::from(pepper))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |name| map.get(name).cloned())
    }

    const PEPPER: (&str, &str) = ("KEYWARD_KEY_PEPPER", "0123456789abcdef0123456789abcdef");

    #[test]
    fn defaults_serve_sqlite_on_localhost_3000() {
        let config = config_from(&[PEPPER]).unwrap();
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&config.database_url),
            "sqlite://data/keyward.db?mode=rwc"
        );
        assert_eq!(config.key_prefix, "kw");
        assert!(!config.uses_https());
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let config = config_from(&[
            PEPPER,
            ("DATABASE_URL", "postgres://app:hunter2secret@db/keyward"),
        ])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2secret"));
        assert!(!printed.contains(PEPPER.1));
    }

    #[test]
    fn production_requires_a_public_url_and_a_pepper() {
        let err = config_from(&[("KEYWARD_ENV", "production")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::RequiredInProduction("KEYWARD_PUBLIC_URL")
        ));
        let err = config_from(&[
            ("KEYWARD_ENV", "production"),
            ("KEYWARD_PUBLIC_URL", "https://k.example.com"),
        ])
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::RequiredInProduction("KEYWARD_KEY_PEPPER")
        ));
    }

    #[test]
    fn session_lifetimes_are_bounded() {
        assert!(config_from(&[PEPPER, ("KEYWARD_SESSION_IDLE_MINUTES", "0")]).is_err());
        assert!(
            config_from(&[
                PEPPER,
                ("KEYWARD_SESSION_ABSOLUTE_HOURS", "18446744073709551615")
            ])
            .is_err()
        );
        assert!(config_from(&[PEPPER, ("KEYWARD_SESSION_ABSOLUTE_HOURS", "24")]).is_ok());
    }

    #[test]
    fn trusted_proxies_are_empty_by_default_and_a_bad_entry_stops_the_start() {
        assert!(config_from(&[PEPPER]).unwrap().trusted_proxies.is_empty());
        let config = config_from(&[PEPPER, ("KEYWARD_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]);
        assert!(!config.unwrap().trusted_proxies.is_empty());
        let err =
            config_from(&[PEPPER, ("KEYWARD_TRUSTED_PROXIES", "10.0.0.0/8, proxy")]).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    name: "KEYWARD_TRUSTED_PROXIES",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn the_session_extension_interval_stays_below_half_the_idle_time() {
        let config = config_from(&[PEPPER]).unwrap();
        assert_eq!(config.sessions.extend_every, Duration::from_secs(60));
        let config = config_from(&[
            PEPPER,
            ("KEYWARD_SESSION_IDLE_MINUTES", "1"),
            ("KEYWARD_SESSION_EXTEND_SECONDS", "600"),
        ])
        .unwrap();
        assert_eq!(config.sessions.extend_every, Duration::from_secs(30));
        assert!(config_from(&[PEPPER, ("KEYWARD_SESSION_EXTEND_SECONDS", "0")]).is_err());
    }

    #[test]
    fn a_short_pepper_file_is_an_error_not_silently_replaced() {
        let dir = std::env::temp_dir().join(format!("kw-pepper-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pepper");
        fs::write(&path, "short").unwrap();
        assert!(load_or_create_pepper_file(&path).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "short");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn https_public_url_turns_on_secure_cookies() {
        let config =
            config_from(&[PEPPER, ("KEYWARD_PUBLIC_URL", "https://keys.example.com")]).unwrap();
        assert!(config.uses_https());
    }

    #[test]
    fn key_prefixes_follow_the_documented_pattern() {
        for good in ["kw", "acme", "a1b2c3d4e5"] {
            assert!(validate_key_prefix(good).is_ok(), "{good}");
        }
        for bad in ["", "k", "1kw", "Kw", "kw_", "abcdefghijk"] {
            assert!(validate_key_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_generated_pepper_file_is_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("kw-pepper-{}", uuid::Uuid::new_v4()));
        let path = dir.join("pepper");
        let first = load_or_create_pepper_file(&path).unwrap();
        let second = load_or_create_pepper_file(&path).unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&first),
            secrecy::ExposeSecret::expose_secret(&second)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        fs::remove_dir_all(dir).unwrap();
    }
}
