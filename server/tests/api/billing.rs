//! The Billing page's server functions: this month's usage, and the Owner-only switch.

use app::model::{AuditListing, BillingOverview, Mode, Plan, Role};
use reqwest::Method;
use serde_json::json;

use crate::{
    helpers::{TestApp, spawn_app_with},
    keys::new_key,
    v1::{FORBIDDEN, PASSWORD, add_member, call, owner},
};

async fn overview(app: &TestApp) -> BillingOverview {
    let response = app.post_form("/api/billing_overview", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a BillingOverview")
}

#[tokio::test]
async fn this_months_live_and_test_requests_are_counted_apart() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let live = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            app::ssr::services::keys::NewKey {
                mode: Mode::Live,
                ..new_key("Live")
            },
        )
        .await
        .unwrap();
    let test = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Test"))
        .await
        .unwrap();
    for _ in 0..3 {
        call(&app, Method::GET, "/whoami", Some(&live.secret), None).await;
    }
    call(&app, Method::GET, "/nowhere", Some(&live.secret), None).await;
    for _ in 0..2 {
        call(&app, Method::GET, "/whoami", Some(&test.secret), None).await;
    }
    // Another organization's requests are not ours.
    let eve = owner(&app, "eve@example.com").await;
    let eve_key = app
        .issue_key(eve.org.org_id, eve.org.owner_id, new_key("Eve"))
        .await
        .unwrap();
    call(&app, Method::GET, "/whoami", Some(&eve_key.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();

    app.login("ada@example.com", PASSWORD).await;
    let billing = overview(&app).await;
    assert_eq!(billing.plan, Plan::Enterprise);
    assert!(billing.can_change_plan);
    assert_eq!(
        (
            billing.live.total,
            billing.live.succeeded,
            billing.live.failed
        ),
        (4, 3, 1)
    );
    assert_eq!((billing.test.total, billing.test.succeeded), (2, 2));
    assert_eq!(
        billing.period_start.format("%d %H:%M").to_string(),
        "01 00:00"
    );
}

#[tokio::test]
async fn an_owner_switches_the_plan_and_the_switch_is_audited_and_enforced() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let key = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Gated"))
        .await
        .unwrap();
    app.login("ada@example.com", PASSWORD).await;

    let switched = app
        .post_form("/api/change_plan", &[("plan", "starter")])
        .await;
    assert_eq!(switched.status(), 200);
    assert_eq!(overview(&app).await.plan, Plan::Starter);
    let (status, body) = call(&app, Method::GET, "/whoami", Some(&key.secret), None).await;
    assert_eq!(
        (status, body.as_str()),
        (403, FORBIDDEN),
        "Starter has no API access"
    );
    let events: AuditListing = app
        .post_json(
            "/api/audit_listing",
            json!({ "query": { "action": "organization.plan_changed" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events.rows.len(), 1);
    assert!(
        events.rows[0]
            .details
            .contains(&("from".to_owned(), "enterprise".to_owned()))
    );
    assert!(
        events.rows[0]
            .details
            .contains(&("to".to_owned(), "starter".to_owned()))
    );
    assert_eq!(
        events.rows[0].actor_label.as_deref(),
        Some("ada@example.com")
    );

    assert_eq!(
        app.post_form("/api/change_plan", &[("plan", "business")])
            .await
            .status(),
        200
    );
    assert_eq!(
        call(&app, Method::GET, "/whoami", Some(&key.secret), None)
            .await
            .0,
        200
    );
    // The same plan again changes and records nothing.
    assert_eq!(
        app.post_form("/api/change_plan", &[("plan", "business")])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'organization.plan_changed'")
            .await,
        2
    );
}

#[tokio::test]
async fn only_owners_switch_plans_and_unknown_plans_are_refused() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    add_member(&app, &ada, "adam@example.com", Role::Admin).await;
    app.login("adam@example.com", PASSWORD).await;
    let switched = app
        .post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
        .await;
    assert_eq!(switched.status(), 200);
    assert!(!overview(&app).await.can_change_plan);
    assert_eq!(
        app.post_form("/api/change_plan", &[("plan", "starter")])
            .await
            .status(),
        403
    );
    app.post_form("/api/logout", &[]).await;

    app.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        app.post_form("/api/change_plan", &[("plan", "platinum")])
            .await
            .status(),
        422
    );
    assert_eq!(app.post_form("/api/change_plan", &[]).await.status(), 422);
    assert_eq!(
        overview(&app).await.plan,
        Plan::Enterprise,
        "nothing changed"
    );
}

#[tokio::test]
async fn billing_shows_the_rate_limits_in_force_not_the_compiled_in_ones() {
    let app = spawn_app_with(&[
        ("KEYWARD_RATE_LIMIT_BUSINESS", "1234"),
        ("KEYWARD_RATE_LIMIT_WINDOW_SECONDS", "3600"),
    ])
    .await;
    owner(&app, "ada@example.com").await;
    app.login("ada@example.com", PASSWORD).await;
    let billing = overview(&app).await;
    assert_eq!(billing.requests_allowed(Plan::Business), Some(1234));
    assert_eq!(billing.requests_allowed(Plan::Professional), Some(1_000));
    assert_eq!(billing.requests_allowed(Plan::Starter), None);
    assert_eq!(billing.rate_window_label(), "1 h");
}
