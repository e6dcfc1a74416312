//! Each key's request log: what `/v1` answered to every request that named the key,
//! written with the usage counts (never per request), kept within its retention and
//! its cap per key, and read on the key page by status class and page.

use app::{
    model::{Mode, Refusal, RequestListing, Scope},
    ssr::{
        entities::api_request,
        services::{
            keys,
            request_log::{LoggedRequest, RequestLogLimits},
        },
    },
};
use chrono::{TimeDelta, Utc};
use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::{PASSWORD, call, owner};
use crate::helpers::{TestApp, spawn_app_with};

async fn logged(app: &TestApp, key_id: Uuid) -> Vec<api_request::Model> {
    api_request::Entity::find()
        .filter(api_request::Column::KeyId.eq(key_id))
        .order_by_asc(api_request::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

fn new_key(scopes: &[Scope]) -> keys::NewKey {
    keys::NewKey {
        name: "logged".into(),
        description: None,
        mode: Mode::Live,
        scopes: scopes.to_vec(),
        workspace_slug: None,
        expiry: keys::Expiry::InDays(30),
    }
}

/// Only explicit flushes write: the interval is longer than any test.
async fn quiet_app(extra: &[(&str, &str)]) -> TestApp {
    let mut overrides = vec![("KEYWARD_USAGE_FLUSH_MS", "300000")];
    overrides.extend_from_slice(extra);
    spawn_app_with(&overrides).await
}

#[tokio::test]
async fn every_answer_to_a_key_is_logged_with_route_status_address_and_reason_after_a_flush() {
    let app = quiet_app(&[]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&[Scope::ClientsRead]),
        )
        .await
        .unwrap();
    let secret = issued.secret.as_str();
    let missing = Uuid::new_v4();
    let sent = [
        (Method::GET, "/clients".to_owned(), 200),
        (Method::GET, format!("/clients/{missing}"), 404),
        (Method::GET, "/audit".to_owned(), 403),
        (Method::PUT, "/whoami".to_owned(), 405),
        (Method::GET, "/nowhere?secret=1".to_owned(), 404),
    ];
    for (method, path, status) in &sent {
        assert_eq!(
            call(&app, method.clone(), path, Some(secret), None).await.0,
            *status,
            "{method} {path}"
        );
    }
    call(&app, Method::GET, "/whoami", Some("kw_live_junk"), None).await;
    assert!(
        logged(&app, issued.key.id).await.is_empty(),
        "nothing written per request"
    );

    let flushed = app.usage.flush(&app.db).await.unwrap();
    assert_eq!(flushed.logged, 5, "the junk token names no key");
    let rows = logged(&app, issued.key.id).await;
    let seen: Vec<(String, String, i32, Option<Refusal>)> = rows
        .iter()
        .map(|row| {
            (
                row.method.clone(),
                row.route.clone(),
                row.status,
                row.refusal,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("GET".into(), "/v1/clients".into(), 200, None),
            ("GET".into(), "/v1/clients/{id}".into(), 404, None),
            (
                "GET".into(),
                "/v1/audit".into(),
                403,
                Some(Refusal::MissingScope)
            ),
            ("PUT".into(), "/v1/whoami".into(), 405, None),
            ("GET".into(), "/v1/nowhere".into(), 404, None),
        ],
        "templates, not ids; no query strings"
    );
    for row in &rows {
        assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(row.org_id, ada.org.org_id);
        assert_eq!(row.mode, Mode::Live);
        assert!(row.latency_micros >= 0);
        assert!((Utc::now() - row.at) < TimeDelta::minutes(5));
    }
}

#[tokio::test]
async fn a_revoked_key_still_presented_is_logged_against_it_with_the_reason() {
    let app = quiet_app(&[]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    app.revoke_key(issued.key.id).await;
    assert_eq!(
        call(&app, Method::GET, "/whoami", Some(&issued.secret), None)
            .await
            .0,
        401
    );
    app.usage.flush(&app.db).await.unwrap();
    let rows = logged(&app, issued.key.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, 401);
    assert_eq!(rows[0].refusal, Some(Refusal::Revoked));
    assert_eq!(rows[0].route, "/v1/whoami");
}

#[tokio::test]
async fn a_rate_limited_request_is_logged_as_such() {
    let app = quiet_app(&[
        ("KEYWARD_RATE_LIMIT_ENTERPRISE", "1"),
        ("KEYWARD_RATE_LIMIT_WINDOW_SECONDS", "900"),
    ])
    .await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    for expected in [200, 429] {
        assert_eq!(
            call(&app, Method::GET, "/whoami", Some(&issued.secret), None)
                .await
                .0,
            expected
        );
    }
    app.usage.flush(&app.db).await.unwrap();
    let refusals: Vec<(i32, Option<Refusal>)> = logged(&app, issued.key.id)
        .await
        .iter()
        .map(|row| (row.status, row.refusal))
        .collect();
    assert_eq!(refusals, [(200, None), (429, Some(Refusal::RateLimited))]);
}

#[tokio::test]
async fn pruning_keeps_the_newest_rows_up_to_the_cap_and_drops_rows_past_the_retention() {
    let app = quiet_app(&[]).await;
    let ada = owner(&app, "ada@example.com").await;
    let busy = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    let quiet = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    for _ in 0..14 {
        call(&app, Method::GET, "/whoami", Some(&busy.secret), None).await;
    }
    call(&app, Method::GET, "/whoami", Some(&quiet.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();
    let before = logged(&app, busy.key.id).await;
    assert_eq!(before.len(), 14);
    // A request from before the retention, as an older server would have logged it.
    let long_ago = Utc::now() - TimeDelta::days(31);
    api_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        key_id: Set(quiet.key.id),
        org_id: Set(ada.org.org_id),
        mode: Set(Mode::Live),
        at: Set(long_ago),
        method: Set("GET".into()),
        route: Set("/v1/whoami".into()),
        status: Set(200),
        ip: Set(None),
        latency_micros: Set(100),
        refusal: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();

    let limits = RequestLogLimits {
        retention_days: 30,
        rows_per_key: 10,
    };
    let pruned = app.usage.prune_log(&app.db, limits).await.unwrap();
    assert_eq!((pruned.expired, pruned.over_cap), (1, 4));
    let after = logged(&app, busy.key.id).await;
    assert_eq!(
        after.iter().map(|row| row.id).collect::<Vec<_>>(),
        before[4..].iter().map(|row| row.id).collect::<Vec<_>>(),
        "the ten newest stay"
    );
    let quiet_rows = logged(&app, quiet.key.id).await;
    assert_eq!(
        quiet_rows.len(),
        1,
        "the recent request of the quiet key stays"
    );
    assert!(quiet_rows[0].at > long_ago);

    let again = app.usage.prune_log(&app.db, limits).await.unwrap();
    assert_eq!(
        (again.expired, again.over_cap),
        (0, 0),
        "pruning again finds nothing"
    );
}

#[tokio::test]
async fn a_flush_writes_a_key_over_its_cap_failures_first_then_newest_and_counts_them_all() {
    let app = quiet_app(&[("KEYWARD_REQUEST_LOG_ROWS_PER_KEY", "10")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    call(&app, Method::GET, "/nowhere", Some(&issued.secret), None).await;
    for _ in 0..13 {
        call(&app, Method::GET, "/whoami", Some(&issued.secret), None).await;
    }
    let flushed = app.usage.flush(&app.db).await.unwrap();
    assert_eq!((flushed.requests, flushed.logged), (14, 10));
    let rows = logged(&app, issued.key.id).await;
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows[0].route, "/v1/nowhere",
        "the failure is kept although ten successes came after it"
    );
    assert!(rows[1..].iter().all(|row| row.route == "/v1/whoami"));
}

#[tokio::test]
async fn a_large_batch_is_written_in_several_statements_without_losing_a_row() {
    let app = quiet_app(&[]).await;
    let ada = owner(&app, "ada@example.com").await;
    // More than one statement's worth on either backend (5,000 and 2,500 rows), each key
    // within the 1,000 rows a flush writes per key.
    let mut keys = Vec::new();
    for _ in 0..7 {
        let issued = app
            .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
            .await
            .unwrap();
        keys.push(issued.key.id);
    }
    let start = Utc::now();
    for n in 0..900 {
        for &key_id in &keys {
            let subject = app::ssr::services::usage::UsageSubject {
                key_id,
                org_id: ada.org.org_id,
                mode: Mode::Live,
            };
            app.usage.record(
                subject,
                LoggedRequest {
                    at: start + TimeDelta::microseconds(n),
                    method: Method::GET,
                    route: std::sync::Arc::from("/v1/whoami"),
                    status: 200,
                    ip: None,
                    latency: std::time::Duration::from_micros(50),
                    refusal: None,
                    scope: None,
                },
            );
        }
    }
    let flushed = app.usage.flush(&app.db).await.unwrap();
    assert_eq!(flushed.logged, 6_300);
    for key_id in keys {
        let rows = logged(&app, key_id).await;
        assert_eq!(rows.len(), 900);
        assert!(
            rows.windows(2).all(|pair| pair[0].at < pair[1].at),
            "ids follow the request times"
        );
    }
}

#[tokio::test]
async fn every_refusal_reason_is_a_value_the_database_accepts() {
    let app = quiet_app(&[]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    let subject = app::ssr::services::usage::UsageSubject {
        key_id: issued.key.id,
        org_id: ada.org.org_id,
        mode: Mode::Live,
    };
    for &refusal in Refusal::ALL {
        app.usage.record_refused(
            subject,
            LoggedRequest {
                at: Utc::now(),
                method: Method::GET,
                route: std::sync::Arc::from("/v1/whoami"),
                status: 401,
                ip: None,
                latency: std::time::Duration::from_micros(50),
                refusal: Some(refusal),
                scope: None,
            },
        );
    }
    app.usage.flush(&app.db).await.unwrap();
    let stored: Vec<Option<Refusal>> = logged(&app, issued.key.id)
        .await
        .iter()
        .map(|row| row.refusal)
        .collect();
    let expected: Vec<Option<Refusal>> = Refusal::ALL.iter().copied().map(Some).collect();
    assert_eq!(stored, expected);
}

async fn requests(app: &TestApp, id: Uuid, class: &str, cursor: Option<&str>) -> RequestListing {
    let response = app
        .post_json(
            "/api/key_requests",
            json!({ "id": id, "class": class, "cursor": cursor }),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a RequestListing")
}

#[tokio::test]
async fn the_key_page_reads_the_log_newest_first_by_status_class_in_pages() {
    let app = quiet_app(&[]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&[Scope::ClientsRead]),
        )
        .await
        .unwrap();
    for _ in 0..30 {
        call(&app, Method::GET, "/clients", Some(&issued.secret), None).await;
    }
    call(&app, Method::GET, "/audit", Some(&issued.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();
    app.login("ada@example.com", PASSWORD).await;

    let first = requests(&app, issued.key.id, "All", None).await;
    assert_eq!(first.rows.len(), 25);
    assert_eq!(first.rows[0].status, 403, "newest first");
    assert_eq!(first.rows[0].refusal, Some(Refusal::MissingScope));
    assert_eq!((first.retention_days, first.rows_per_key), (30, 10_000));
    let cursor = first.next_cursor.expect("a second page");
    let second = requests(&app, issued.key.id, "All", Some(&cursor)).await;
    assert_eq!(second.rows.len(), 6);
    assert!(second.next_cursor.is_none());
    assert!(second.rows.iter().all(|row| !first.rows.contains(row)));

    let client_errors = requests(&app, issued.key.id, "ClientError", None).await;
    assert_eq!(client_errors.rows.len(), 1);
    assert_eq!(client_errors.rows[0].route, "/v1/audit");
    let server_errors = requests(&app, issued.key.id, "ServerError", None).await;
    assert!(server_errors.rows.is_empty());
    let succeeded = requests(&app, issued.key.id, "Succeeded", None).await;
    assert!(succeeded.rows.iter().all(|row| row.status == 200));
}
