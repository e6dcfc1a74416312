//! Every `/v1` error answers in one shape, byte for byte.

use app::{
    model::{Mode, Scope},
    ssr::keys::format,
};
use reqwest::{Method, header};
use serde_json::json;

use super::{INVALID_TOKEN, MISSING_HEADER, NOT_FOUND, call, key, owner};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_request_without_authorization_gets_401_missing_header_and_a_bearer_challenge() {
    let app = spawn_app().await;
    let response = app.v1(Method::GET, "/whoami", None).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(response.text().await.unwrap(), MISSING_HEADER);
}

#[tokio::test]
async fn every_kind_of_bad_token_gets_the_same_401_body() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let revoked = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            crate::keys::new_key("to revoke"),
        )
        .await
        .unwrap();
    app.revoke_key(revoked.key.id).await;
    let valid = key(&app, &ada, Mode::Test, &[Scope::All]).await;
    let mut wrong_checksum = valid.clone();
    let last = wrong_checksum.pop().unwrap();
    wrong_checksum.push(if last == 'A' { 'B' } else { 'A' });
    let never_issued = format::generate("kw", Mode::Test).unwrap();
    let other_brand = format::generate("acme", Mode::Test).unwrap();

    for token in [
        "garbage",
        "",
        &wrong_checksum,
        &never_issued,
        &other_brand,
        &revoked.secret,
        &valid[..valid.len() - 1],
    ] {
        let (status, body) = call(&app, Method::GET, "/whoami", Some(token), None).await;
        assert_eq!(
            (status, body.as_str()),
            (401, INVALID_TOKEN),
            "token {token:?}"
        );
    }
    let basic = app
        .v1(Method::GET, "/whoami", None)
        .header(header::AUTHORIZATION, format!("Basic {valid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_eq!(basic.text().await.unwrap(), INVALID_TOKEN);
}

#[tokio::test]
async fn an_admin_session_cookie_is_no_credential_for_the_api() {
    let app = spawn_app().await;
    owner(&app, "ada@example.com").await;
    app.login("ada@example.com", super::PASSWORD).await;
    assert!(app.session_cookie().is_some());
    let (status, body) = call(&app, Method::GET, "/whoami", None, None).await;
    assert_eq!((status, body.as_str()), (401, MISSING_HEADER));
}

#[tokio::test]
async fn routing_errors_use_the_api_shape() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Test, &[Scope::All]).await;

    let (status, body) = call(&app, Method::GET, "/no-such-route", Some(&key), None).await;
    assert_eq!((status, body.as_str()), (404, NOT_FOUND));
    let (status, body) = call(&app, Method::PUT, "/clients", Some(&key), None).await;
    assert_eq!(
        (status, body.as_str()),
        (
            405,
            r#"{"statusCode":405,"error":"Method Not Allowed","message":"Method not allowed"}"#
        )
    );
    let (status, body) = call(&app, Method::GET, "/clients/not-a-uuid", Some(&key), None).await;
    assert_eq!((status, body.as_str()), (404, NOT_FOUND));
    // Without a key, an unknown route does not reveal that it is unknown.
    let (status, body) = call(&app, Method::GET, "/no-such-route", None, None).await;
    assert_eq!((status, body.as_str()), (401, MISSING_HEADER));
}

#[tokio::test]
async fn body_errors_use_the_api_shape_and_write_nothing() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Test, &[Scope::All]).await;

    let huge = json!({ "name": "x".repeat(100_000), "email": "a@example.com" });
    let (status, body) = call(&app, Method::POST, "/clients", Some(&key), Some(huge)).await;
    assert_eq!(
        (status, body.as_str()),
        (
            413,
            r#"{"statusCode":413,"error":"Payload Too Large","message":"Request body too large"}"#
        )
    );
    let not_json = app
        .v1(Method::POST, "/clients", Some(&key))
        .body("name=x")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
    assert_eq!(
        not_json.text().await.unwrap(),
        r#"{"statusCode":415,"error":"Unsupported Media Type","message":"Expected a JSON body with Content-Type: application/json"}"#
    );
    let broken = app
        .v1(Method::POST, "/clients", Some(&key))
        .body("{\"name\":")
        .header(header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let broken: serde_json::Value = broken.json().await.unwrap();
    assert_eq!(broken["error"], "Bad Request");
    // Nested far deeper than any body of ours, well under the size cap: refused by the
    // parser's depth limit with a 4xx in the API shape, never a stack overflow.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let deep = app
        .v1(Method::POST, "/clients", Some(&key))
        .body(deep)
        .header(header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    let status = deep.status().as_u16();
    let deep: serde_json::Value = deep.json().await.unwrap();
    assert!(matches!(status, 400 | 422), "{status}: {deep}");
    assert_eq!(deep["statusCode"], status);

    let (status, body) = call(
        &app,
        Method::POST,
        "/clients",
        Some(&key),
        Some(json!({ "name": "Acme", "email": "acme@example.com", "nmae": "typo" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("unknown field `nmae`"), "{body}");
    // serde would read a struct from an array too; the API takes objects only.
    for body in [
        json!(["Acme", "acme@example.com"]),
        json!([null, null]),
        json!("Acme"),
    ] {
        let (status, answer) = call(&app, Method::POST, "/clients", Some(&key), Some(body)).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer.contains("expected a map"), "{answer}");
    }
    let (status, body) = call(
        &app,
        Method::POST,
        "/clients",
        Some(&key),
        Some(json!({ "name": "Acme", "email": 7 })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("email: invalid type"),
        "the field is named: {body}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/clients",
        Some(&key),
        Some(json!({ "name": "Acme", "email": "not an address" })),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (
            422,
            r#"{"statusCode":422,"error":"Unprocessable Entity","message":"email: must be an e-mail address"}"#
        )
    );
    for deceptive in [
        "Acme\u{202E}cod.exe",
        "Ac\u{200B}me",
        "\u{2066}Acme\u{2069}",
    ] {
        let (status, body) = call(
            &app,
            Method::POST,
            "/clients",
            Some(&key),
            Some(json!({ "name": deceptive, "email": "acme@example.com" })),
        )
        .await;
        assert_eq!(status, 422, "{deceptive:?}: {body}");
        assert!(
            body.contains("without control or invisible characters"),
            "{body}"
        );
    }
    let (status, body) = call(&app, Method::GET, "/clients?limit=500", Some(&key), None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("limit: must be between 1 and 200"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

#[tokio::test]
async fn with_the_database_down_junk_is_still_401_and_real_looking_keys_get_503() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let key = key(&app, &ada, Mode::Test, &[Scope::All]).await;
    app.db.clone().close().await.unwrap();

    // Malformed keys are refused before any lookup, so they never need the database.
    let (status, body) = call(&app, Method::GET, "/whoami", Some("kw_test_junk"), None).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    // A well-formed key cannot be checked: fail closed.
    let (status, body) = call(&app, Method::GET, "/whoami", Some(&key), None).await;
    assert_eq!(
        (status, body.as_str()),
        (
            503,
            r#"{"statusCode":503,"error":"Service Unavailable","message":"Service temporarily unavailable"}"#
        )
    );
    let (status, body) = call(&app, Method::GET, "/clients", Some(&key), None).await;
    assert_eq!(status, 503, "{body}");
}
