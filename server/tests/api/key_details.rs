//! The key details page's server functions: configuration, usage by range, activity.

use app::{
    model::{AuditListing, KeyDetailsView, KeyUsage, Mode, Role},
    ssr::{entities::api_key_usage, services::usage::hour_of},
};
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::json;
use uuid::Uuid;

use crate::{
    helpers::{TestApp, spawn_app_with},
    keys::new_key,
    v1::{PASSWORD, add_member, call, owner},
};

async fn details(app: &TestApp, id: Uuid) -> (u16, Option<KeyDetailsView>) {
    let response = app
        .post_form("/api/key_details", &[("id", &id.to_string())])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

async fn usage(app: &TestApp, id: Uuid, range: &str) -> KeyUsage {
    let response = app
        .post_json("/api/key_usage", json!({ "id": id, "range": range }))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a KeyUsage")
}

async fn activity(app: &TestApp, id: Uuid) -> AuditListing {
    let response = app
        .post_json("/api/key_activity", json!({ "id": id, "cursor": null }))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("an AuditListing")
}

#[tokio::test]
async fn details_show_the_configuration_and_the_key_that_replaced_it() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Deploy"))
        .await
        .unwrap();
    app.login("ada@example.com", PASSWORD).await;

    let (status, view) = details(&app, issued.key.id).await;
    assert_eq!(status, 200);
    let view = view.unwrap();
    assert!(view.can_manage);
    assert_eq!(view.details.row.key.name, "Deploy");
    assert_eq!(
        view.details.row.created_by_email.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(view.details.row.workspace_name, "Default");
    assert_eq!(view.details.rolled_into, None);

    let rolled = app
        .post_form(
            "/api/roll_api_key",
            &[("id", &issued.key.id.to_string()), ("grace", "1h")],
        )
        .await;
    assert_eq!(rolled.status(), 200);
    let successor: app::model::CreatedKey = rolled.json().await.unwrap();
    let (_, view) = details(&app, issued.key.id).await;
    assert_eq!(view.unwrap().details.rolled_into, Some(successor.key.id));
    let (_, view) = details(&app, successor.key.id).await;
    assert_eq!(
        view.unwrap().details.row.key.rolled_from,
        Some(issued.key.id)
    );
}

#[tokio::test]
async fn usage_counts_the_keys_requests_in_the_chosen_range() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Metered"))
        .await
        .unwrap();
    let other = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Other"))
        .await
        .unwrap();
    for _ in 0..4 {
        assert_eq!(
            call(&app, Method::GET, "/whoami", Some(&issued.secret), None)
                .await
                .0,
            200
        );
    }
    assert_eq!(
        call(&app, Method::GET, "/audit", Some(&issued.secret), None)
            .await
            .0,
        200
    );
    call(&app, Method::GET, "/whoami", Some(&other.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();
    // Three days ago: inside the week and the month, outside the last 24 hours.
    api_key_usage::ActiveModel {
        key_id: Set(issued.key.id),
        hour_start: Set(hour_of(Utc::now() - Duration::days(3))),
        org_id: Set(ada.org.org_id),
        mode: Set(Mode::Test),
        total: Set(10),
        succeeded: Set(6),
        failed: Set(4),
    }
    .insert(&app.db)
    .await
    .unwrap();
    app.login("ada@example.com", PASSWORD).await;

    let day = usage(&app, issued.key.id, "Day").await;
    assert_eq!(day.buckets.len(), 24);
    assert_eq!(day.mode, Mode::Test);
    assert_eq!(
        (day.totals.total, day.totals.succeeded, day.totals.failed),
        (5, 5, 0)
    );
    assert_eq!(
        day.buckets.last().unwrap().counts.total,
        5,
        "this hour is the last bar"
    );

    let week = usage(&app, issued.key.id, "Week").await;
    assert_eq!(week.buckets.len(), 7);
    assert_eq!(
        (week.totals.total, week.totals.succeeded, week.totals.failed),
        (15, 11, 4)
    );
    assert_eq!(
        week.buckets.iter().filter(|b| b.counts.total > 0).count(),
        2
    );

    let month = usage(&app, issued.key.id, "Month").await;
    assert_eq!((month.buckets.len(), month.totals.total), (30, 15));
}

#[tokio::test]
async fn activity_lists_the_keys_own_events_newest_first() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Tracked"))
        .await
        .unwrap();
    app.issue_key(ada.org.org_id, ada.org.owner_id, new_key("Untracked"))
        .await
        .unwrap();
    app.login("ada@example.com", PASSWORD).await;
    let edit = json!({ "id": issued.key.id, "edit": {
        "name": "Tracked",
        "description": "now described",
        "scopes": ["*"],
        "expiry": null,
        "allowed_ips": [],
    }});
    assert_eq!(
        app.post_json("/api/update_api_key", edit).await.status(),
        200
    );
    app.post_form("/api/revoke_api_key", &[("id", &issued.key.id.to_string())])
        .await;

    let listing = activity(&app, issued.key.id).await;
    let actions: Vec<&str> = listing.rows.iter().map(|row| row.action.as_str()).collect();
    assert_eq!(
        actions,
        ["api_key.revoked", "api_key.updated", "api_key.created"]
    );
    assert!(
        listing
            .rows
            .iter()
            .all(|row| row.target_id == Some(issued.key.id.to_string()))
    );
}

#[tokio::test]
async fn keys_of_other_organizations_are_not_found_and_every_role_may_read() {
    let app = spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let ada_key = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("Ada's"))
        .await
        .unwrap();
    let eve = owner(&app, "eve@example.com").await;
    let eve_key = app
        .issue_key(eve.org.org_id, eve.org.owner_id, new_key("Eve's"))
        .await
        .unwrap();
    add_member(&app, &ada, "vic@example.com", Role::Viewer).await;

    app.login("vic@example.com", PASSWORD).await;
    let switched = app
        .post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
        .await;
    assert_eq!(switched.status(), 200);
    let (status, view) = details(&app, ada_key.key.id).await;
    assert_eq!(status, 200, "a Viewer reads the details");
    assert!(!view.unwrap().can_manage);

    assert_eq!(details(&app, eve_key.key.id).await.0, 404);
    assert_eq!(details(&app, Uuid::now_v7()).await.0, 404);
    let foreign_usage = app
        .post_json(
            "/api/key_usage",
            json!({ "id": eve_key.key.id, "range": "Day" }),
        )
        .await;
    assert_eq!(foreign_usage.status(), 404);
    let foreign_activity = app
        .post_json(
            "/api/key_activity",
            json!({ "id": eve_key.key.id, "cursor": null }),
        )
        .await;
    assert_eq!(foreign_activity.status(), 404);
    assert_eq!(
        app.post_form("/api/key_details", &[("id", "not-a-key")])
            .await
            .status(),
        422
    );
    assert_eq!(
        app.post_json(
            "/api/key_usage",
            json!({ "id": ada_key.key.id, "range": "Year" })
        )
        .await
        .status(),
        422
    );
}
