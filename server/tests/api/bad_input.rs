//! Bad input to every server function that takes any (SECURITY.md item 26): over-long
//! and invisible-character names, unknown scopes and roles, malformed addresses,
//! cursors and ids, past expiry dates, invalid and deeply nested JSON, bodies over the
//! limit. Each gets a clear 4xx (422 with a message saying what is wrong, or 413) and
//! leaves every table as it was. (Creating a key and `/v1` bodies:
//! `key_admin::bad_input_is_refused_with_422_and_nothing_is_written` and
//! `v1::errors::body_errors_use_the_api_shape_and_write_nothing`.)

use app::{error::AppError, model::Mode};
use serde_json::{Value, json};

use crate::{
    browser::Browser,
    helpers::{key_with_every_scope, spawn_app},
    snapshot::every_row,
    v1::owner,
};

enum Sent {
    Json(Value),
    Form(Vec<(&'static str, String)>),
    Raw(&'static str, String),
}

#[tokio::test]
async fn every_form_refuses_bad_input_with_a_clear_4xx_and_writes_nothing() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            key_with_every_scope("target", Mode::Live),
        )
        .await
        .unwrap()
        .key
        .id;
    let browser = Browser::new(&app);
    browser.sign_into("ada@example.com", &ada).await;
    let workspaces: Value = browser
        .post_form("/api/workspaces_view", &[])
        .await
        .json()
        .await
        .unwrap();
    let workspace = workspaces["rows"][0]["id"].clone();
    assert!(workspace.is_string(), "a workspace id: {workspaces}");

    let long = "n".repeat(10_000);
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let edit = |field: &str, value: Value| {
        let mut edit = json!({
            "name": "fine", "description": null, "scopes": ["*"], "expiry": null, "allowed_ips": [],
        });
        edit[field] = value;
        Sent::Json(json!({ "id": key, "edit": edit }))
    };
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let cases: Vec<(&str, &str, Sent)> = vec![
        (
            "/api/update_api_key",
            "a name of 10,000 characters",
            edit("name", json!(long)),
        ),
        (
            "/api/update_api_key",
            "a right-to-left override",
            edit("name", json!("evil\u{202E}txt.exe")),
        ),
        (
            "/api/update_api_key",
            "a zero-width space",
            edit("name", json!("dep\u{200B}loy")),
        ),
        (
            "/api/update_api_key",
            "an empty name",
            edit("name", json!("  ")),
        ),
        (
            "/api/update_api_key",
            "an unknown scope",
            edit("scopes", json!(["keys:write"])),
        ),
        (
            "/api/update_api_key",
            "no scope at all",
            edit("scopes", json!([])),
        ),
        (
            "/api/update_api_key",
            "an address that is none",
            edit("allowed_ips", json!(["999.1.1.1"])),
        ),
        (
            "/api/update_api_key",
            "an expiry in the past",
            edit("expiry", json!({ "On": yesterday })),
        ),
        (
            "/api/update_api_key",
            "a description of 10,000 characters",
            edit("description", json!(long)),
        ),
        (
            "/api/update_api_key",
            "JSON that does not parse",
            Sent::Raw("application/json", "{\"id\": ".to_owned()),
        ),
        (
            "/api/update_api_key",
            "JSON nested 5,000 deep",
            Sent::Raw("application/json", format!("{{\"id\": {deep}}}")),
        ),
        (
            "/api/update_api_key",
            "an id that is no id",
            Sent::Json(json!({ "id": "k1", "edit": {} })),
        ),
        (
            "/api/roll_api_key",
            "an unknown grace period",
            Sent::Form(vec![
                ("id", key.to_string()),
                ("grace", "forever".to_owned()),
            ]),
        ),
        (
            "/api/revoke_api_key",
            "a reason of 10,000 characters",
            Sent::Form(vec![("id", key.to_string()), ("reason", long.clone())]),
        ),
        (
            "/api/revoke_api_key",
            "an id that is no id",
            Sent::Form(vec![("id", "not-a-key".to_owned())]),
        ),
        (
            "/api/invite_member",
            "an address that is none",
            Sent::Json(json!({ "form": { "email": "not an address", "role": "member" } })),
        ),
        (
            "/api/invite_member",
            "an address of 10,000 characters",
            Sent::Json(
                json!({ "form": { "email": format!("{long}@example.com"), "role": "member" } }),
            ),
        ),
        (
            "/api/invite_member",
            "an unknown role",
            Sent::Json(json!({ "form": { "email": "bob@example.com", "role": "superuser" } })),
        ),
        (
            "/api/change_member_role",
            "an unknown role",
            Sent::Form(vec![
                ("user_id", ada.org.owner_id.to_string()),
                ("role", "god".to_owned()),
            ]),
        ),
        (
            "/api/remove_member",
            "an id that is no id",
            Sent::Form(vec![("user_id", "'; DROP TABLE users; --".to_owned())]),
        ),
        (
            "/api/change_plan",
            "an unknown plan",
            Sent::Form(vec![("plan", "platinum".to_owned())]),
        ),
        (
            "/api/create_workspace",
            "a name of 10,000 characters",
            Sent::Form(vec![("name", long.clone())]),
        ),
        (
            "/api/create_workspace",
            "a right-to-left override",
            Sent::Form(vec![("name", "Prod\u{202E}".to_owned())]),
        ),
        (
            "/api/create_workspace",
            "an empty name",
            Sent::Form(vec![("name", String::new())]),
        ),
        (
            "/api/rename_workspace",
            "a zero-width joiner",
            Sent::Form(vec![
                ("id", workspace.as_str().unwrap_or_default().to_owned()),
                ("name", "a\u{2060}b".to_owned()),
            ]),
        ),
        (
            "/api/key_listing",
            "a cursor that is none",
            Sent::Json(json!({ "query": { "cursor": "!!!" } })),
        ),
        (
            "/api/key_listing",
            "a search of 10,000 characters",
            Sent::Json(json!({ "query": { "search": long } })),
        ),
        (
            "/api/audit_listing",
            "a cursor that is none",
            Sent::Json(json!({ "query": { "cursor": "zz" } })),
        ),
        (
            "/api/audit_listing",
            "an action filter of 10,000 characters",
            Sent::Json(json!({ "query": { "action": long } })),
        ),
        (
            "/api/key_activity",
            "a cursor that is none",
            Sent::Json(json!({ "id": key, "cursor": "%%" })),
        ),
    ];

    for (endpoint, what, sent) in cases {
        let before = every_row(&app).await;
        let response = match sent {
            Sent::Json(body) => browser.post_json(endpoint, body).await,
            Sent::Form(fields) => {
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                browser.post_form(endpoint, &fields).await
            }
            Sent::Raw(content_type, body) => browser.post_raw(endpoint, content_type, body).await,
        };
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 422, "{endpoint}, {what}: {text}");
        let error: AppError = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{endpoint}, {what}: not an AppError ({err}): {text}"));
        assert!(
            matches!(&error, AppError::Invalid(message) if !message.is_empty()),
            "{endpoint}, {what}: {error:?}"
        );
        assert_eq!(
            before,
            every_row(&app).await,
            "{endpoint}, {what}: nothing written"
        );
    }

    let before = every_row(&app).await;
    let oversized = browser
        .post_raw(
            "/api/create_workspace",
            "application/x-www-form-urlencoded",
            format!("name={}", "x".repeat(70 * 1024)),
        )
        .await;
    assert_eq!(oversized.status(), 413, "a body over 64 KiB");
    assert_eq!(
        before,
        every_row(&app).await,
        "an oversized body wrote nothing"
    );
    assert_eq!(
        browser
            .post_form("/api/create_workspace", &[("name", "Fine after all")])
            .await
            .status(),
        200,
        "the same form with good input is accepted"
    );
}
