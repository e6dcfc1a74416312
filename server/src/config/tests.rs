use super::{pepper::load_or_create_pepper_file, *};
use std::{collections::HashMap, fs};

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
    let err = config_from(&[PEPPER, ("KEYWARD_TRUSTED_PROXIES", "10.0.0.0/8, proxy")]).unwrap_err();
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

#[test]
fn password_hashing_leaves_cores_to_the_api_by_default_and_is_bounded() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let config = config_from(&[PEPPER]).unwrap();
    assert_eq!(config.password_hashing_threads, (cores / 2).max(1));
    let set = config_from(&[PEPPER, ("KEYWARD_PASSWORD_HASHING_THREADS", "3")]).unwrap();
    assert_eq!(set.password_hashing_threads, 3);
    for refused in ["0", "65", "many"] {
        assert!(
            config_from(&[PEPPER, ("KEYWARD_PASSWORD_HASHING_THREADS", refused)]).is_err(),
            "{refused}"
        );
    }
}

#[test]
fn the_bundle_directory_must_be_named_and_watch_mode_is_noticed() {
    for empty in ["", "/"] {
        let err = config_from(&[PEPPER, ("LEPTOS_SITE_PKG_DIR", empty)]).unwrap_err();
        assert!(err.to_string().contains("LEPTOS_SITE_PKG_DIR"), "{err}");
    }
    assert!(!config_from(&[PEPPER]).unwrap().bundle_rebuilt_while_serving);
    let watched = config_from(&[PEPPER, ("LEPTOS_WATCH", "ON")]).unwrap();
    assert!(watched.bundle_rebuilt_while_serving);
}

#[test]
fn the_request_log_keeps_30_days_and_10000_rows_per_key_by_default_within_bounds() {
    let config = config_from(&[PEPPER]).unwrap();
    assert_eq!(
        (
            config.request_log.retention_days,
            config.request_log.rows_per_key
        ),
        (30, 10_000)
    );
    for (name, value) in [
        ("KEYWARD_REQUEST_LOG_RETENTION_DAYS", "0"),
        ("KEYWARD_REQUEST_LOG_RETENTION_DAYS", "366"),
        ("KEYWARD_REQUEST_LOG_ROWS_PER_KEY", "9"),
        ("KEYWARD_REQUEST_LOG_ROWS_PER_KEY", "lots"),
        ("KEYWARD_SIGNAL_SCAN_SECS", "0"),
        ("KEYWARD_SIGNAL_SCAN_SECS", "3601"),
    ] {
        let err = config_from(&[PEPPER, (name, value)]).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { name: named, .. } if named == name),
            "{name}={value}: {err}"
        );
    }
    let config = config_from(&[
        PEPPER,
        ("KEYWARD_REQUEST_LOG_RETENTION_DAYS", "7"),
        ("KEYWARD_REQUEST_LOG_ROWS_PER_KEY", "500"),
        ("KEYWARD_SIGNAL_SCAN_SECS", "5"),
    ])
    .unwrap();
    assert_eq!(config.signal_scan_interval, Duration::from_secs(5));
    assert_eq!(
        (
            config.request_log.retention_days,
            config.request_log.rows_per_key
        ),
        (7, 500)
    );
}

#[test]
fn alerts_to_private_targets_are_for_tests_and_refused_in_production() {
    assert!(!config_from(&[PEPPER]).unwrap().alerts_allow_private_targets);
    let allowed = config_from(&[PEPPER, ("KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS", "true")]).unwrap();
    assert!(allowed.alerts_allow_private_targets);
    let production = config_from(&[
        ("KEYWARD_ENV", "production"),
        ("KEYWARD_PUBLIC_URL", "https://k.example.com"),
        PEPPER,
        ("KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS", "true"),
    ]);
    assert!(
        matches!(
            production,
            Err(ConfigError::Invalid {
                name: "KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS",
                ..
            })
        ),
        "{production:?}"
    );
    for (name, value) in [
        ("KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS", "yes"),
        ("KEYWARD_ALERT_DELIVERY_MS", "10"),
    ] {
        let err = config_from(&[PEPPER, (name, value)]).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { name: named, .. } if named == name),
            "{name}={value}: {err}"
        );
    }
}
