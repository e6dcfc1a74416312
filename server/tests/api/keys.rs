//! Key issuing and revocation through the services and the admin CLI.

use std::sync::Arc;

use app::{
    model::{KeyStatus, Mode, Plan, Scope},
    ssr::{
        keys::format,
        services::{
            audit::Actor,
            keys::{self, Expiry, KeyError, NewKey},
            pagination::PageRequest,
        },
    },
};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;

use crate::{
    cli::{create_owner_with_cli, run_cli, stderr, stdout},
    helpers::{Backend, TestApp, TestDatabase, backend, spawn_app},
};

const PASSWORD: &str = "correct horse battery staple";

pub fn new_key(name: &str) -> NewKey {
    NewKey {
        name: name.to_owned(),
        description: None,
        mode: Mode::Test,
        scopes: vec![Scope::All],
        workspace_slug: None,
        expiry: Expiry::InDays(90),
    }
}

async fn issue(
    app: &TestApp,
    org_id: uuid::Uuid,
    owner: uuid::Uuid,
    name: &str,
) -> Result<keys::IssuedKey, KeyError> {
    app.issue_key(org_id, owner, new_key(name)).await
}

#[tokio::test]
async fn the_cli_creates_lists_and_revokes_a_key_showing_the_secret_only_once() {
    let database = Arc::new(TestDatabase::create().await);
    let created = create_owner_with_cli(&database, "Acme", "o@acme.example", PASSWORD, &[]);
    assert!(created.status.success(), "{}", stderr(&created));

    let output = run_cli(
        &database,
        &[
            "keys",
            "create",
            "--org",
            "acme",
            "--name",
            "CI deploy",
            "--mode",
            "test",
            "--scopes",
            "audit:read,clients:read",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let key: Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON object");
    let secret = key["secret"]
        .as_str()
        .expect("secret shown at creation")
        .to_owned();
    let id = key["id"].as_str().unwrap().to_owned();
    assert!(
        format::parse("kw", &secret).is_ok(),
        "a well-formed key: {secret}"
    );
    assert!(secret.starts_with("kw_test_"));
    assert_eq!(
        key["scopes"],
        serde_json::json!(["clients:read", "audit:read"])
    );
    assert_eq!(key["status"], "active");
    assert!(key["expiresAt"].is_string(), "90 days by default");
    assert!(
        !stderr(&output).contains(&secret),
        "the secret never reaches the logs"
    );

    let listed = run_cli(&database, &["keys", "list", "--org", "acme"], "");
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed_text = stdout(&listed);
    assert_eq!(listed_text.lines().count(), 1, "{listed_text}");
    assert!(listed_text.contains(&id));
    assert!(!listed_text.contains(&secret), "list never shows a secret");
    assert!(!listed_text.contains("secret"));

    for _ in 0..2 {
        let revoked = run_cli(&database, &["keys", "revoke", &id], "");
        assert!(revoked.status.success(), "{}", stderr(&revoked));
        let revoked: Value = serde_json::from_str(stdout(&revoked).trim()).unwrap();
        assert_eq!(revoked["status"], "revoked");
    }
    let app = crate::helpers::spawn_app_on(database, &[]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.revoked'")
            .await,
        1,
        "revoking twice audits once"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.created'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_cli_refuses_keys_for_a_starter_organization_and_for_non_members() {
    let database = TestDatabase::create().await;
    let created = create_owner_with_cli(
        &database,
        "Small",
        "o@small.example",
        PASSWORD,
        &["--plan", "starter"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let refused = run_cli(
        &database,
        &[
            "keys", "create", "--org", "small", "--name", "k", "--mode", "live", "--scopes", "*",
        ],
        "",
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not included in the Starter plan"),
        "{}",
        stderr(&refused)
    );
    assert!(stdout(&refused).is_empty());

    let stranger = run_cli(
        &database,
        &[
            "keys",
            "create",
            "--org",
            "small",
            "--name",
            "k",
            "--mode",
            "test",
            "--scopes",
            "*",
            "--as",
            "nobody@example.com",
        ],
        "",
    );
    assert!(!stranger.status.success());
    assert!(
        stderr(&stranger).contains("not a member"),
        "{}",
        stderr(&stranger)
    );
}

/// Every row of every table as text (PostgreSQL), or the database files byte for
/// byte (SQLite): what an attacker with a copy of the database would have.
pub async fn dump_all_tables(app: &TestApp) -> String {
    let mut dump = String::new();
    match backend() {
        Backend::Postgres => {
            let tables = app
                .db
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'".to_owned(),
                ))
                .await
                .unwrap();
            assert!(tables.len() >= 12, "every table is dumped");
            for table in tables {
                let table: String = table.try_get_by_index(0).unwrap();
                let rows = app
                    .db
                    .query_all_raw(Statement::from_string(
                        DbBackend::Postgres,
                        format!("SELECT t::text FROM {table} t"),
                    ))
                    .await
                    .unwrap();
                for row in rows {
                    dump.push_str(&row.try_get_by_index::<String>(0).unwrap());
                    dump.push('\n');
                }
            }
        }
        Backend::Sqlite => {
            // The whole database file and its write-ahead log, byte for byte.
            app.db
                .execute_unprepared("PRAGMA wal_checkpoint(FULL)")
                .await
                .unwrap();
            let dir = app.sqlite_dir().expect("sqlite test database");
            for entry in std::fs::read_dir(dir).unwrap() {
                dump.push_str(&String::from_utf8_lossy(
                    &std::fs::read(entry.unwrap().path()).unwrap(),
                ));
            }
        }
    }
    dump
}

#[tokio::test]
async fn no_table_holds_a_secret_after_keys_are_created() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let mut secrets = Vec::new();
    for n in 0..3 {
        secrets.push(
            issue(
                &app,
                owner.org.org_id,
                owner.org.owner_id,
                &format!("key {n}"),
            )
            .await
            .unwrap()
            .secret,
        );
    }
    let dump = dump_all_tables(&app).await;
    assert!(dump.contains("key 1"), "the dump is real");
    if backend() == Backend::Postgres {
        assert!(
            dump.contains("\\x"),
            "the dump includes the binary hash column"
        );
    }
    for secret in &secrets {
        let body = &secret["kw_test_".len()..secret.len() - format::CHECKSUM_CHARS];
        assert!(!dump.contains(secret.as_str()), "a full key is stored");
        assert!(!dump.contains(body), "a key's secret part is stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_respect_the_plan_limit_exactly() {
    let app = Arc::new(spawn_app().await);
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Professional)
        .await;
    let limit = Plan::Professional.limits().max_active_keys.unwrap() as usize;
    // Released together, so the creates really overlap.
    let start = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let (app, start) = (app.clone(), start.clone());
            let (org_id, owner_id) = (owner.org.org_id, owner.org.owner_id);
            tokio::spawn(async move {
                start.wait().await;
                issue(&app, org_id, owner_id, &format!("concurrent {n}")).await
            })
        })
        .collect();
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(KeyError::PlanLimitReached { limit: 5, .. }) => refused += 1,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(created, limit);
    assert_eq!(refused, 50 - limit);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_keys").await,
        limit as i64
    );
}

#[tokio::test]
async fn a_revoked_key_frees_its_place_under_the_plan_limit() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Professional)
        .await;
    let mut first = None;
    for n in 0..5 {
        let issued = issue(&app, owner.org.org_id, owner.org.owner_id, &format!("k{n}"))
            .await
            .unwrap();
        first.get_or_insert(issued.key.id);
    }
    assert!(matches!(
        issue(&app, owner.org.org_id, owner.org.owner_id, "one too many").await,
        Err(KeyError::PlanLimitReached { .. })
    ));
    let revoked = keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        first.unwrap(),
        Some(owner.org.org_id),
        Some("rotated".into()),
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    assert_eq!(revoked.status, KeyStatus::Revoked);
    assert!(
        issue(&app, owner.org.org_id, owner.org.owner_id, "replacement")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_key_of_another_organization_cannot_be_revoked_from_this_one() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let bob = app
        .create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    let bobs = issue(&app, bob.org.org_id, bob.org.owner_id, "bob's")
        .await
        .unwrap();
    let attempt = keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        bobs.key.id,
        Some(ada.org.org_id),
        None,
        Actor::System { label: "test" },
        None,
    )
    .await;
    assert!(matches!(attempt, Err(KeyError::NotFound)));
    let listed = keys::list_keys(
        &app.db,
        bob.org.org_id,
        &keys::KeyFilter::default(),
        PageRequest::default(),
    )
    .await
    .unwrap()
    .data;
    assert_eq!(listed[0].status, KeyStatus::Active);
    assert!(
        keys::list_keys(
            &app.db,
            ada.org.org_id,
            &keys::KeyFilter::default(),
            PageRequest::default()
        )
        .await
        .unwrap()
        .data
        .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_revokes_change_the_key_once_and_audit_once() {
    let app = Arc::new(spawn_app().await);
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let key = issue(&app, owner.org.org_id, owner.org.owner_id, "doomed")
        .await
        .unwrap()
        .key;
    let start = Arc::new(tokio::sync::Barrier::new(10));
    let tasks: Vec<_> = (0..10)
        .map(|n| {
            let (app, start) = (app.clone(), start.clone());
            let org_id = owner.org.org_id;
            tokio::spawn(async move {
                start.wait().await;
                keys::revoke_key(
                    &app.db,
                    &app.audit,
                    &app.invalidator,
                    key.id,
                    Some(org_id),
                    Some(format!("reason {n}")),
                    Actor::System { label: "test" },
                    None,
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().status, KeyStatus::Revoked);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.revoked'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_key_cannot_act_for_someone_outside_the_organization() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let bob = app
        .create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    let attempt = issue(&app, ada.org.org_id, bob.org.owner_id, "for an outsider").await;
    assert!(matches!(attempt, Err(KeyError::Invalid(_))));
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);
}
