//! The Audit Log page's server functions: newest first, filters, pages, no secrets.

use app::model::{ActorRef, AuditFilterChoices, AuditListing, CreatedKey, Plan, Role};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, spawn_app},
    keys::new_key,
    v1::{PASSWORD, add_member, owner},
};

fn new_key_form(name: &str) -> Value {
    json!({ "form": {
        "name": name,
        "description": null,
        "mode": "live",
        "workspace_id": null,
        "scopes": ["*"],
        "expiry": { "Days": 30 },
    }})
}

async fn listing(app: &TestApp, query: Value) -> AuditListing {
    let response = app
        .post_json("/api/audit_listing", json!({ "query": query }))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("an AuditListing")
}

fn actions(listing: &AuditListing) -> Vec<&str> {
    listing.rows.iter().map(|row| row.action.as_str()).collect()
}

#[tokio::test]
async fn the_log_lists_key_events_newest_first_and_never_a_secret() {
    let app = spawn_app().await;
    owner(&app, "ada@example.com").await;
    app.login("ada@example.com", PASSWORD).await;
    let created: CreatedKey = app
        .post_json("/api/create_api_key", new_key_form("Deploy"))
        .await
        .json()
        .await
        .unwrap();
    let revoked = app
        .post_form(
            "/api/revoke_api_key",
            &[("id", &created.key.id.to_string())],
        )
        .await;
    assert_eq!(revoked.status(), 200);

    let response = app
        .post_json("/api/audit_listing", json!({ "query": {} }))
        .await;
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(&created.secret),
        "the log never carries the secret"
    );
    let secret_tail = &created.secret[created.secret.len() - 20..];
    assert!(!text.contains(secret_tail), "not even a part of it");
    let listing: AuditListing = serde_json::from_str(&text).unwrap();
    assert_eq!(
        &actions(&listing)[..3],
        ["api_key.revoked", "api_key.created", "user.signed_in"]
    );
    let revoke = &listing.rows[0];
    assert_eq!(revoke.actor_label.as_deref(), Some("ada@example.com"));
    assert_eq!(revoke.target_kind.as_deref(), Some("api_key"));
    assert_eq!(revoke.target_id, Some(created.key.id.to_string()));
    assert!(
        revoke
            .details
            .contains(&("name".to_owned(), "Deploy".to_owned()))
    );
    assert!(revoke.ip.is_some(), "the address of the request is kept");
}

#[tokio::test]
async fn filters_narrow_the_log_by_action_and_by_actor() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    app.issue_key(ada.org.org_id, ada.org.owner_id, new_key("From the CLI"))
        .await
        .expect("key issued by the system actor");
    app.login("ada@example.com", PASSWORD).await;
    app.post_json("/api/create_api_key", new_key_form("From the page"))
        .await;

    let created_only = listing(&app, json!({ "action": "api_key.created" })).await;
    assert_eq!(
        actions(&created_only),
        ["api_key.created", "api_key.created"]
    );

    let by_system = listing(&app, json!({ "actor": "System" })).await;
    assert!(by_system.rows.iter().all(|row| row.actor_kind == "system"));
    assert!(actions(&by_system).contains(&"api_key.created"));

    let by_ada = listing(
        &app,
        json!({ "actor": { "User": ada.org.owner_id }, "action": "api_key.created" }),
    )
    .await;
    assert_eq!(by_ada.rows.len(), 1);
    assert!(
        by_ada.rows[0]
            .details
            .contains(&("name".to_owned(), "From the page".to_owned()))
    );

    let choices: AuditFilterChoices = app
        .post_form("/api/audit_filter_choices", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(choices.actions.contains(&"api_key.created".to_owned()));
    assert!(choices.actions.contains(&"user.signed_in".to_owned()));
    assert!(
        choices.actions.windows(2).all(|pair| pair[0] < pair[1]),
        "sorted, distinct"
    );
    let ada_option = choices
        .actors
        .iter()
        .find(|option| option.actor == ActorRef::User(ada.org.owner_id))
        .expect("Ada is an actor");
    assert_eq!(ada_option.label, "ada@example.com");
    assert!(
        choices
            .actors
            .iter()
            .any(|option| option.actor == ActorRef::System)
    );
}

#[tokio::test]
async fn the_log_pages_through_every_event_without_repeats() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    for n in 0..55 {
        app.issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&format!("Key {n}")),
        )
        .await
        .expect("key issued");
    }
    app.login("ada@example.com", PASSWORD).await;
    let total = app.count("SELECT COUNT(*) FROM audit_events").await;

    let first = listing(&app, json!({})).await;
    assert_eq!(first.rows.len(), 50);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = listing(&app, json!({ "cursor": cursor })).await;
    assert_eq!(second.next_cursor, None);
    let mut ids: Vec<_> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|row| row.id)
        .collect();
    assert_eq!(i64::try_from(ids.len()).unwrap(), total);
    ids.dedup();
    assert_eq!(i64::try_from(ids.len()).unwrap(), total, "no event twice");
}

#[tokio::test]
async fn every_role_reads_the_log_but_other_organizations_events_stay_hidden() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    add_member(&app, &ada, "vic@example.com", Role::Viewer).await;
    // Eve's organization has its own events (its creation, Eve's sign-in).
    app.create_owner("eve@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("eve@example.com", PASSWORD).await;
    let eve_view = listing(&app, json!({})).await;
    assert!(
        eve_view
            .rows
            .iter()
            .all(|row| row.actor_label.as_deref() != Some("ada@example.com")),
        "Eve never sees Ada's organization"
    );
    app.post_form("/api/logout", &[]).await;

    app.login("vic@example.com", PASSWORD).await;
    let response = app
        .post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
        .await;
    assert_eq!(response.status(), 200);
    let vic_view = listing(&app, json!({})).await;
    assert!(actions(&vic_view).contains(&"organization.created"));
    assert!(
        vic_view
            .rows
            .iter()
            .all(|row| row.actor_label.as_deref() != Some("eve@example.com"))
    );
}

#[tokio::test]
async fn anonymous_callers_get_401_and_bad_cursors_or_filters_get_422() {
    let app = spawn_app().await;
    let response = app
        .post_json("/api/audit_listing", json!({ "query": {} }))
        .await;
    assert_eq!(response.status(), 401);

    owner(&app, "ada@example.com").await;
    app.login("ada@example.com", PASSWORD).await;
    let response = app
        .post_json(
            "/api/audit_listing",
            json!({ "query": { "cursor": "'; drop table" } }),
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post_json(
            "/api/audit_listing",
            json!({ "query": { "actor": "Root" } }),
        )
        .await;
    assert_eq!(response.status(), 422, "an undecodable filter is refused");
    let response = app
        .post_json(
            "/api/audit_listing",
            json!({ "query": { "action": "a".repeat(101) } }),
        )
        .await;
    assert_eq!(
        response.status(),
        422,
        "an over-long action filter is refused"
    );
}
