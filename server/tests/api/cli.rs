//! The admin CLI, run as a real process against the test database.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
    sync::Arc,
};

use app::model::{LoginOutcome, Plan};

use crate::helpers::{PEPPER, TestDatabase, spawn_app_on};

pub fn run_cli(database: &TestDatabase, args: &[&str], stdin: &str) -> Output {
    run_cli_with(database, args, stdin, &[])
}

/// `run_cli` with more environment variables.
pub fn run_cli_with(
    database: &TestDatabase,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Output {
    let data_dir = std::env::temp_dir().join(format!("kw-cli-{}", uuid::Uuid::new_v4().simple()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("KEYWARD_KEY_PEPPER", PEPPER)
        .env("KEYWARD_DATA_DIR", &data_dir)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("server binary exits");
    let _ = std::fs::remove_dir_all(data_dir);
    output
}

/// `server admin create-owner --org <org> --email <email> [extra…]`, the password on stdin.
pub fn create_owner_with_cli(
    database: &TestDatabase,
    org: &str,
    email: &str,
    password: &str,
    extra: &[&str],
) -> Output {
    let mut args = vec!["admin", "create-owner", "--org", org, "--email", email];
    args.extend_from_slice(extra);
    run_cli(database, &args, &format!("{password}\n"))
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn migrate_runs_and_can_run_again() {
    let database = TestDatabase::create().await;
    for _ in 0..2 {
        let output = run_cli(&database, &["migrate"], "");
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stdout(&output).is_empty(),
            "migrate prints results only: {}",
            stdout(&output)
        );
    }
}

#[tokio::test]
async fn create_owner_takes_a_password_with_spaces_from_stdin_and_the_owner_can_sign_in() {
    let database = Arc::new(TestDatabase::create().await);
    let password = "  spaces inside and around  ";
    let migrated = run_cli(&database, &["migrate"], "");
    assert!(migrated.status.success(), "{}", stderr(&migrated));

    let output = create_owner_with_cli(
        &database,
        "Acme Corp",
        "Owner@Acme.example",
        password,
        &["--plan", "professional"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let slug = stdout(&output)
        .lines()
        .last()
        .expect("slug printed")
        .to_owned();
    assert_eq!(slug, "acme-corp");
    assert!(
        !stderr(&output).contains(password),
        "the password never reaches the logs"
    );

    let app = spawn_app_on(database, &[]).await;
    assert!(
        app.setup_url.is_none(),
        "no setup link once an organization exists"
    );
    assert_eq!(
        app.login("owner@acme.example", password.trim()).await,
        LoginOutcome::InvalidCredentials
    );
    assert_eq!(
        app.login("owner@acme.example", password).await,
        LoginOutcome::SignedIn
    );
    let me = app.current_user().await.expect("signed in");
    assert_eq!(me.org.slug, "acme-corp");
    assert_eq!(me.org.plan, Plan::Professional);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'organization.created' AND actor_kind = 'system'").await,
        1
    );
}

#[tokio::test]
async fn create_owner_refuses_an_email_that_already_exists() {
    let database = TestDatabase::create().await;
    let first = create_owner_with_cli(
        &database,
        "Acme",
        "owner@acme.example",
        "a good long password",
        &[],
    );
    assert!(first.status.success());

    let again = create_owner_with_cli(
        &database,
        "Other",
        "OWNER@acme.example",
        "another long password",
        &[],
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert!(stdout(&again).is_empty());
}

#[tokio::test]
async fn create_owner_refuses_a_short_password_and_writes_nothing() {
    let database = Arc::new(TestDatabase::create().await);
    let output = create_owner_with_cli(&database, "Acme", "o@acme.example", "short", &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("at least 12 characters"),
        "{}",
        stderr(&output)
    );
    let app = spawn_app_on(database, &[]).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 0);
}

#[tokio::test]
async fn a_second_organization_with_the_same_name_gets_its_own_slug() {
    let database = TestDatabase::create().await;
    let first = create_owner_with_cli(
        &database,
        "Acme",
        "a@acme.example",
        "a good long password",
        &[],
    );
    let second = create_owner_with_cli(
        &database,
        "Acme",
        "b@acme.example",
        "a good long password",
        &[],
    );
    assert_eq!(stdout(&first).trim(), "acme");
    assert_eq!(stdout(&second).trim(), "acme-2");
}

#[tokio::test]
async fn add_member_creates_a_new_user_but_never_attaches_an_existing_account() {
    let database = Arc::new(TestDatabase::create().await);
    let created = create_owner_with_cli(
        &database,
        "Acme",
        "ada@example.com",
        "ada's long password",
        &[],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let other = create_owner_with_cli(
        &database,
        "Beta",
        "bob@example.com",
        "bob's long password",
        &[],
    );
    assert!(other.status.success(), "{}", stderr(&other));

    let added = run_cli(
        &database,
        &[
            "admin",
            "add-member",
            "--org",
            "acme",
            "--email",
            "Vic@Example.com",
            "--role",
            "viewer",
        ],
        "vic's long password\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    // An existing account joins only by accepting an invitation as itself.
    let attached = run_cli(
        &database,
        &[
            "admin",
            "add-member",
            "--org",
            "acme",
            "--email",
            "bob@example.com",
            "--role",
            "admin",
        ],
        "someone else's choice of password\n",
    );
    assert!(!attached.status.success());
    assert!(
        stderr(&attached).contains("already has an account")
            && stderr(&attached).contains("admin invite"),
        "{}",
        stderr(&attached)
    );
    let again = run_cli(
        &database,
        &[
            "admin",
            "add-member",
            "--org",
            "acme",
            "--email",
            "vic@example.com",
            "--role",
            "member",
        ],
        "",
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already has an account"),
        "{}",
        stderr(&again)
    );
    let nowhere = run_cli(
        &database,
        &[
            "admin",
            "add-member",
            "--org",
            "nope",
            "--email",
            "vic@example.com",
            "--role",
            "member",
        ],
        "",
    );
    assert!(!nowhere.status.success());

    let app = spawn_app_on(database.clone(), &[]).await;
    assert_eq!(
        app.login("vic@example.com", "vic's long password").await,
        LoginOutcome::SignedIn
    );
    let me = app.current_user().await.unwrap();
    assert_eq!(me.org.slug, "acme");
    assert_eq!(me.org.role, app::model::Role::Viewer);
    // The two Owners and Vic; Bob was never attached.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'member.added'")
            .await,
        3
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 3);
}
