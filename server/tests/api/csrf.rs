//! CSRF with a live session: every server function, called with the signed-in cookie
//! from another site, is refused before it runs, and nothing changes.

use app::model::Plan;
use reqwest::{Method, StatusCode};

use crate::{helpers::spawn_app, v1::PASSWORD};

const TABLES: [&str; 9] = [
    "audit_events",
    "api_keys",
    "users",
    "organizations",
    "memberships",
    "invitations",
    "workspaces",
    "webhooks",
    "sessions",
];

#[tokio::test]
async fn every_server_function_refuses_a_signed_in_cross_site_call_and_writes_nothing() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    let mut paths: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(_, method)| !method.is_safe())
        .map(|(path, _)| path)
        .collect();
    paths.sort_unstable();
    for known in [
        "/api/login",
        "/api/create_api_key",
        "/api/remove_member",
        "/api/change_plan",
        "/api/rename_workspace",
    ] {
        assert!(paths.contains(&known), "{known} is walked: {paths:?}");
    }
    let mut before = Vec::new();
    for table in TABLES {
        before.push(app.count(&format!("SELECT COUNT(*) FROM {table}")).await);
    }

    for path in &paths {
        let forged_origin = app
            .client
            .request(Method::POST, app.url(path))
            .header("Origin", "https://attacker.example")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("id=00000000-0000-0000-0000-000000000000")
            .send()
            .await
            .unwrap();
        assert_eq!(
            forged_origin.status(),
            StatusCode::FORBIDDEN,
            "{path}, foreign Origin"
        );
        let cross_site = app
            .client
            .request(Method::POST, app.url(path))
            .header("Sec-Fetch-Site", "cross-site")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(
            cross_site.status(),
            StatusCode::FORBIDDEN,
            "{path}, cross-site, no Origin"
        );
    }

    let mut after = Vec::new();
    for table in TABLES {
        after.push(app.count(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    assert_eq!(before, after, "rows per table: {TABLES:?}");
    assert!(
        app.current_user().await.is_some(),
        "the session survived every refused call"
    );
}
