//! Secrets never leak: the server binary runs with every log at `debug`, a full flow hands
//! out and uses every kind of secret (setup, passwords right and wrong, API keys created
//! and rolled, a webhook signing secret, an invitation link), and then the logs, every
//! response after the one that showed each secret, and a dump of every table are searched
//! for all of them.

use std::{
    fs::File,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use app::{
    model::{CreatedInvitation, CreatedKey, LoginOutcome, SetupOutcome},
    ssr::keys::format::CHECKSUM_CHARS,
};
use reqwest::{Client, Response, cookie::Jar, redirect::Policy};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{PEPPER, TestDatabase, spawn_app_on},
    keys::dump_all_tables,
};

/// The server binary on a database of its own, its stderr (logs) going to a file.
struct ServerProcess {
    child: Child,
    log_path: PathBuf,
    data_dir: PathBuf,
    address: String,
}

impl ServerProcess {
    fn start(database: &TestDatabase) -> Self {
        let data_dir = std::env::temp_dir().join(format!("kw-leak-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir).unwrap();
        let log_path = data_dir.join("server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("DATABASE_URL", &database.url)
            .env("KEYWARD_KEY_PEPPER", PEPPER)
            .env("KEYWARD_DATA_DIR", &data_dir)
            .env("LEPTOS_SITE_ROOT", data_dir.join("site"))
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("KEYWARD_USAGE_FLUSH_MS", "100")
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(File::create(data_dir.join("server.out")).unwrap())
            .stderr(File::create(&log_path).unwrap())
            .spawn()
            .expect("the server binary starts");
        let mut server = ServerProcess {
            child,
            log_path,
            data_dir,
            address: String::new(),
        };
        server.address = server.wait_for_banner();
        server
    }

    /// `http://127.0.0.1:<port>` from the start-up banner.
    fn wait_for_banner(&self) -> String {
        let marker = "Keyward is running at ";
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let log = self.log();
            if let Some(start) = log.find(marker) {
                let rest = &log[start + marker.len()..];
                return rest.split_whitespace().next().unwrap().to_owned();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not start:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A graceful stop (SIGTERM), so the last usage counts and audit events are written.
    fn stop(&mut self) -> String {
        let stopped = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(stopped.success());
        self.child.wait().unwrap();
        self.log()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// One browser (or integration) against the server, keeping every body it reads.
struct Visitor {
    address: String,
    client: Client,
    cookies: Arc<Jar>,
}

impl Visitor {
    fn new(address: &str) -> Self {
        let cookies = Arc::new(Jar::default());
        Visitor {
            address: address.to_owned(),
            client: Client::builder()
                .cookie_provider(cookies.clone())
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies,
        }
    }

    /// The session cookie's value, as the browser holds it.
    fn session_cookie(&self) -> String {
        use reqwest::cookie::CookieStore;
        let header = self
            .cookies
            .cookies(&self.address.parse().unwrap())
            .expect("signed in: a session cookie");
        let header = header.to_str().unwrap();
        let (_, value) = header.split_once('=').unwrap();
        value.split(';').next().unwrap().to_owned()
    }

    async fn form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn json(&self, path: &str, body: Value) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn v1(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}/v1{path}", self.address))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn page(&self, path: &str) -> String {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

async fn body_of(response: Response) -> String {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

fn unique(label: &str) -> String {
    format!("{label} {}", Uuid::new_v4().simple())
}

#[tokio::test]
async fn no_secret_reaches_the_debug_logs_a_later_response_or_any_table() {
    let database = Arc::new(TestDatabase::create().await);
    let mut server = ServerProcess::start(&database);
    let owner_password = unique("owner password");
    let wrong_password = unique("wrong password");
    let newcomer_password = unique("newcomer password");
    let setup_token = server
        .log()
        .split_once("token=")
        .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_owned())
        .expect("the first-run link on the console");

    let owner = Visitor::new(&server.address);
    let setup: SetupOutcome = owner
        .form(
            "/api/complete_setup",
            &[
                ("token", &setup_token),
                ("org_name", "Acme Corp"),
                ("email", "owner@acme.example"),
                ("password", &owner_password),
                ("password_confirmation", &owner_password),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(setup, SetupOutcome::Completed);
    let stranger = Visitor::new(&server.address);
    let refused: LoginOutcome = stranger
        .form(
            "/api/login",
            &[
                ("email", "owner@acme.example"),
                ("password", &wrong_password),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refused, LoginOutcome::InvalidCredentials);

    let created: CreatedKey = owner
        .json(
            "/api/create_api_key",
            json!({ "form": {
                "name": "leak check", "description": null, "mode": "live",
                "workspace_id": null, "scopes": ["*"], "expiry": { "Days": 30 },
            }}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created.key.id.to_string();
    let rolled: CreatedKey = owner
        .form("/api/roll_api_key", &[("id", &id), ("grace", "1h")])
        .await
        .json()
        .await
        .unwrap();
    let webhook: Value = owner
        .v1(
            reqwest::Method::POST,
            "/webhooks",
            &rolled.secret,
            Some(json!({ "url": "https://hooks.example.com/x", "events": ["envelope.sent"] })),
        )
        .await
        .json()
        .await
        .unwrap();
    let signing_secret = webhook["signingSecret"]
        .as_str()
        .expect("shown once")
        .to_owned();
    let invitation: CreatedInvitation = owner
        .json(
            "/api/invite_member",
            json!({ "form": { "email": "newcomer@acme.example", "role": "member" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let link = invitation
        .link
        .expect("no mail server: the inviter gets the link");
    let newcomer = Visitor::new(&server.address);
    newcomer.page(&link.path).await;
    body_of(
        newcomer
            .form(
                "/api/accept_invitation",
                &[
                    ("token", &link.token),
                    ("password", &newcomer_password),
                    ("password_confirmation", &newcomer_password),
                ],
            )
            .await,
    )
    .await;

    // Everything read after each secret was shown.
    let mut later = String::new();
    for secret_key in [&created.secret, &rolled.secret] {
        later += &body_of(
            owner
                .v1(reqwest::Method::GET, "/whoami", secret_key, None)
                .await,
        )
        .await;
    }
    later += &body_of(
        owner
            .v1(reqwest::Method::GET, "/webhooks", &rolled.secret, None)
            .await,
    )
    .await;
    later += &body_of(
        owner
            .v1(reqwest::Method::GET, "/audit", &rolled.secret, None)
            .await,
    )
    .await;
    later += &body_of(owner.json("/api/key_listing", json!({ "query": {} })).await).await;
    later += &body_of(owner.form("/api/key_details", &[("id", &id)]).await).await;
    later += &body_of(
        owner
            .json("/api/audit_listing", json!({ "query": {} }))
            .await,
    )
    .await;
    later += &body_of(owner.form("/api/members_overview", &[]).await).await;
    for page in [
        "/settings/api-keys",
        "/settings/audit-log",
        "/settings/members",
    ] {
        later += &owner.page(page).await;
    }
    assert!(later.contains("leak check"), "the bodies are real");

    let session = owner.session_cookie();
    assert!(session.len() >= 16, "{session}");
    let log = server.stop();
    assert!(log.contains("DEBUG"), "the log was taken at debug");
    let database_dump = {
        let app = spawn_app_on(database.clone(), &[]).await;
        dump_all_tables(&app).await
    };
    assert!(database_dump.contains("leak check"), "the dump is real");

    // A key's random part alone counts too: no prefix, no checksum.
    let random_part = |key: &str| key["kw_live_".len()..key.len() - CHECKSUM_CHARS].to_owned();
    let (created_part, rolled_part) = (random_part(&created.secret), random_part(&rolled.secret));
    let secrets = [
        ("the owner's password", owner_password.as_str()),
        ("a wrong password", &wrong_password),
        ("the newcomer's password", &newcomer_password),
        ("the created key", &created.secret),
        ("the created key's random part", &created_part),
        ("the rolled key", &rolled.secret),
        ("the rolled key's random part", &rolled_part),
        ("the webhook signing secret", &signing_secret),
        ("the invitation token", &link.token),
    ];
    for (what, secret) in secrets {
        assert!(!later.contains(secret), "{what} is in a later response");
        assert!(!database_dump.contains(secret), "{what} is in a table");
        assert!(!log.contains(secret), "{what} is in the log");
    }
    // The session table is keyed by the session id (tower-sessions' store contract), so
    // only the logs and answers are searched for the cookie.
    assert!(
        !later.contains(&session),
        "the session cookie is in a later response"
    );
    assert!(!log.contains(&session), "the session cookie is in the log");
    // The first-run link is printed for the operator once, on the console, by design;
    // it is never logged, and it is used up.
    assert_eq!(log.matches(setup_token.as_str()).count(), 1, "{log}");
}
