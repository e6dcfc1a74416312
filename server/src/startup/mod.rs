//! Builds the application (database, migrations, state, router) and serves it.

mod routes;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use app::{
    SITE_OUTPUT_NAME,
    ssr::{
        auth::{password::PasswordHasher, throttle::LoginThrottle},
        db,
        key_cache::{
            VerifiedKeys,
            feed::{Feed, FeedMode, TRUST_WINDOW},
        },
        keys::hash::{InvalidPepper, KeyHasher},
        mail::{MailError, Mailer},
        rate_limit::ApiRateLimiter,
        services::{
            accounts,
            alerts::{self, Deliverer, Sender as AlertSender},
            audit::AuditLog,
            request_log::RequestLogLimits,
            signals,
            usage::UsageMeter,
        },
        setup_gate::SetupGate,
        state::{AppState, KeySettings, SharedState},
    },
};
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;
use tower_sessions::ExpiredDeletion;

use crate::{
    config::{Config, Environment},
    http::bundle::Bundle,
    metrics,
    session_store::DbSessionStore,
    v1,
};

/// How long a graceful stop waits for audit writes made off the response path (each is
/// one insert; a database that takes longer is down, and its error is logged).
const BACKGROUND_WRITES_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database: {0}")]
    Database(#[source] DbErr),
    #[error("cannot run migrations: {0}")]
    Migration(#[source] DbErr),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the data directory: {0}")]
    DataDir(#[source] std::io::Error),
    #[error(transparent)]
    Pepper(#[from] InvalidPepper),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("cannot read the built bundle: {0}")]
    Bundle(#[source] std::io::Error),
    #[error("cannot build the alert sender: {0}")]
    Alerts(String),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    address: SocketAddr,
    setup_url: Option<String>,
    db: DatabaseConnection,
    usage: UsageMeter,
    usage_flush_interval: Duration,
    signal_scan_interval: Duration,
    deliverer: Deliverer,
    delivery_interval: Duration,
    audit: AuditLog,
    request_log: RequestLogLimits,
    verified_keys: VerifiedKeys,
    feed: Feed,
    passwords: PasswordHasher,
    metrics_address: Option<SocketAddr>,
    background: TaskTracker,
}

/// Connects and migrates; shared by `serve` and the CLI.
pub async fn connect_and_migrate(config: &Config) -> Result<DatabaseConnection, StartupError> {
    if config.database_url.expose_secret().starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).map_err(StartupError::DataDir)?;
    }
    let db = db::connect(config.database_url.expose_secret())
        .await
        .map_err(StartupError::Database)?;
    Migrator::up(&db, None)
        .await
        .map_err(StartupError::Migration)?;
    Ok(db)
}

fn leptos_options(config: &Config, address: SocketAddr, bundle: &Bundle) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(SITE_OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir(bundle.pkg_dir())
        .site_addr(address)
        .env(match config.environment {
            Environment::Production => Env::PROD,
            Environment::Development => Env::DEV,
        })
        .build()
}

/// Which key-change feed runs and the quotas in force, once at start-up.
fn log_api_settings(config: &Config, feed: FeedMode) {
    let limits = &config.rate_limits;
    tracing::info!(
        invalidation = match feed {
            FeedMode::Notify => "notify (PostgreSQL LISTEN/NOTIFY)",
            FeedMode::Poll => "poll (key_changes table)",
        },
        worst_staleness_ms = u64::try_from(TRUST_WINDOW.as_millis()).unwrap_or(u64::MAX),
        professional = limits.professional.get(),
        business = limits.business.get(),
        enterprise = limits.enterprise.get(),
        window_seconds = limits.window.as_secs(),
        "/v1 key cache and rate limits"
    );
}

fn spawn_housekeeping(
    store: DbSessionStore,
    throttle: Arc<LoginThrottle>,
    rate_limits: Arc<ApiRateLimiter>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            throttle.forget_idle();
            rate_limits.forget_idle();
            v1::log_refusal_summary();
            if let Err(err) = store.delete_expired().await {
                tracing::warn!(%err, "could not delete expired sessions");
            }
        }
    });
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        #[cfg_attr(not(feature = "bench"), allow(unused_mut))]
        let mut db = connect_and_migrate(&config).await?;
        #[cfg(feature = "bench")]
        v1::bench::count_statements(&mut db);
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: config.bind_addr,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.bind_addr,
            source,
        })?;

        let (setup_gate, setup_url) = if accounts::count_organizations(&db)
            .await
            .map_err(StartupError::Database)?
            == 0
        {
            let (gate, token) = SetupGate::open();
            (
                gate,
                Some(format!(
                    "{}/setup?token={token}",
                    config.public_base_url(address)
                )),
            )
        } else {
            (SetupGate::closed(), None)
        };

        let passwords = PasswordHasher::new(config.password_hashing_threads);
        if let Err(err) = passwords.warm_up().await {
            tracing::warn!(%err, "could not precompute the dummy password hash");
        }
        let login_throttle = Arc::new(LoginThrottle::new(config.login_throttle));
        let hasher = KeyHasher::new(&config.key_pepper.secret, config.key_pepper.version)?;
        let audit = AuditLog::new(&hasher);
        // Events written before chaining began are sealed as they are now, before
        // anything is appended to their chains.
        let sealed = audit
            .seal_every_genesis(&db)
            .await
            .map_err(StartupError::Database)?;
        if sealed > 0 {
            tracing::info!(
                chains = sealed,
                "audit chains started over the existing events"
            );
        }
        let alert_sender = AlertSender::new(config.alerts_allow_private_targets)
            .map_err(|err| StartupError::Alerts(err.to_string()))?;
        let deliverer = Deliverer {
            db: db.clone(),
            hasher: hasher.clone(),
            sender: alert_sender.clone(),
        };
        let keys = Arc::new(KeySettings {
            brand: config.key_prefix.clone(),
            hasher,
        });
        let usage = UsageMeter::new(config.request_log);
        let verified_keys = VerifiedKeys::new(config.key_cache);
        let feed = verified_keys.start_feed(db.clone());
        let rate_limits = Arc::new(ApiRateLimiter::new(config.rate_limits));
        let mailer = config.mail.as_ref().map(Mailer::new).transpose()?;
        match &mailer {
            Some(mailer) => tracing::info!(?mailer, "invitations are e-mailed"),
            None => tracing::info!(
                "invitation links are shown to the inviter (set KEYWARD_SMTP_URL to e-mail them)"
            ),
        }
        log_api_settings(&config, feed.mode);
        let bundle = Bundle::read(
            &config.site_root,
            &config.site_pkg_dir,
            SITE_OUTPUT_NAME,
            !config.bundle_rebuilt_while_serving,
        )
        .map_err(StartupError::Bundle)?;
        let background = TaskTracker::new();
        let state = AppState::new(SharedState {
            db: db.clone(),
            leptos_options: leptos_options(&config, address, &bundle),
            sessions: Arc::new(config.sessions),
            passwords: passwords.clone(),
            login_throttle: login_throttle.clone(),
            setup_gate,
            keys,
            usage: usage.clone(),
            request_log: config.request_log,
            invalidator: verified_keys.invalidator(),
            audit: audit.clone(),
            alert_sender,
            verified_keys: verified_keys.clone(),
            rate_limits: rate_limits.clone(),
            mailer,
            background: background.clone(),
        });
        let store = DbSessionStore::new(db.clone());
        spawn_housekeeping(store.clone(), login_throttle, rate_limits);
        let router = routes::router(&config, state, store, &bundle);
        let metrics_address = match config.metrics_addr {
            Some(addr) => Some(
                metrics::serve(addr, verified_keys.clone(), usage.clone())
                    .await
                    .map_err(|source| StartupError::Bind { addr, source })?,
            ),
            None => None,
        };
        Ok(Self {
            metrics_address,
            listener,
            router,
            address,
            setup_url,
            db,
            usage,
            usage_flush_interval: config.usage_flush_interval,
            signal_scan_interval: config.signal_scan_interval,
            deliverer,
            delivery_interval: config.delivery_interval,
            audit,
            request_log: config.request_log,
            verified_keys,
            feed,
            passwords,
            background,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The one-time first-run link, when the database had no organization at start-up.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    pub fn database(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn usage_meter(&self) -> &UsageMeter {
        &self.usage
    }

    /// The server's audit log (tests pass it to the services they call).
    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Where `/metrics` is served, when `KEYWARD_METRICS_ADDR` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// The cache of verified keys (tests pass its invalidator to services).
    pub fn verified_keys(&self) -> &VerifiedKeys {
        &self.verified_keys
    }

    /// The server's password hasher (its verification counter shows argon2 work).
    pub fn password_hasher(&self) -> &PasswordHasher {
        &self.passwords
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests, waits for the
    /// audit writes made off the response path and writes the usage counted so far: a
    /// graceful stop loses neither usage nor audit events.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let flusher =
            self.usage
                .spawn_flusher(self.db.clone(), self.usage_flush_interval, self.request_log);
        let delivering = alerts::spawn_deliverer(self.deliverer.clone(), self.delivery_interval);
        let detector = signals::spawn_detector(
            self.db.clone(),
            self.audit.clone(),
            self.signal_scan_interval,
        );
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        detector.stop().await;
        delivering.stop().await;
        flusher.stop().await;
        self.background.close();
        if tokio::time::timeout(BACKGROUND_WRITES_GRACE, self.background.wait())
            .await
            .is_err()
        {
            tracing::error!(
                pending = self.background.len(),
                "background writes still running at shutdown"
            );
        }
        self.feed.stop();
        match self.usage.flush(&self.db).await {
            Ok(flushed) => tracing::info!(requests = flushed.requests, "usage written at shutdown"),
            Err(err) => tracing::error!(
                %err,
                pending = self.usage.pending_requests(),
                "could not write usage at shutdown"
            ),
        }
        served
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
