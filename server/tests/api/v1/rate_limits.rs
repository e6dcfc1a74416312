//! Per-plan quotas on `/v1`: per key and per organization, live and test apart, with
//! the documented 429 body and `Retry-After` / `RateLimit-*` headers.

use app::{
    model::{Mode, Scope},
    ssr::entities::api_key_usage,
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{key, owner};
use crate::helpers::{TestApp, spawn_app_with};

/// Enterprise organizations (what `owner` creates) get 3 requests per 900 s here.
async fn app_with_quota_of_three() -> TestApp {
    spawn_app_with(&[
        ("KEYWARD_RATE_LIMIT_ENTERPRISE", "3"),
        ("KEYWARD_RATE_LIMIT_WINDOW_SECONDS", "900"),
    ])
    .await
}

async fn whoami(app: &TestApp, key: &str) -> reqwest::Response {
    app.v1(Method::GET, "/whoami", Some(key))
        .send()
        .await
        .expect("request sent")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().expect("ASCII").to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_quota_is_counted_down_in_headers_then_refused_with_the_documented_429() {
    let app = app_with_quota_of_three().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    for remaining in ["2", "1", "0"] {
        let response = whoami(&app, &secret).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), "3");
        assert_eq!(header(&response, "ratelimit-remaining"), remaining);
        let reset: u64 = header(&response, "ratelimit-reset").parse().unwrap();
        assert!((1..=900).contains(&reset));
    }
    let refused = whoami(&app, &secret).await;
    assert_eq!(refused.status(), 429);
    // One request comes back every 900 / 3 = 300 seconds.
    let retry_after = header(&refused, "retry-after");
    let seconds: u64 = retry_after.parse().unwrap();
    assert!((299..=300).contains(&seconds), "{retry_after}");
    assert_eq!(header(&refused, "ratelimit-remaining"), "0");
    assert_eq!(
        refused.text().await.unwrap(),
        format!(
            r#"{{"statusCode":429,"error":"Too Many Requests","message":"Rate limit exceeded. Please try again later.","retryAfter":{seconds}}}"#
        )
    );
}

#[tokio::test]
async fn the_organization_shares_one_quota_per_mode_and_test_traffic_never_starves_live() {
    let app = app_with_quota_of_three().await;
    let ada = owner(&app, "ada@example.com").await;
    let first = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let second = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let sandbox = key(&app, &ada, Mode::Test, &[Scope::All]).await;
    for _ in 0..3 {
        assert_eq!(whoami(&app, &sandbox).await.status(), 200);
    }
    assert_eq!(whoami(&app, &sandbox).await.status(), 429);
    assert_eq!(whoami(&app, &first).await.status(), 200);
    assert_eq!(whoami(&app, &first).await.status(), 200);
    assert_eq!(whoami(&app, &second).await.status(), 200);
    // Each live key has spent at most 2 of its own 3, but the organization's 3 are gone.
    assert_eq!(whoami(&app, &second).await.status(), 429);
}

#[tokio::test]
async fn concurrent_requests_never_exceed_the_quota() {
    let app = app_with_quota_of_three().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let responses = futures_join(&app, &secret, 24).await;
    let admitted = responses.iter().filter(|status| **status == 200).count();
    let refused = responses.iter().filter(|status| **status == 429).count();
    assert_eq!((admitted, refused), (3, 21));
}

async fn futures_join(app: &TestApp, secret: &str, n: usize) -> Vec<u16> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let request = app.v1(Method::GET, "/whoami", Some(secret));
        tasks.spawn(async move { request.send().await.expect("sent").status().as_u16() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("task"));
    }
    statuses
}

#[tokio::test]
async fn refusals_for_rate_count_as_failures_and_are_audited_once_per_window() {
    let app = app_with_quota_of_three().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    for _ in 0..8 {
        whoami(&app, &secret).await;
    }
    app.usage.flush(&app.db).await.unwrap();
    let rows = api_key_usage::Entity::find()
        .filter(api_key_usage::Column::OrgId.eq(ada.org.org_id))
        .all(&app.db)
        .await
        .unwrap();
    let (total, succeeded, failed) = rows.iter().fold((0, 0, 0), |(t, s, f), row| {
        (t + row.total, s + row.succeeded, f + row.failed)
    });
    assert_eq!((total, succeeded, failed), (8, 3, 5));
    // The audit event is written off the request path.
    let mut audited = 0;
    for _ in 0..50 {
        audited = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.rate_limited'")
            .await;
        if audited > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(audited, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.rate_limited'")
            .await,
        1
    );
}
