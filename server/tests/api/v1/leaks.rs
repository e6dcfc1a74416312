//! `POST /v1/leaks`: a reported working key is revoked at once and audited with the
//! reporter's address; the answer never tells a real key from a fake; reports have their
//! own per-address limit; a report outside the limits is refused whole.

use app::{
    model::{Mode, Scope},
    ssr::{
        entities::{api_key, audit_event},
        keys::format,
    },
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{INVALID_TOKEN, call, key, owner};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn report(app: &TestApp, body: Value) -> (u16, String) {
    call(app, Method::POST, "/leaks", None, Some(body)).await
}

async fn whoami(app: &TestApp, key: &str) -> (u16, String) {
    call(app, Method::GET, "/whoami", Some(key), None).await
}

async fn leaked_events(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.leaked'")
        .await
}

#[tokio::test]
async fn a_reported_working_key_stops_working_at_once_and_is_audited_with_the_reporters_address() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let leaked = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let untouched = key(&app, &ada, Mode::Test, &[Scope::All]).await;
    let (status, body) = whoami(&app, &leaked).await;
    assert_eq!(status, 200, "{body}");
    let key_id: Uuid = serde_json::from_str::<Value>(&body).unwrap()["keyId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let (status, body) = report(&app, json!({ "tokens": [leaked, "not a key"] })).await;
    assert_eq!((status, body.as_str()), (202, r#"{"received":2}"#));

    // No waiting: the report revoked it before answering, and this process's cache knows.
    let (status, body) = whoami(&app, &leaked).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    assert_eq!(
        whoami(&app, &untouched).await.0,
        200,
        "only the reported key"
    );
    let revoked = api_key::Entity::find_by_id(key_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoke_reason.as_deref(), Some("leaked"));
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("api_key.leaked"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(
        event.target_id.as_deref(),
        Some(key_id.to_string().as_str())
    );
    assert_eq!(event.org_id, Some(ada.org.org_id));
    assert_eq!(
        event.ip.as_deref(),
        Some("127.0.0.1"),
        "the reporter's address"
    );
    assert_eq!(
        (event.actor_kind.as_str(), event.actor_label.as_deref()),
        ("system", Some("leak report"))
    );
}

#[tokio::test]
async fn the_answer_is_the_same_for_a_real_key_a_fake_one_and_junk_and_a_second_report_changes_nothing()
 {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let real = key(&app, &ada, Mode::Test, &[Scope::ClientsRead]).await;
    // Well formed, checksum and all, but never issued.
    let fake = format::generate("kw", Mode::Live).unwrap();

    let real_answer = report(&app, json!({ "tokens": [real] })).await;
    let fake_answer = report(&app, json!({ "tokens": [fake] })).await;
    let junk_answer = report(&app, json!({ "tokens": ["kw_live_nothing"] })).await;
    assert_eq!(real_answer, (202, r#"{"received":1}"#.to_owned()));
    assert_eq!(fake_answer, real_answer);
    assert_eq!(junk_answer, real_answer);
    assert_eq!(leaked_events(&app).await, 1);

    // Reported again (and twice in one report): already revoked, so no new event.
    let again = report(&app, json!({ "tokens": [real, real] })).await;
    assert_eq!(again, (202, r#"{"received":2}"#.to_owned()));
    assert_eq!(leaked_events(&app).await, 1);
}

#[tokio::test]
async fn a_report_outside_the_limits_is_refused_whole_and_revokes_nothing() {
    let app = spawn_app_with(&[("KEYWARD_LEAK_REPORTS_PER_IP_PER_MINUTE", "100")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let real = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let mut too_many = vec![json!(real)];
    too_many.extend((0..100).map(|n| json!(format!("token {n}"))));
    let cases = [
        (
            json!({ "tokens": too_many }),
            "tokens: must hold 1 to 100 strings",
        ),
        (
            json!({ "tokens": [] }),
            "tokens: must hold 1 to 100 strings",
        ),
        (
            json!({ "tokens": [real, "x".repeat(201)] }),
            "tokens[1]: must be at most 200 characters",
        ),
        (json!({ "tokens": [real], "note": "hi" }), "unknown field"),
        (json!({ "tokens": [real, 7] }), "invalid type"),
        (json!({ "token": real }), "unknown field"),
    ];
    for (body, message) in cases {
        let (status, answer) = report(&app, body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["statusCode"], 422);
        assert!(
            answer["message"].as_str().unwrap().contains(message),
            "{body}: {answer}"
        );
    }
    let (status, _) = app
        .v1(Method::POST, "/leaks", None)
        .header("content-type", "text/plain")
        .body(real.clone())
        .send()
        .await
        .map(|response| (response.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 415);
    assert_eq!(whoami(&app, &real).await.0, 200, "nothing was revoked");
    assert_eq!(leaked_events(&app).await, 0);
}

#[tokio::test]
async fn an_address_that_reports_too_often_waits_and_its_reports_revoke_nothing() {
    let app = spawn_app_with(&[("KEYWARD_LEAK_REPORTS_PER_IP_PER_MINUTE", "2")]).await;
    let ada = owner(&app, "ada@example.com").await;
    let real = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    for _ in 0..2 {
        let (status, _) = report(&app, json!({ "tokens": ["junk"] })).await;
        assert_eq!(status, 202);
    }
    let response = app
        .v1(Method::POST, "/leaks", None)
        .json(&json!({ "tokens": [real] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "Retry-After {retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "statusCode": 429,
            "error": "Too Many Requests",
            "message": "Rate limit exceeded. Please try again later.",
            "retryAfter": retry_after,
        })
    );
    assert_eq!(
        whoami(&app, &real).await.0,
        200,
        "the refused report revoked nothing"
    );
    assert_eq!(leaked_events(&app).await, 0);
}
