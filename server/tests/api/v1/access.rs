//! Access: every declared route, with and without what it requires.

use app::model::{Mode, Role, Scope, scopes_grant};
use reqwest::Method;
use serde_json::json;
use server::v1::{
    declarations,
    routes::{Access, Verb},
};
use uuid::Uuid;

use super::{FORBIDDEN, add_member, call, key, owner};
use crate::helpers::spawn_app;

fn method(verb: Verb) -> Method {
    match verb {
        Verb::Get => Method::GET,
        Verb::Post => Method::POST,
        Verb::Patch => Method::PATCH,
        Verb::Delete => Method::DELETE,
    }
}

/// The route's path with ids filled in, relative to `/v1`.
fn concrete(path: &str) -> String {
    path.trim_start_matches("/v1")
        .replace("{id}", &Uuid::now_v7().to_string())
}

#[tokio::test]
async fn every_route_answers_403_without_its_scope_and_lets_its_scope_through() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let routes = declarations();
    assert!(routes.len() >= 25, "the inventory lists every route");

    for route in routes {
        let path = concrete(&route.path);
        let body = matches!(route.verb, Verb::Post | Verb::Patch).then(|| json!({}));
        match route.access {
            Access::Public => {
                // The one public write is the leak report; anything is a valid report.
                let report = matches!(route.verb, Verb::Post).then(|| json!({ "tokens": ["x"] }));
                let (status, body) = call(&app, method(route.verb), &path, None, report).await;
                assert!(
                    (200..300).contains(&status),
                    "{} {} is public: {status} {body}",
                    route.verb.method(),
                    route.path
                );
            }
            Access::AnyKey => {
                let unrelated = key(&app, &ada, Mode::Test, &[Scope::AuditRead]).await;
                let (status, body) =
                    call(&app, method(route.verb), &path, Some(&unrelated), body).await;
                assert_eq!(
                    status,
                    200,
                    "{} {}: {body}",
                    route.verb.method(),
                    route.path
                );
            }
            Access::Scope(required) => {
                let others: Vec<Scope> = Scope::ALL
                    .iter()
                    .copied()
                    .filter(|held| !held.grants(required))
                    .collect();
                assert!(!scopes_grant(&others, required));
                let without = key(&app, &ada, Mode::Test, &others).await;
                let (status, text) = call(
                    &app,
                    method(route.verb),
                    &path,
                    Some(&without),
                    body.clone(),
                )
                .await;
                assert_eq!(
                    (status, text.as_str()),
                    (403, FORBIDDEN),
                    "{} {} without {required:?}",
                    route.verb.method(),
                    route.path
                );

                let with = key(&app, &ada, Mode::Test, &[required]).await;
                let (status, text) = call(&app, method(route.verb), &path, Some(&with), body).await;
                assert!(
                    ![401, 403].contains(&status),
                    "{} {} with {required:?} answered {status}: {text}",
                    route.verb.method(),
                    route.path
                );
            }
        }
    }
}

#[tokio::test]
async fn write_implies_read_and_the_wildcard_grants_everything() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let writer = key(&app, &ada, Mode::Test, &[Scope::ClientsWrite]).await;
    assert_eq!(
        call(&app, Method::GET, "/clients", Some(&writer), None)
            .await
            .0,
        200
    );
    assert_eq!(
        call(&app, Method::GET, "/envelopes", Some(&writer), None)
            .await
            .0,
        403
    );
    let everything = key(&app, &ada, Mode::Test, &[Scope::All]).await;
    for path in [
        "/clients",
        "/envelopes",
        "/verifications",
        "/webhooks",
        "/audit",
    ] {
        assert_eq!(
            call(&app, Method::GET, path, Some(&everything), None)
                .await
                .0,
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_viewers_key_reads_but_never_writes_even_with_every_scope() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let viewer = add_member(&app, &ada, "vic@example.com", Role::Viewer).await;
    let key = app
        .secret(ada.org.org_id, viewer, Mode::Test, &[Scope::All])
        .await;
    assert_eq!(
        call(&app, Method::GET, "/clients", Some(&key), None)
            .await
            .0,
        200
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/clients",
        Some(&key),
        Some(json!({ "name": "Acme", "email": "acme@example.com" })),
    )
    .await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

#[tokio::test]
async fn a_members_key_may_write() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let member = add_member(&app, &ada, "max@example.com", Role::Member).await;
    let key = app
        .secret(ada.org.org_id, member, Mode::Test, &[Scope::ClientsWrite])
        .await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/clients",
        Some(&key),
        Some(json!({ "name": "Acme", "email": "acme@example.com" })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn the_openapi_document_and_reference_are_public() {
    let app = spawn_app().await;
    let response = app
        .v1(Method::GET, "/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"]["/v1/clients/{id}"]["patch"].is_object());
    let page = app
        .v1(Method::GET, "/reference", None)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/v1/envelopes/{id}/send") && html.contains("envelopes:write"));
}
