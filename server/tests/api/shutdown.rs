//! A graceful stop (what SIGTERM starts) loses nothing: audit events written off the
//! response path reach the database before the server finishes stopping. (Usage counted
//! in memory: `v1::usage::a_graceful_shutdown_writes_every_counted_request`.)

use std::time::Duration;

use app::model::{LoginOutcome, Mode, Plan, Scope};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use tokio::time::Instant;

use crate::{
    helpers::{Backend, backend, spawn_app_with},
    v1::{PASSWORD, call},
};

#[tokio::test]
async fn a_graceful_stop_waits_for_the_audit_writes_made_off_the_response_path() {
    if backend() != Backend::Postgres {
        eprintln!("PostgreSQL only: the test holds a table lock from a second connection");
        return;
    }
    let mut app = spawn_app_with(&[
        ("KEYWARD_RATE_LIMIT_ENTERPRISE", "1"),
        ("KEYWARD_RATE_LIMIT_WINDOW_SECONDS", "900"),
    ])
    .await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Enterprise)
        .await;
    let key = app
        .secret(ada.org.org_id, ada.org.owner_id, Mode::Live, &[Scope::All])
        .await;

    // Inserts into the audit log wait on this lock until it is released, well after the
    // stop has begun; reads (the counts below) do not.
    let blocker = Database::connect(&app.database().url).await.unwrap();
    let held = blocker.begin().await.unwrap();
    held.execute_unprepared("LOCK TABLE audit_events IN SHARE MODE")
        .await
        .unwrap();

    let outcome = app.login("ada@example.com", "not her password").await;
    assert_eq!(outcome, LoginOutcome::InvalidCredentials);
    assert_eq!(
        call(&app, Method::GET, "/whoami", Some(&key), None).await.0,
        200
    );
    assert_eq!(
        call(&app, Method::GET, "/whoami", Some(&key), None).await.0,
        429
    );

    let stop = async {
        app.stop().await;
        Instant::now()
    };
    let release = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let released_at = Instant::now();
        held.commit().await.unwrap();
        released_at
    };
    let (stopped_at, released_at) = tokio::join!(stop, release);
    assert!(
        stopped_at > released_at,
        "the stop finished {:?} before the held audit writes could run",
        released_at - stopped_at
    );
    for action in ["user.sign_in_failed", "api_key.rate_limited"] {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = '{action}'"
            ))
            .await,
            1,
            "{action} was written before the server stopped"
        );
    }
}
