//! The resources behave as documented: validation, state transitions, pagination,
//! secrets shown once.

use app::model::{Mode, Scope};
use reqwest::Method;
use serde_json::{Value, json};

use super::{call, get_json, key, owner, send_json};
use crate::helpers::spawn_app;

#[tokio::test]
async fn clients_can_be_created_read_changed_and_deleted() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Test, &[Scope::ClientsWrite]).await;
    let (status, created) = send_json(
        &app,
        Method::POST,
        "/clients",
        &key,
        json!({ "name": " Acme ", "email": "billing@acme.example", "externalRef": "crm-42" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "Acme");
    assert_eq!(created["externalRef"], "crm-42");
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, changed) = send_json(
        &app,
        Method::PATCH,
        &format!("/clients/{id}"),
        &key,
        json!({ "name": "Acme Ltd", "externalRef": null }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Acme Ltd");
    assert_eq!(changed["externalRef"], Value::Null);
    assert_eq!(changed["email"], "billing@acme.example");

    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/clients/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/clients/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/clients/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn envelopes_move_draft_to_sent_to_cancelled_and_sending_is_audited() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let (_, client) = send_json(
        &app,
        Method::POST,
        "/clients",
        &key,
        json!({ "name": "Acme", "email": "acme@example.com" }),
    )
    .await;
    let client_id = client["id"].as_str().unwrap();
    let (status, envelope) = send_json(
        &app,
        Method::POST,
        "/envelopes",
        &key,
        json!({ "clientId": client_id, "title": "Contract" }),
    )
    .await;
    assert_eq!(status, 201, "{envelope}");
    assert_eq!(envelope["status"], "draft");
    let id = envelope["id"].as_str().unwrap();

    let (status, edited) = send_json(
        &app,
        Method::PATCH,
        &format!("/envelopes/{id}"),
        &key,
        json!({ "title": "Contract v2" }),
    )
    .await;
    assert_eq!(
        (status, edited["title"].clone()),
        (200, json!("Contract v2"))
    );
    let (status, sent) = send_json(
        &app,
        Method::POST,
        &format!("/envelopes/{id}/send"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!((status, sent["status"].clone()), (200, json!("sent")));
    let (status, refused) = send_json(
        &app,
        Method::PATCH,
        &format!("/envelopes/{id}"),
        &key,
        json!({ "title": "Too late" }),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(refused["message"], "only draft envelopes can be changed");
    let (status, _) = send_json(
        &app,
        Method::POST,
        &format!("/envelopes/{id}/send"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, cancelled) = send_json(
        &app,
        Method::POST,
        &format!("/envelopes/{id}/cancel"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!(
        (status, cancelled["status"].clone()),
        (200, json!("cancelled"))
    );

    // The client is in use now.
    let (status, conflict) = send_json(
        &app,
        Method::DELETE,
        &format!("/clients/{client_id}"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "{conflict}");

    let log = get_json(&app, "/audit", &key).await;
    let sent_event = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["action"] == "envelope.sent")
        .expect("envelope.sent recorded");
    assert_eq!(sent_event["actor"]["kind"], "api_key");
    assert_eq!(sent_event["target"]["id"], id);
    assert_eq!(
        log["data"][0]["action"], "envelope.cancelled",
        "newest first"
    );
}

#[tokio::test]
async fn verifications_start_pending_and_cancel_once() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(
        &app,
        &ada,
        Mode::Test,
        &[Scope::ClientsWrite, Scope::VerificationsWrite],
    )
    .await;
    let (_, client) = send_json(
        &app,
        Method::POST,
        "/clients",
        &key,
        json!({ "name": "Acme", "email": "acme@example.com" }),
    )
    .await;
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/verifications",
        &key,
        json!({ "clientId": client["id"], "kind": "passport" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, created) = send_json(
        &app,
        Method::POST,
        "/verifications",
        &key,
        json!({ "clientId": client["id"], "kind": "document" }),
    )
    .await;
    assert_eq!((status, created["status"].clone()), (201, json!("pending")));
    let path = format!("/verifications/{}/cancel", created["id"].as_str().unwrap());
    let (status, cancelled) = send_json(&app, Method::POST, &path, &key, json!({})).await;
    assert_eq!(
        (status, cancelled["status"].clone()),
        (200, json!("cancelled"))
    );
    let (status, again) = send_json(&app, Method::POST, &path, &key, json!({})).await;
    assert_eq!(status, 409, "{again}");
}

#[tokio::test]
async fn a_webhook_secret_is_shown_once_and_stored_nowhere() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Live, &[Scope::WebhooksWrite]).await;
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/webhooks",
        &key,
        json!({ "url": "http://hooks.example.com/x", "events": ["envelope.sent"] }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, created) = send_json(&app, Method::POST, "/webhooks", &key,
        json!({ "url": "https://hooks.example.com/x", "events": ["envelope.sent", "verification.approved"] })).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["signingSecret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 49,
        "{secret}"
    );
    let id = created["id"].as_str().unwrap();

    let fetched = get_json(&app, &format!("/webhooks/{id}"), &key).await;
    assert!(fetched.get("signingSecret").is_none());
    assert_eq!(fetched["active"], true);
    let (status, updated) = send_json(
        &app,
        Method::PATCH,
        &format!("/webhooks/{id}"),
        &key,
        json!({ "active": false }),
    )
    .await;
    assert_eq!((status, updated["active"].clone()), (200, json!(false)));

    let dump = crate::keys::dump_all_tables(&app).await;
    assert!(!dump.contains(&secret), "the signing secret is not stored");
    assert!(!dump.contains(&secret["whsec_".len()..]));
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/webhooks/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'webhook.%'")
            .await,
        3
    );
}

#[tokio::test]
async fn lists_page_newest_first_with_a_cursor() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Test, &[Scope::ClientsWrite]).await;
    for n in 0..5 {
        let (status, _) = send_json(
            &app,
            Method::POST,
            "/clients",
            &key,
            json!({ "name": format!("Client {n}"), "email": format!("c{n}@example.com") }),
        )
        .await;
        assert_eq!(status, 201);
    }
    let mut names = Vec::new();
    let mut path = "/clients?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = get_json(&app, &path, &key).await;
        pages += 1;
        for client in page["data"].as_array().unwrap() {
            names.push(client["name"].as_str().unwrap().to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/clients?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        ["Client 4", "Client 3", "Client 2", "Client 1", "Client 0"]
    );
    let (status, body) = call(
        &app,
        Method::GET,
        "/clients?cursor=nonsense",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let whole = get_json(&app, "/clients", &key).await;
    assert_eq!(whole["data"].as_array().unwrap().len(), 5);
    assert_eq!(whole["nextCursor"], Value::Null);
}
