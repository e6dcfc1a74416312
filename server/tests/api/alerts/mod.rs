//! Alert webhooks: deliveries reach a local receiver started by the test, signed; a
//! failing receiver gets the delivery again later; the queue survives a restart; and in
//! the normal configuration nothing is ever sent to loopback or cloud-metadata
//! addresses. (Loopback receivers need the test-only setting
//! `KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS`, which production refuses.)

mod receiver;

use app::{
    model::{AlertKind, CreatedDestination, DeliveryStatus, Plan},
    ssr::{
        entities::delivery,
        services::{
            alerts::{self, Deliverer, Sender},
            audit::Actor,
        },
    },
};
use chrono::{TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, key_hasher, spawn_app_on, spawn_app_with};
use crate::v1::PASSWORD;
use receiver::Receiver;

/// A server whose worker stays idle (the tests run the passes) and that may deliver to
/// loopback.
async fn app_for_receivers() -> TestApp {
    spawn_app_with(&[("KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS", "true")]).await
}

fn deliverer(app: &TestApp, allow_private: bool) -> Deliverer {
    Deliverer {
        db: app.db.clone(),
        hasher: key_hasher(),
        sender: Sender::new(allow_private).unwrap(),
    }
}

async fn add(
    app: &TestApp,
    url: &str,
    events: &[AlertKind],
) -> (u16, Option<CreatedDestination>, String) {
    let response = app
        .post_json(
            "/api/add_alert_destination",
            json!({ "new": { "url": url, "events": events } }),
        )
        .await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).ok(), text)
}

fn verify_signature(secret: &str, header: &str, body: &str) -> bool {
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let fresh = t
        .parse::<i64>()
        .is_ok_and(|t| (Utc::now().timestamp() - t).abs() <= 300);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    fresh && hex::encode(mac.finalize().into_bytes()) == v1
}

async fn deliveries(app: &TestApp) -> Vec<delivery::Model> {
    delivery::Entity::find().all(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_test_alert_reaches_the_receiver_signed_with_the_secret_shown_once() {
    let app = app_for_receivers().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (receiver, address) = Receiver::start(0).await;
    app.login("ada@example.com", PASSWORD).await;
    let (status, created, text) = add(
        &app,
        &format!("http://{address}/hook"),
        &[AlertKind::SignalOpened],
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let created = created.unwrap();
    assert!(created.secret.starts_with("whsec_"));
    let sent = app
        .post_form(
            "/api/send_test_alert",
            &[("id", &created.destination.id.to_string())],
        )
        .await;
    assert_eq!(sent.status(), 200);
    let pass = deliverer(&app, true).deliver_due(Utc::now()).await.unwrap();
    assert_eq!(pass.delivered, 1, "{pass:?}");

    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    let (signature, body) = &seen[0];
    assert!(
        verify_signature(&created.secret, signature, body),
        "{signature}"
    );
    assert!(!verify_signature("whsec_wrong", signature, body));
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["type"], "test");
    assert!(body["id"].is_string() && body["createdAt"].is_string());
    let stored = deliveries(&app).await;
    assert_eq!(stored[0].status, DeliveryStatus::Delivered);
    assert_eq!(stored[0].last_status, Some(204));

    // The secret is never read back.
    let overview = app
        .post_form("/api/alerts_overview", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!overview.contains(&created.secret));
    let _ = ada;
}

#[tokio::test]
async fn a_failing_receiver_gets_the_delivery_again_after_the_backoff() {
    let app = app_for_receivers().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (receiver, address) = Receiver::start(1).await;
    app.login("ada@example.com", PASSWORD).await;
    let (_, created, _) = add(
        &app,
        &format!("http://{address}/hook"),
        &[AlertKind::PlanChanged],
    )
    .await;
    let id = created.unwrap().destination.id;
    app.post_form("/api/send_test_alert", &[("id", &id.to_string())])
        .await;
    let deliverer = deliverer(&app, true);

    let now = Utc::now();
    let first = deliverer.deliver_due(now).await.unwrap();
    assert_eq!((first.delivered, first.retrying), (0, 1));
    let pending = deliveries(&app).await.remove(0);
    assert_eq!(
        (pending.status, pending.attempts),
        (DeliveryStatus::Pending, 1)
    );
    assert_eq!(pending.last_status, Some(500));
    assert!(pending.next_attempt_at >= now + TimeDelta::seconds(59));

    let early = deliverer
        .deliver_due(now + TimeDelta::seconds(30))
        .await
        .unwrap();
    assert_eq!(
        early.delivered + early.retrying,
        0,
        "not before the backoff"
    );
    let later = deliverer
        .deliver_due(now + TimeDelta::seconds(61))
        .await
        .unwrap();
    assert_eq!(later.delivered, 1);
    assert_eq!(receiver.seen().len(), 2);
    let done = deliveries(&app).await.remove(0);
    assert_eq!((done.status, done.attempts), (DeliveryStatus::Delivered, 2));
}

#[tokio::test]
async fn after_the_eighth_failure_a_delivery_is_failed_for_good() {
    let app = app_for_receivers().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (receiver, address) = Receiver::start(100).await;
    app.login("ada@example.com", PASSWORD).await;
    let (_, created, _) = add(
        &app,
        &format!("http://{address}/hook"),
        &[AlertKind::KeyRevoked],
    )
    .await;
    let id = created.unwrap().destination.id;
    app.post_form("/api/send_test_alert", &[("id", &id.to_string())])
        .await;
    let deliverer = deliverer(&app, true);
    let mut at = Utc::now();
    for _ in 0..8 {
        deliverer.deliver_due(at).await.unwrap();
        at += TimeDelta::days(1);
    }
    assert_eq!(receiver.seen().len(), 8);
    let failed = deliveries(&app).await.remove(0);
    assert_eq!(
        (failed.status, failed.attempts),
        (DeliveryStatus::Failed, 8)
    );
    deliverer.deliver_due(at).await.unwrap();
    assert_eq!(receiver.seen().len(), 8, "never again");
}

#[tokio::test]
async fn the_queue_survives_a_restart() {
    let mut app = app_for_receivers().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (receiver, address) = Receiver::start(0).await;
    app.login("ada@example.com", PASSWORD).await;
    let (_, created, _) = add(
        &app,
        &format!("http://{address}/hook"),
        &[AlertKind::KeyLeaked],
    )
    .await;
    let id = created.unwrap().destination.id;
    app.post_form("/api/send_test_alert", &[("id", &id.to_string())])
        .await;
    let database = app.shared_database();
    app.stop().await;
    assert!(receiver.seen().is_empty());

    // A new server on the same database, its worker running every 100 ms.
    let restarted = spawn_app_on(
        database,
        &[
            ("KEYWARD_ALERTS_ALLOW_PRIVATE_TARGETS", "true"),
            ("KEYWARD_ALERT_DELIVERY_MS", "100"),
        ],
    )
    .await;
    for _ in 0..100 {
        if !receiver.seen().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(receiver.seen().len(), 1);
    let _ = restarted;
}

#[tokio::test]
async fn loopback_and_metadata_addresses_are_refused_in_the_normal_configuration() {
    let app = crate::helpers::spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (receiver, address) = Receiver::start(0).await;
    app.login("ada@example.com", PASSWORD).await;
    for url in [
        format!("http://{address}/hook"),
        format!("https://{address}/hook"),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[::1]/hook".to_owned(),
        "https://10.0.0.8/hook".to_owned(),
    ] {
        let (status, _, text) = add(&app, &url, &[AlertKind::SignalOpened]).await;
        assert_eq!(status, 422, "{url}: {text}");
    }
    // A name that resolves to loopback passes the form (names are resolved when
    // sending, where the answer cannot change under us) but is never connected to.
    let (status, created, text) = add(
        &app,
        &format!("https://localhost:{}/hook", address.port()),
        &[AlertKind::SignalOpened],
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let id = created.unwrap().destination.id;
    alerts::send_test(&app.db, ada.org.org_id, id)
        .await
        .unwrap();
    deliverer(&app, false)
        .deliver_due(Utc::now())
        .await
        .unwrap();
    assert!(receiver.seen().is_empty());
    let refused = deliveries(&app).await.remove(0);
    assert_eq!(refused.status, DeliveryStatus::Pending);
    assert!(
        refused
            .last_error
            .as_deref()
            .is_some_and(|error| error.contains("not allowed")),
        "{:?}",
        refused.last_error
    );
    let _ = Actor::System { label: "test" };
}

#[tokio::test]
async fn a_revoked_key_and_an_opened_signal_queue_alerts_for_the_destinations_that_want_them() {
    let app = app_for_receivers().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (_, address) = Receiver::start(0).await;
    app.login("ada@example.com", PASSWORD).await;
    add(
        &app,
        &format!("http://{address}/hook"),
        &[AlertKind::KeyRevoked],
    )
    .await;
    add(
        &app,
        &format!("http://{address}/other"),
        &[AlertKind::PlanChanged],
    )
    .await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            crate::helpers::key_with_every_scope("doomed", app::model::Mode::Live),
        )
        .await
        .unwrap();
    app.revoke_key(issued.key.id).await;
    let queued: Vec<(String, String)> = delivery::Entity::find()
        .filter(delivery::Column::OrgId.eq(ada.org.org_id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|delivery| (delivery.event_type, delivery.body))
        .collect();
    assert_eq!(
        queued.len(),
        1,
        "only the destination that wants key.revoked"
    );
    assert_eq!(queued[0].0, "key.revoked");
    let body: Value = serde_json::from_str(&queued[0].1).unwrap();
    assert_eq!(body["data"]["keyId"], issued.key.id.to_string());

    // A signal opened by the detector reaches a destination that wants signals.
    add(
        &app,
        &format!("http://{address}/signals"),
        &[AlertKind::SignalOpened],
    )
    .await;
    let narrow = app
        .secret(
            ada.org.org_id,
            ada.org.owner_id,
            app::model::Mode::Live,
            &[app::model::Scope::ClientsRead],
        )
        .await;
    let (status, _) =
        crate::v1::call(&app, reqwest::Method::GET, "/audit", Some(&narrow), None).await;
    assert_eq!(status, 403);
    app.usage.flush(&app.db).await.unwrap();
    let now = Utc::now();
    app::ssr::services::signals::detect(&app.db, &app.audit, now, now - TimeDelta::hours(1))
        .await
        .unwrap();
    let signal_alerts: Vec<Value> = delivery::Entity::find()
        .filter(delivery::Column::EventType.eq("signal.opened"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|delivery| serde_json::from_str(&delivery.body).unwrap())
        .collect();
    assert_eq!(signal_alerts.len(), 1);
    assert_eq!(signal_alerts[0]["data"]["kind"], "denied_scope");
}

#[tokio::test]
async fn a_v1_webhook_receives_the_envelope_events_it_wants_signed_with_its_own_secret() {
    use app::{
        model::{Mode, Scope},
        ssr::entities::webhook,
    };
    use reqwest::Method;
    use sea_orm::sea_query::Expr;

    use crate::v1::{key, owner, send_json};

    let app = app_for_receivers().await;
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let (_, created) = send_json(
        &app,
        Method::POST,
        "/webhooks",
        &secret,
        json!({ "url": "https://hooks.example.com/k", "events": ["envelope.sent"] }),
    )
    .await;
    let signing = created["signingSecret"].as_str().unwrap().to_owned();
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let (status, refused) = send_json(
        &app,
        Method::POST,
        "/webhooks",
        &secret,
        json!({ "url": "https://169.254.169.254/latest", "events": ["envelope.sent"] }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    // The test's receiver listens on loopback, over http.
    let (receiver, address) = Receiver::start(0).await;
    webhook::Entity::update_many()
        .col_expr(
            webhook::Column::Url,
            Expr::value(format!("http://{address}/hook")),
        )
        .filter(webhook::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();

    let (_, client) = send_json(
        &app,
        Method::POST,
        "/clients",
        &secret,
        json!({ "name": "Acme", "email": "acme@example.com" }),
    )
    .await;
    let (_, envelope) = send_json(
        &app,
        Method::POST,
        "/envelopes",
        &secret,
        json!({ "clientId": client["id"], "title": "Contract" }),
    )
    .await;
    let envelope_id = envelope["id"].as_str().unwrap();
    for action in ["send", "cancel"] {
        let (status, _) = send_json(
            &app,
            Method::POST,
            &format!("/envelopes/{envelope_id}/{action}"),
            &secret,
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{action}");
    }
    deliverer(&app, true).deliver_due(Utc::now()).await.unwrap();

    let seen = receiver.seen();
    assert_eq!(seen.len(), 1, "envelope.cancelled was not subscribed to");
    let (signature, body) = &seen[0];
    assert!(verify_signature(&signing, signature, body));
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["type"], "envelope.sent");
    assert_eq!(body["data"]["envelopeId"], envelope_id);
}
