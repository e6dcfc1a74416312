//! Structured logs to stderr (stdout is reserved for CLI results).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::Environment;

pub fn init(environment: Environment) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,tower_sessions=warn")
    });
    let registry = tracing_subscriber::registry().with(filter);
    let result = match environment {
        Environment::Production => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
        Environment::Development => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
    // A subscriber may already be installed (tests); that one wins.
    let _ = result;
}
