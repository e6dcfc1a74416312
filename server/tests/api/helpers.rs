use std::{collections::HashMap, path::PathBuf, sync::Arc};

use app::ssr::key_cache::{VerifiedKeys, feed::Invalidator};
use app::{
    model::{LoginOutcome, Mode, Plan, Scope, SignedInUser},
    ssr::{
        auth::password::PasswordHasher,
        keys::hash::KeyHasher,
        services::{
            audit::{Actor, AuditLog},
            keys::{self, Expiry, IssuedKey, KeyError, KeyIssuer, NewKey},
            onboarding::{self, CreatedOrganization, NewOrganization, Origin},
            usage::UsageMeter,
        },
    },
};
use reqwest::{Client, Method, RequestBuilder, Response, cookie::Jar, redirect::Policy};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::{config::Config, startup::Application};
use tokio::{sync::oneshot, task::JoinHandle};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub fn backend() -> Backend {
    match std::env::var("KEYWARD_TEST_BACKEND").as_deref() {
        Ok("sqlite") => Backend::Sqlite,
        _ => Backend::Postgres,
    }
}

fn postgres_admin_url() -> String {
    std::env::var("KEYWARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists for one test and is dropped afterwards.
pub struct TestDatabase {
    pub url: String,
    postgres_name: Option<String>,
    sqlite_dir: Option<PathBuf>,
}

impl TestDatabase {
    pub async fn create() -> Self {
        match backend() {
            Backend::Postgres => {
                let name = format!("kw_test_{}", Uuid::new_v4().simple());
                let admin = Database::connect(postgres_admin_url())
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = postgres_admin_url();
                let server = base.rsplit_once('/').expect("URL has a database").0;
                Self {
                    url: format!("{server}/{name}"),
                    postgres_name: Some(name),
                    sqlite_dir: None,
                }
            }
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("kw-test-{}", Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.join("keyward.db").display());
                Self {
                    url,
                    postgres_name: None,
                    sqlite_dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.postgres_name.take() {
            // Drop runs inside the test's runtime; use a private one on another thread.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async move {
                    let admin = Database::connect(postgres_admin_url()).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub cookies: Arc<Jar>,
    pub db: DatabaseConnection,
    pub setup_url: Option<String>,
    _database: Arc<TestDatabase>,
    pub data_dir: PathBuf,
    /// The running server's usage meter (flush it to make counts visible).
    pub usage: UsageMeter,
    /// The running server's invalidator: services called by tests void its cache as the
    /// server's own services do.
    pub invalidator: Invalidator,
    /// The running server's cache of verified keys (its counters show database loads).
    pub verified_keys: VerifiedKeys,
    /// Where `/metrics` is served, when the test asked for it.
    pub metrics_address: Option<std::net::SocketAddr>,
    /// The running server's password hasher: its counter shows argon2 work.
    pub passwords: PasswordHasher,
    /// The running server's audit log: services called by tests chain their events
    /// with it, as the server's own do.
    pub audit: AuditLog,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

pub const PEPPER: &str = "test-pepper-0123456789abcdef0123456789";

/// Hashes keys with the pepper the test servers use.
pub fn key_hasher() -> KeyHasher {
    KeyHasher::new(&secrecy::SecretString::from(PEPPER), 1).expect("a valid pepper")
}

pub fn base_settings(database_url: &str, data_dir: &std::path::Path) -> HashMap<String, String> {
    [
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", database_url.to_owned()),
        ("KEYWARD_KEY_PEPPER", PEPPER.to_owned()),
        ("KEYWARD_DATA_DIR", data_dir.display().to_string()),
        // The alert worker stays idle unless a test asks for it (tests that compare
        // every row before and after a call must not see it at work in between).
        ("KEYWARD_ALERT_DELIVERY_MS", "3600000".to_owned()),
        (
            "LEPTOS_SITE_ROOT",
            data_dir.join("site").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the application with extra settings (e.g. tighter throttles) on a fresh database.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    spawn_app_on(Arc::new(TestDatabase::create().await), overrides).await
}

/// Starts the application on an existing test database (e.g. one the CLI prepared).
pub async fn spawn_app_on(database: Arc<TestDatabase>, overrides: &[(&str, &str)]) -> TestApp {
    let data_dir = std::env::temp_dir().join(format!("kw-data-{}", Uuid::new_v4().simple()));
    let mut settings = base_settings(&database.url, &data_dir);
    for (name, value) in overrides {
        settings.insert((*name).to_owned(), (*value).to_owned());
    }
    let config =
        Config::from_lookup(move |name| settings.get(name).cloned()).expect("valid test config");
    let application = Application::build(config)
        .await
        .expect("application starts");
    let address = format!("http://{}", application.address());
    let setup_url = application.setup_url().map(str::to_owned);
    let db = application.database().clone();
    let usage = application.usage_meter().clone();
    let verified_keys = application.verified_keys().clone();
    let metrics_address = application.metrics_address();
    let invalidator = verified_keys.invalidator();
    let passwords = application.password_hasher().clone();
    let audit = application.audit_log().clone();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    let cookies = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(cookies.clone())
        .redirect(Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        address,
        client,
        cookies,
        db,
        setup_url,
        _database: database,
        data_dir,
        usage,
        invalidator,
        verified_keys,
        metrics_address,
        passwords,
        audit,
        shutdown: Some(shutdown),
        server: Some(server),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A key with every scope in the default workspace, expiring in 30 days: what most
/// tests issue.
pub fn key_with_every_scope(name: &str, mode: Mode) -> NewKey {
    NewKey {
        name: name.to_owned(),
        description: None,
        mode,
        scopes: vec![Scope::All],
        workspace_slug: None,
        expiry: Expiry::InDays(30),
    }
}

pub struct Owner {
    pub org: CreatedOrganization,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the server as SIGTERM does (graceful shutdown) and waits for it to finish.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task joins")
                .expect("server stops cleanly");
        }
    }

    /// A `/v1` request, with `Authorization: Bearer <key>` when a key is given.
    pub fn v1(&self, method: Method, path: &str, key: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, self.url(&format!("/v1{path}")));
        match key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// The secret of a new key in the org's default workspace, acting for `member`.
    pub async fn secret(&self, org_id: Uuid, member: Uuid, mode: Mode, scopes: &[Scope]) -> String {
        self.issue_key(
            org_id,
            member,
            NewKey {
                name: format!("{mode:?} key"),
                description: None,
                mode,
                scopes: scopes.to_vec(),
                workspace_slug: None,
                expiry: Expiry::InDays(30),
            },
        )
        .await
        .expect("key issued")
        .secret
    }

    /// POSTs a form to a server function the way the browser does (same Origin).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn login(&self, email: &str, password: &str) -> LoginOutcome {
        let response = self
            .post_form("/api/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(
            response.status(),
            200,
            "login answers 200 for every outcome"
        );
        response.json().await.expect("a LoginOutcome")
    }

    /// Who the server thinks is signed in with this client's cookies.
    pub async fn current_user(&self) -> Option<SignedInUser> {
        let response = self.post_form("/api/current_user", &[]).await;
        assert_eq!(response.status(), 200, "current_user answers 200");
        response.json().await.expect("an Option<SignedInUser>")
    }

    /// Issues a key through the key service, as the CLI and the UI do.
    pub async fn issue_key(
        &self,
        org_id: Uuid,
        acting_for: Uuid,
        new: NewKey,
    ) -> Result<IssuedKey, KeyError> {
        let hasher = key_hasher();
        let issuer = KeyIssuer {
            hasher: &hasher,
            brand: "kw",
            invalidator: &self.invalidator,
        };
        keys::create_key(
            &self.db,
            &self.audit,
            &issuer,
            org_id,
            acting_for,
            new,
            Actor::System { label: "test" },
            None,
        )
        .await
    }

    /// Revokes a key by id, with no reason, as the CLI would (no organization check).
    pub async fn revoke_key(&self, key_id: Uuid) {
        keys::revoke_key(
            &self.db,
            &self.audit,
            &self.invalidator,
            key_id,
            None,
            None,
            Actor::System { label: "test" },
            None,
        )
        .await
        .unwrap();
    }

    /// The value of the session cookie the client holds, if any.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.address.parse().expect("URL");
        let header = self.cookies.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("keyward_session="))
            .map(str::to_owned)
    }

    pub async fn create_owner(&self, email: &str, password: &str, plan: Plan) -> Owner {
        let org = onboarding::create_organization_with_owner(
            &self.db,
            &self.audit,
            &PasswordHasher::new(1),
            NewOrganization {
                org_name: format!("Org of {email}"),
                owner_email: email.to_owned(),
                owner_password: password.to_owned(),
                plan,
            },
            Origin::Cli,
        )
        .await
        .expect("organization created");
        Owner { org }
    }

    /// The database this server uses, for running the CLI against it.
    pub fn database(&self) -> &TestDatabase {
        &self._database
    }

    /// The test database, to start a second server on it.
    pub fn shared_database(&self) -> Arc<TestDatabase> {
        self._database.clone()
    }

    /// Waits until the server's change feed has proven itself, so its cache is in use.
    pub async fn wait_for_key_cache(&self) {
        for _ in 0..250 {
            if self.verified_keys.trusted() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the key cache never became trusted");
    }

    /// Database loads the key cache has made so far.
    pub fn key_loads(&self) -> u64 {
        self.verified_keys
            .counters
            .loads
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The directory holding the SQLite test database, when the backend is SQLite.
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        self._database.sqlite_dir.as_deref()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query runs")
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("a count")
    }
}
