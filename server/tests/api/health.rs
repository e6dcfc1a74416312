use app::model::Plan;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_ok_while_the_process_runs() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_answers_ok_when_the_database_is_reachable() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn readyz_answers_503_once_the_database_connection_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.expect("pool closes");
    assert_eq!(app.get("/readyz").await.status(), 503);
}

#[tokio::test]
async fn pages_cannot_be_framed_and_nothing_is_mime_sniffed() {
    let app = spawn_app().await;
    let page = app.get("/login").await;
    assert_eq!(page.status(), 200);
    let headers = page.headers();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let api = app.get("/v1/whoami").await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn pages_and_server_function_answers_are_never_cached() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/login").await.headers()["cache-control"],
        "no-store"
    );
    // The answer that shows a new key's secret once.
    app.create_owner("ada@example.com", "a long enough password", Plan::Business)
        .await;
    app.login("ada@example.com", "a long enough password").await;
    let created = app
        .client
        .post(app.url("/api/create_api_key"))
        .header("Origin", &app.address)
        .header("Accept", "application/json")
        .json(&serde_json::json!({ "form": {
            "name": "cached?", "description": null, "mode": "test",
            "workspace_id": null, "scopes": ["*"], "expiry": { "Days": 90 },
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let health = app.get("/healthz").await;
    assert!(health.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn behind_https_every_answer_keeps_browsers_on_https() {
    let app = spawn_app_with(&[("KEYWARD_PUBLIC_URL", "https://keys.example.com")]).await;
    for path in ["/login", "/healthz", "/v1/whoami"] {
        let response = app.get(path).await;
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=63072000",
            "{path}"
        );
    }
}
