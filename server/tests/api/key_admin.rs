//! The API Keys page's server functions: who may do what, and what they return.

use app::model::{CreatedKey, KeyListing, KeysOverview, Plan, Role};
use reqwest::Response;
use serde_json::{Value, json};

use crate::{
    helpers::{Owner, TestApp, spawn_app},
    v1::{PASSWORD, add_member},
};

impl TestApp {
    /// Calls a server function whose input is JSON, as the page does.
    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }
}

fn new_key_form(name: &str) -> Value {
    json!({ "form": {
        "name": name,
        "description": null,
        "mode": "test",
        "workspace_id": null,
        "scopes": ["*"],
        "expiry": { "Days": 90 },
    }})
}

async fn signed_in_owner(app: &TestApp, plan: Plan) -> Owner {
    let owner = app.create_owner("ada@example.com", PASSWORD, plan).await;
    app.login("ada@example.com", PASSWORD).await;
    owner
}

#[tokio::test]
async fn an_owner_creates_a_key_sees_the_secret_once_and_revokes_it() {
    let app = spawn_app().await;
    signed_in_owner(&app, Plan::Business).await;

    let created = app
        .post_json("/api/create_api_key", new_key_form("CI deploy"))
        .await;
    assert_eq!(created.status(), 200);
    let created: CreatedKey = created.json().await.unwrap();
    assert!(created.secret.starts_with("kw_test_"));

    let listing = app
        .post_json("/api/key_listing", json!({ "query": {} }))
        .await;
    let listing_text = listing.text().await.unwrap();
    assert!(
        !listing_text.contains(&created.secret),
        "the list never carries the secret"
    );
    let listing: KeyListing = serde_json::from_str(&listing_text).unwrap();
    assert_eq!(listing.rows.len(), 1);
    assert_eq!(
        listing.rows[0].created_by_email.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(listing.rows[0].workspace_name, "Default");

    let overview: KeysOverview = app
        .post_form("/api/keys_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (overview.active, overview.limit, overview.can_manage),
        (1, Some(25), true)
    );

    let revoked = app
        .post_form(
            "/api/revoke_api_key",
            &[("id", &created.key.id.to_string()), ("reason", "rotated")],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.revoked'")
            .await,
        1
    );
}

#[tokio::test]
async fn viewers_and_members_read_the_list_but_cannot_create_or_revoke() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.secret(
        ada.org.org_id,
        ada.org.owner_id,
        app::model::Mode::Test,
        &[app::model::Scope::All],
    )
    .await;
    for (email, role) in [
        ("vic@example.com", Role::Viewer),
        ("max@example.com", Role::Member),
    ] {
        add_member(&app, &ada, email, role).await;
        app.login(email, PASSWORD).await;
        // The new member's own org is their first; switch to Ada's.
        let switched = app
            .post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
            .await;
        assert_eq!(switched.status(), 200);

        let listing = app
            .post_json("/api/key_listing", json!({ "query": {} }))
            .await;
        assert_eq!(listing.status(), 200);
        let listing: KeyListing = listing.json().await.unwrap();
        assert_eq!(listing.rows.len(), 1, "{role:?} sees the keys");
        let overview: KeysOverview = app
            .post_form("/api/keys_overview", &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(!overview.can_manage);

        let created = app
            .post_json("/api/create_api_key", new_key_form("sneaky"))
            .await;
        assert_eq!(created.status(), 403, "{role:?} cannot create");
        let revoked = app
            .post_form(
                "/api/revoke_api_key",
                &[("id", &listing.rows[0].key.id.to_string())],
            )
            .await;
        assert_eq!(revoked.status(), 403, "{role:?} cannot revoke");
        app.post_form("/api/logout", &[]).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn plan_gates_and_limits_are_explained_not_just_refused() {
    let app = spawn_app().await;
    signed_in_owner(&app, Plan::Starter).await;
    let overview: KeysOverview = app
        .post_form("/api/keys_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(!overview.api_access);
    let refused = app
        .post_json("/api/create_api_key", new_key_form("nope"))
        .await;
    assert_eq!(refused.status(), 403);
    let body = refused.text().await.unwrap();
    assert!(body.contains("not included in the Starter plan"), "{body}");

    let app = spawn_app().await;
    signed_in_owner(&app, Plan::Professional).await;
    for n in 0..5 {
        let created = app
            .post_json("/api/create_api_key", new_key_form(&format!("k{n}")))
            .await;
        assert_eq!(created.status(), 200);
    }
    let overview: KeysOverview = app
        .post_form("/api/keys_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(overview.limit_reached());
    let refused = app
        .post_json("/api/create_api_key", new_key_form("sixth"))
        .await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("allows 5 active keys")
    );
}

#[tokio::test]
async fn bad_input_is_a_clear_422_and_writes_nothing() {
    let app = spawn_app().await;
    signed_in_owner(&app, Plan::Business).await;
    let mut form = new_key_form("");
    let created = app.post_json("/api/create_api_key", form.clone()).await;
    assert_eq!(created.status(), 422);
    assert!(
        created
            .text()
            .await
            .unwrap()
            .contains("name: must be 1 to 100 characters")
    );
    form["form"]["name"] = json!("billing\u{202E}fdp.exe");
    let created = app.post_json("/api/create_api_key", form.clone()).await;
    assert_eq!(created.status(), 422, "a right-to-left override in a name");
    form["form"]["name"] = json!("ok");
    form["form"]["scopes"] = json!([]);
    let created = app.post_json("/api/create_api_key", form).await;
    assert_eq!(created.status(), 422);
    let created = app
        .post_json("/api/create_api_key", json!({ "form": { "name": 5 } }))
        .await;
    assert_eq!(created.status(), 422);
    let mut form = new_key_form("ok");
    form["form"]["name"] = json!("k".repeat(10_000));
    let created = app.post_json("/api/create_api_key", form).await;
    assert_eq!(created.status(), 422, "a name of 10,000 characters");
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    for (expiry, what) in [
        (json!({ "On": yesterday }), "an expiry date in the past"),
        (json!({ "Days": 0 }), "an expiry in 0 days"),
        (json!({ "Days": 100_000 }), "an expiry in 100,000 days"),
        (json!({ "Sometime": 3 }), "an expiry that is no choice"),
    ] {
        let mut form = new_key_form("ok");
        form["form"]["expiry"] = expiry;
        let created = app.post_json("/api/create_api_key", form).await;
        assert_eq!(created.status(), 422, "{what}");
    }
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let created = app
        .client
        .post(app.url("/api/create_api_key"))
        .header("Origin", &app.address)
        .header("Content-Type", "application/json")
        .body(format!("{{\"form\": {deep}}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 422, "JSON nested 5,000 deep");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);
    let listing = app
        .post_json(
            "/api/key_listing",
            json!({ "query": { "cursor": "garbage" } }),
        )
        .await;
    assert_eq!(listing.status(), 422);
    for (search, status) in [("k".repeat(200), 200), ("k".repeat(201), 422)] {
        let listing = app
            .post_json("/api/key_listing", json!({ "query": { "search": search } }))
            .await;
        assert_eq!(
            listing.status(),
            status,
            "a search of {} characters",
            search.len()
        );
    }
}

#[tokio::test]
async fn an_owner_edits_and_rolls_a_key_and_a_viewer_can_do_neither() {
    let app = spawn_app().await;
    let ada = signed_in_owner(&app, Plan::Business).await;
    let created: CreatedKey = app
        .post_json("/api/create_api_key", new_key_form("Editable"))
        .await
        .json()
        .await
        .unwrap();
    let id = created.key.id.to_string();
    let edit = json!({ "id": id, "edit": {
        "name": "Edited",
        "description": "now narrower",
        "scopes": ["clients:read"],
        "expiry": null,
        "allowed_ips": ["10.0.0.1", " "],
    }});
    let saved = app.post_json("/api/update_api_key", edit.clone()).await;
    assert_eq!(saved.status(), 200);
    let listing: KeyListing = app
        .post_json("/api/key_listing", json!({ "query": {} }))
        .await
        .json()
        .await
        .unwrap();
    let key = &listing.rows[0].key;
    assert_eq!(
        (key.name.as_str(), key.description.as_deref()),
        ("Edited", Some("now narrower"))
    );
    assert_eq!(key.allowed_ips, Some(vec!["10.0.0.1/32".to_owned()]));
    assert_eq!(
        key.expires_at, created.key.expires_at,
        "no expiry choice keeps the expiry"
    );

    let rolled = app
        .post_form("/api/roll_api_key", &[("id", &id), ("grace", "1h")])
        .await;
    assert_eq!(rolled.status(), 200);
    let rolled: CreatedKey = rolled.json().await.unwrap();
    assert_eq!(rolled.key.rolled_from, Some(created.key.id));
    let bad_grace = app
        .post_form("/api/roll_api_key", &[("id", &id), ("grace", "2h")])
        .await;
    assert_eq!(bad_grace.status(), 422);

    add_member(&app, &ada, "vic@example.com", Role::Viewer).await;
    app.post_form("/api/logout", &[]).await;
    app.login("vic@example.com", PASSWORD).await;
    app.post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
        .await;
    assert_eq!(
        app.post_json("/api/update_api_key", edit).await.status(),
        403
    );
    let id = rolled.key.id.to_string();
    assert_eq!(
        app.post_form("/api/roll_api_key", &[("id", &id), ("grace", "now")])
            .await
            .status(),
        403
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 2);
}

#[tokio::test]
async fn an_admin_who_rolls_the_owners_key_gets_a_key_that_acts_for_the_admin_and_stops_when_they_leave()
 {
    let app = spawn_app().await;
    let ada = signed_in_owner(&app, Plan::Business).await;
    let created: CreatedKey = app
        .post_json("/api/create_api_key", new_key_form("Production"))
        .await
        .json()
        .await
        .unwrap();
    let adam = add_member(&app, &ada, "adam@example.com", Role::Admin).await;
    app.post_form("/api/logout", &[]).await;
    app.login("adam@example.com", PASSWORD).await;
    app.post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
        .await;
    let id = created.key.id.to_string();
    let rolled: CreatedKey = app
        .post_form("/api/roll_api_key", &[("id", &id), ("grace", "now")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rolled.key.created_by, adam,
        "the new key acts for the roller"
    );
    let whoami = |secret: String| {
        let request = app.v1(reqwest::Method::GET, "/whoami", Some(&secret));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(whoami(rolled.secret.clone()).await, 200);

    app.post_form("/api/logout", &[]).await;
    app.login("ada@example.com", PASSWORD).await;
    let removed = app
        .post_form("/api/remove_member", &[("user_id", &adam.to_string())])
        .await;
    assert_eq!(removed.status(), 200);
    assert_eq!(
        whoami(rolled.secret).await,
        401,
        "the secret Adam kept left with him"
    );
}
