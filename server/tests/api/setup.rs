use app::model::{Plan, SetupOutcome};

use crate::helpers::spawn_app;

const PASSWORD: &str = "a long password with spaces";

fn token_of(setup_url: &str) -> String {
    setup_url
        .split_once("token=")
        .expect("token in the setup link")
        .1
        .to_owned()
}

async fn complete_setup(
    app: &crate::helpers::TestApp,
    token: &str,
    password_confirmation: &str,
) -> reqwest::Response {
    app.post_form(
        "/api/complete_setup",
        &[
            ("token", token),
            ("org_name", "Acme Corp"),
            ("email", "owner@acme.example"),
            ("password", PASSWORD),
            ("password_confirmation", password_confirmation),
        ],
    )
    .await
}

#[tokio::test]
async fn an_empty_database_gets_a_setup_link_that_opens_the_setup_page() {
    let app = spawn_app().await;
    let link = app.setup_url.clone().expect("a setup link on first run");
    let path = link
        .strip_prefix(&app.address)
        .expect("link points at this server");
    assert!(path.starts_with("/setup?token="));
    assert_eq!(app.get(path).await.status(), 200);
}

#[tokio::test]
async fn the_setup_page_is_404_without_the_right_token() {
    let app = spawn_app().await;
    assert_eq!(app.get("/setup").await.status(), 404);
    assert_eq!(app.get("/setup?token=guess").await.status(), 404);
    let head = app.client.head(app.url("/setup")).send().await.unwrap();
    assert_eq!(head.status(), 404, "HEAD must not reveal a pending setup");
}

#[tokio::test]
async fn the_setup_link_creates_the_organization_and_owner_exactly_once() {
    let app = spawn_app().await;
    let token = token_of(app.setup_url.as_deref().unwrap());

    let response = complete_setup(&app, &token, PASSWORD).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<SetupOutcome>().await.unwrap(),
        SetupOutcome::Completed
    );

    // The owner is signed in straight away, on the Business plan.
    let me = app.current_user().await.expect("signed in");
    assert_eq!(me.email, "owner@acme.example");
    assert_eq!(me.org.name, "Acme Corp");
    assert_eq!(me.org.plan, Plan::Business);
    assert_eq!(me.org.role, app::model::Role::Owner);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM workspaces WHERE is_default")
            .await,
        1
    );

    // Single use: the token and the page are gone.
    assert_eq!(complete_setup(&app, &token, PASSWORD).await.status(), 404);
    assert_eq!(
        app.get(&format!("/setup?token={token}")).await.status(),
        404
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 1);
}

#[tokio::test]
async fn a_rejected_setup_form_writes_nothing_and_keeps_the_link_usable() {
    let app = spawn_app().await;
    let token = token_of(app.setup_url.as_deref().unwrap());

    let mismatch = complete_setup(&app, &token, "a different password").await;
    assert_eq!(mismatch.status(), 200);
    assert!(matches!(
        mismatch.json::<SetupOutcome>().await.unwrap(),
        SetupOutcome::Rejected { .. }
    ));

    let short = app
        .post_form(
            "/api/complete_setup",
            &[
                ("token", token.as_str()),
                ("org_name", "Acme"),
                ("email", "owner@acme.example"),
                ("password", "too short"),
                ("password_confirmation", "too short"),
            ],
        )
        .await;
    match short.json::<SetupOutcome>().await.unwrap() {
        SetupOutcome::Rejected { message } => {
            assert!(message.contains("12 characters"), "{message}")
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    let response = complete_setup(&app, &token, PASSWORD).await;
    assert_eq!(
        response.json::<SetupOutcome>().await.unwrap(),
        SetupOutcome::Completed
    );
}

#[tokio::test]
async fn setup_is_closed_when_an_organization_appeared_meanwhile() {
    let app = spawn_app().await;
    let token = token_of(app.setup_url.as_deref().unwrap());
    app.create_owner("cli@example.com", PASSWORD, Plan::Business)
        .await;
    assert_eq!(complete_setup(&app, &token, PASSWORD).await.status(), 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 1);
}
