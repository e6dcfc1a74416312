//! The cache of verified keys: warm requests stay off the database, changes made by
//! another process arrive through the change feed, and a broken feed fails closed.

use std::time::{Duration, Instant};

use app::{
    model::{Mode, Scope},
    ssr::{
        key_cache::feed::Invalidator,
        keys::format,
        services::{audit::Actor, keys},
    },
};
use reqwest::Method;
use sea_orm::ConnectionTrait;

use super::{CROSS_PROCESS_BOUND, INVALID_TOKEN, call, key, owner, refused_within};
use crate::helpers::{Backend, TestApp, backend, spawn_app, spawn_app_on, spawn_app_with};

const SYSTEM: Actor = Actor::System { label: "test" };

#[tokio::test]
async fn warm_requests_with_a_known_key_make_no_database_lookup() {
    let app = spawn_app().await;
    app.wait_for_key_cache().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    assert_eq!(status, 200);
    let loads = app.key_loads();
    for _ in 0..20 {
        let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
        assert_eq!(status, 200);
    }
    assert_eq!(app.key_loads(), loads);
}

#[tokio::test]
async fn a_repeated_unknown_key_is_looked_up_once() {
    let app = spawn_app().await;
    app.wait_for_key_cache().await;
    let fake = format::generate("kw", Mode::Live).expect("a key");
    let loads = app.key_loads();
    for _ in 0..10 {
        let (status, body) = call(&app, Method::GET, "/whoami", Some(&fake), None).await;
        assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    }
    assert_eq!(app.key_loads(), loads + 1);
}

#[tokio::test]
async fn a_second_server_refuses_a_key_revoked_through_the_first_within_the_bound() {
    let first = spawn_app().await;
    let second = spawn_app_on(first.shared_database(), &[]).await;
    second.wait_for_key_cache().await;
    let ada = owner(&first, "ada@example.com").await;
    let issued = first
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            keys::NewKey {
                name: "replicated".into(),
                description: None,
                mode: Mode::Live,
                scopes: vec![Scope::All],
                workspace_slug: None,
                expiry: keys::Expiry::InDays(30),
            },
        )
        .await
        .unwrap();
    for _ in 0..3 {
        let (status, _) = call(&second, Method::GET, "/whoami", Some(&issued.secret), None).await;
        assert_eq!(status, 200);
    }
    let loads = second.key_loads();
    let started = Instant::now();
    keys::revoke_key(
        &first.db,
        &first.audit,
        &first.invalidator,
        issued.key.id,
        None,
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let (status, body) = refused_within(&second, &issued.secret, CROSS_PROCESS_BOUND).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    assert!(started.elapsed() < CROSS_PROCESS_BOUND);
    // The second server learned of it through the feed and reloaded the key once.
    assert!(second.key_loads() > loads);
}

#[tokio::test]
async fn a_cut_listener_connection_never_leaves_a_revoked_key_working() {
    if backend() != Backend::Postgres {
        return; // SQLite servers poll; there is no listener connection to cut.
    }
    let app = spawn_app().await;
    app.wait_for_key_cache().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    assert_eq!(status, 200);
    let key_id: uuid::Uuid = {
        let (_, body) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
        let whoami: serde_json::Value = serde_json::from_str(&body).unwrap();
        whoami["keyId"].as_str().unwrap().parse().unwrap()
    };

    cut_the_listener_connection(&app).await;
    // Revoked as another replica would: this server's own invalidator is not told, and
    // the notification goes out while its listener is gone.
    keys::revoke_key(
        &app.db,
        &app.audit,
        &Invalidator::detached(),
        key_id,
        None,
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let (status, body) = refused_within(&app, &secret, CROSS_PROCESS_BOUND).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));

    // The listener comes back and the cache is used again.
    let other = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.wait_for_key_cache().await;
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&other), None).await;
    assert_eq!(status, 200);
    let loads = app.key_loads();
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&other), None).await;
    assert_eq!(status, 200);
    assert_eq!(app.key_loads(), loads);
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn forged_keys_from_one_address_are_stopped_before_the_database_but_a_known_key_is_not() {
    let (app, secret) = known_key_and_a_spent_address().await;
    let loads = app.key_loads();
    for _ in 0..20 {
        let (status, body) = call(&app, Method::GET, "/whoami", Some(&forged_key()), None).await;
        assert_eq!(status, 429, "{body}");
    }
    assert_eq!(
        app.key_loads(),
        loads,
        "refused forgeries reached the database"
    );
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_known_key_from_a_blocked_address_is_still_looked_up_while_the_cache_is_not_trusted() {
    if backend() != Backend::Postgres {
        return; // Only a cut listener connection makes a running server distrust its cache.
    }
    let (app, secret) = known_key_and_a_spent_address().await;
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&forged_key()), None).await;
    assert_eq!(status, 429, "the address's budget is spent");

    cut_the_listener_connection(&app).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.verified_keys.trusted() {
        assert!(Instant::now() < deadline, "the cache stayed trusted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    assert_eq!(
        status, 200,
        "a known key is read from the database, not refused"
    );
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&forged_key()), None).await;
    assert_eq!(status, 429, "a forged one still is");
}

fn forged_key() -> String {
    format::generate("kw", Mode::Live).expect("a key")
}

/// A server allowing 5 failed verifications per address a minute, a key it has verified
/// (so cached), and this test's address past its budget (6 forged keys refused).
async fn known_key_and_a_spent_address() -> (TestApp, String) {
    let app = spawn_app_with(&[("KEYWARD_FAILED_KEYS_PER_IP_PER_MINUTE", "5")]).await;
    app.wait_for_key_cache().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let (status, _) = call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    assert_eq!(status, 200);
    // The budget, then one more failure empties it.
    for _ in 0..6 {
        let (status, body) = call(&app, Method::GET, "/whoami", Some(&forged_key()), None).await;
        assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    }
    (app, secret)
}

/// Ends this server's change-listener connection from the database side (PostgreSQL).
async fn cut_the_listener_connection(app: &TestApp) {
    app.db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'keyward-listener' AND datname = current_database()",
        )
        .await
        .expect("the listener's connection is terminated");
}
