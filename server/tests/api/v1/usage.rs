//! Usage metering: every answered request of a key is counted once, in its UTC hour,
//! and reaches the database on a flush or on graceful shutdown.

use app::{
    model::{Mode, Scope},
    ssr::{
        entities::{api_key, api_key_usage},
        services::keys,
    },
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{call, owner};
use crate::helpers::{TestApp, spawn_app_with};

async fn usage_of(app: &TestApp, key_id: Uuid) -> (i64, i64, i64) {
    let rows = api_key_usage::Entity::find()
        .filter(api_key_usage::Column::KeyId.eq(key_id))
        .all(&app.db)
        .await
        .unwrap();
    rows.iter().fold((0, 0, 0), |(t, s, f), row| {
        (t + row.total, s + row.succeeded, f + row.failed)
    })
}

fn new_key(mode: Mode, scopes: &[Scope]) -> keys::NewKey {
    keys::NewKey {
        name: "metered".into(),
        description: None,
        mode,
        scopes: scopes.to_vec(),
        workspace_slug: None,
        expiry: keys::Expiry::InDays(30),
    }
}

#[tokio::test]
async fn counters_equal_the_requests_sent_after_a_flush() {
    // A long interval: only the explicit flush below writes.
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(Mode::Live, &[Scope::ClientsRead]),
        )
        .await
        .unwrap();
    for _ in 0..7 {
        assert_eq!(
            call(&app, Method::GET, "/clients", Some(&issued.secret), None)
                .await
                .0,
            200
        );
    }
    for _ in 0..3 {
        assert_eq!(
            call(&app, Method::GET, "/audit", Some(&issued.secret), None)
                .await
                .0,
            403
        );
    }
    assert_eq!(
        call(&app, Method::GET, "/nowhere", Some(&issued.secret), None)
            .await
            .0,
        404
    );
    assert_eq!(
        usage_of(&app, issued.key.id).await,
        (0, 0, 0),
        "nothing written per request"
    );

    let flushed = app.usage.flush(&app.db).await.unwrap();
    assert_eq!(flushed.requests, 11);
    assert_eq!(usage_of(&app, issued.key.id).await, (11, 7, 4));
    let key = api_key::Entity::find_by_id(issued.key.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(key.last_used_at.is_some());
    assert_eq!(key.last_used_ip.as_deref(), Some("127.0.0.1"));

    // Later flushes add to the same hour's row.
    call(&app, Method::GET, "/clients", Some(&issued.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();
    assert_eq!(usage_of(&app, issued.key.id).await, (12, 8, 4));
}

#[tokio::test]
async fn refusals_count_against_the_key_they_name_without_moving_its_last_use_and_junk_counts_nowhere()
 {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(Mode::Test, &[Scope::All]),
        )
        .await
        .unwrap();
    app.revoke_key(issued.key.id).await;
    for _ in 0..2 {
        assert_eq!(
            call(&app, Method::GET, "/whoami", Some(&issued.secret), None)
                .await
                .0,
            401
        );
    }
    call(&app, Method::GET, "/whoami", Some("kw_test_junk"), None).await;
    app.usage.flush(&app.db).await.unwrap();
    assert_eq!(usage_of(&app, issued.key.id).await, (2, 0, 2));
    assert_eq!(app.count("SELECT COUNT(*) FROM api_key_usage").await, 1);
    let row = api_key_usage::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.mode,
        Mode::Test,
        "test traffic is recorded as test (not billed)"
    );
    let key = api_key::Entity::find_by_id(issued.key.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (key.last_used_at, key.last_used_ip),
        (None, None),
        "a refused key was not used"
    );
}

#[tokio::test]
async fn a_graceful_shutdown_writes_every_counted_request() {
    let mut app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let live = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(Mode::Live, &[Scope::All]),
        )
        .await
        .unwrap();
    for _ in 0..5 {
        assert_eq!(
            call(&app, Method::GET, "/whoami", Some(&live.secret), None)
                .await
                .0,
            200
        );
    }
    app.stop().await;
    assert_eq!(usage_of(&app, live.key.id).await, (5, 5, 0));
}

#[tokio::test]
async fn the_periodic_flush_writes_without_being_asked() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "100")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(Mode::Live, &[Scope::All]),
        )
        .await
        .unwrap();
    call(&app, Method::GET, "/whoami", Some(&issued.secret), None).await;
    for _ in 0..100 {
        if usage_of(&app, issued.key.id).await == (1, 1, 0) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "usage was not flushed within 5 s: {:?}",
        usage_of(&app, issued.key.id).await
    );
}
