//! Tenancy: a record belongs to one organization, workspace and mode; from anywhere
//! else it does not exist (404), and lists never show it.

use app::{
    model::{Mode, Scope},
    ssr::services::{
        audit::Actor,
        keys::{Expiry, NewKey},
        workspaces,
    },
};
use reqwest::Method;
use serde_json::{Value, json};

use super::{NOT_FOUND, call, get_json, key, owner, send_json};
use crate::helpers::spawn_app;

#[tokio::test]
async fn no_route_reaches_a_record_of_another_org_workspace_or_mode() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let bob = owner(&app, "bob@example.com").await;
    workspaces::create_workspace(
        &app.db,
        &app.audit,
        ada.org.org_id,
        "Staging",
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    let staging_key = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            NewKey {
                name: "staging".into(),
                description: None,
                mode: Mode::Test,
                scopes: vec![Scope::All],
                workspace_slug: Some("staging".into()),
                expiry: Expiry::InDays(30),
            },
        )
        .await
        .unwrap()
        .secret;
    let home = key(&app, &ada, Mode::Test, &[Scope::All]).await;
    let same_workspace_live = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let other_org = key(&app, &bob, Mode::Test, &[Scope::All]).await;

    let (_, client) = send_json(
        &app,
        Method::POST,
        "/clients",
        &home,
        json!({ "name": "Acme", "email": "acme@example.com" }),
    )
    .await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    let (_, envelope) = send_json(
        &app,
        Method::POST,
        "/envelopes",
        &home,
        json!({ "clientId": client_id, "title": "Contract" }),
    )
    .await;
    let (_, verification) = send_json(
        &app,
        Method::POST,
        "/verifications",
        &home,
        json!({ "clientId": client_id, "kind": "identity" }),
    )
    .await;
    let (_, webhook) = send_json(
        &app,
        Method::POST,
        "/webhooks",
        &home,
        json!({ "url": "https://hooks.example.com/a", "events": ["envelope.sent"] }),
    )
    .await;
    let records = [
        ("/clients", client["id"].clone()),
        ("/envelopes", envelope["id"].clone()),
        ("/verifications", verification["id"].clone()),
        ("/webhooks", webhook["id"].clone()),
    ];

    for outsider in [&staging_key, &same_workspace_live, &other_org] {
        for (collection, id) in &records {
            let id = id.as_str().unwrap();
            let one = format!("{collection}/{id}");
            let (status, body) = call(&app, Method::GET, &one, Some(outsider), None).await;
            assert_eq!((status, body.as_str()), (404, NOT_FOUND), "GET {one}");
            let listed = get_json(&app, collection, outsider).await;
            assert_eq!(
                listed["data"],
                json!([]),
                "{collection} lists nothing foreign"
            );
        }
        for (method, path, body) in [
            (
                Method::PATCH,
                format!("/clients/{client_id}"),
                Some(json!({ "name": "Taken" })),
            ),
            (Method::DELETE, format!("/clients/{client_id}"), None),
            (
                Method::PATCH,
                format!("/envelopes/{}", envelope["id"].as_str().unwrap()),
                Some(json!({ "title": "Taken" })),
            ),
            (
                Method::POST,
                format!("/envelopes/{}/send", envelope["id"].as_str().unwrap()),
                None,
            ),
            (
                Method::POST,
                format!("/envelopes/{}/cancel", envelope["id"].as_str().unwrap()),
                None,
            ),
            (
                Method::POST,
                format!(
                    "/verifications/{}/cancel",
                    verification["id"].as_str().unwrap()
                ),
                None,
            ),
            (
                Method::PATCH,
                format!("/webhooks/{}", webhook["id"].as_str().unwrap()),
                Some(json!({ "active": false })),
            ),
            (
                Method::DELETE,
                format!("/webhooks/{}", webhook["id"].as_str().unwrap()),
                None,
            ),
        ] {
            let (status, text) = call(&app, method.clone(), &path, Some(outsider), body).await;
            assert_eq!((status, text.as_str()), (404, NOT_FOUND), "{method} {path}");
        }
        // A foreign client cannot be referenced either.
        let (status, body) = send_json(
            &app,
            Method::POST,
            "/envelopes",
            outsider,
            json!({ "clientId": client_id, "title": "Smuggled" }),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["message"], "clientId: no such client");
    }

    // Nothing was changed by the attempts.
    let seen = get_json(&app, &format!("/clients/{client_id}"), &home).await;
    assert_eq!(seen["name"], "Acme");
    let seen = get_json(
        &app,
        &format!("/envelopes/{}", envelope["id"].as_str().unwrap()),
        &home,
    )
    .await;
    assert_eq!(
        (seen["title"].clone(), seen["status"].clone()),
        (json!("Contract"), json!("draft"))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM envelopes").await, 1);
}

#[tokio::test]
async fn the_audit_log_and_workspaces_are_the_keys_workspace_and_mode_only() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let bob = owner(&app, "bob@example.com").await;
    key(&app, &bob, Mode::Live, &[Scope::AuditRead]).await;
    workspaces::create_workspace(
        &app.db,
        &app.audit,
        ada.org.org_id,
        "Staging",
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    let live_key = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let sandbox_key = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            NewKey {
                name: "sandbox".into(),
                description: None,
                mode: Mode::Test,
                scopes: vec![Scope::All],
                workspace_slug: Some("staging".into()),
                expiry: Expiry::InDays(30),
            },
        )
        .await
        .unwrap()
        .secret;
    for (secret, url) in [
        (&live_key, "https://hooks.example.com/live"),
        (&sandbox_key, "https://hooks.example.com/sandbox"),
    ] {
        let (status, body) = send_json(
            &app,
            Method::POST,
            "/webhooks",
            secret,
            json!({ "url": url, "events": ["envelope.sent"] }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }

    let seen_by = |events: Value| -> Vec<String> {
        events["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| format!("{} {}", event["action"], event["data"]))
            .collect()
    };
    let sandbox = seen_by(get_json(&app, "/audit", &sandbox_key).await);
    assert!(
        sandbox
            .iter()
            .any(|e| e.contains("webhook.created") && e.contains("/sandbox")),
        "{sandbox:?}"
    );
    assert!(
        sandbox.iter().all(|e| !e.contains("/live")
            && !e.contains("\"mode\":\"live\"")
            && !e.contains("organization.")
            && !e.contains("workspace.")
            && !e.contains("bob@example.com")),
        "only the sandbox's own test events: {sandbox:?}"
    );
    let live = seen_by(get_json(&app, "/audit", &live_key).await);
    assert!(live.iter().any(|e| e.contains("/live")), "{live:?}");
    assert!(live.iter().all(|e| !e.contains("/sandbox")), "{live:?}");

    let listed = get_json(&app, "/workspaces", &sandbox_key).await;
    let listed: Vec<&Value> = listed["data"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 1, "only the workspace the key acts in");
    assert_eq!(listed[0]["slug"], "staging");
}

#[tokio::test]
async fn whoami_describes_the_key_and_where_it_acts() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let test_key = key(
        &app,
        &ada,
        Mode::Test,
        &[Scope::ClientsRead, Scope::AuditRead],
    )
    .await;
    let me = get_json(&app, "/whoami", &test_key).await;
    assert_eq!(me["mode"], "test");
    assert_eq!(me["scopes"], json!(["clients:read", "audit:read"]));
    assert_eq!(me["organization"]["id"], ada.org.org_id.to_string());
    assert_eq!(me["workspace"]["isDefault"], true);
    assert!(me["expiresAt"].is_string());
    assert!(me.get("secret").is_none() && me.get("keyHash").is_none());
}
