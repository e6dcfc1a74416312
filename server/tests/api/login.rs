use app::model::{LoginOutcome, Plan, SignedInUser};

use crate::helpers::{spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn the_right_password_signs_in_and_current_user_names_the_owner() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;

    assert_eq!(
        app.login("Ada@Example.com", PASSWORD).await,
        LoginOutcome::SignedIn
    );

    let response = app.post_form("/api/current_user", &[]).await;
    assert_eq!(response.status(), 200);
    let me: Option<SignedInUser> = response.json().await.unwrap();
    let me = me.expect("signed in");
    assert_eq!(me.email, "ada@example.com");
    assert_eq!(me.org.slug, owner.org.slug);
    assert_eq!(me.org.role, app::model::Role::Owner);
    assert_eq!(me.org.plan, Plan::Business);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.signed_in'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_outcome_and_leaves_no_signed_in_session() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;

    assert_eq!(
        app.login("ada@example.com", "not the password!").await,
        LoginOutcome::InvalidCredentials
    );

    let me = app.current_user().await;
    assert!(me.is_none());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .await,
        0
    );
    // Written off the response path (see authentication.rs); wait for it.
    let mut failures = 0;
    for _ in 0..50 {
        failures = app
            .count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.sign_in_failed'")
            .await;
        if failures > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failures, 1);
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    assert_eq!(
        app.login("nobody@example.com", PASSWORD).await,
        LoginOutcome::InvalidCredentials
    );
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_even_for_the_right_password() {
    let app = spawn_app_with(&[("KEYWARD_LOGIN_ATTEMPTS_PER_ACCOUNT", "3")]).await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    for _ in 0..3 {
        assert_eq!(
            app.login("ada@example.com", "wrong password!!").await,
            LoginOutcome::InvalidCredentials
        );
    }
    match app.login("ada@example.com", PASSWORD).await {
        LoginOutcome::Throttled {
            retry_after_seconds,
        } => assert!(retry_after_seconds >= 1),
        other => panic!("expected a throttled outcome, got {other:?}"),
    }
    // Another account from the same address is unaffected.
    app.create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    assert_eq!(
        app.login("bob@example.com", PASSWORD).await,
        LoginOutcome::SignedIn
    );
}

#[tokio::test]
async fn one_address_is_throttled_across_accounts() {
    let app = spawn_app_with(&[("KEYWARD_LOGIN_ATTEMPTS_PER_IP", "4")]).await;
    for n in 0..4 {
        assert_eq!(
            app.login(&format!("guess{n}@example.com"), "whatever password")
                .await,
            LoginOutcome::InvalidCredentials
        );
    }
    assert!(matches!(
        app.login("guess9@example.com", "whatever password").await,
        LoginOutcome::Throttled { .. }
    ));
}

#[tokio::test]
async fn a_server_function_call_from_a_foreign_origin_is_refused() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let response = app
        .client
        .post(app.url("/api/login"))
        .header("Origin", "https://evil.example")
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'user.sign%'")
            .await,
        0
    );
}

#[tokio::test]
async fn settings_pages_send_anonymous_visitors_to_the_login_page() {
    let app = spawn_app().await;
    for path in ["/", "/settings", "/settings/api-keys", "/settings/billing"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    assert_eq!(app.get("/login").await.status(), 200);
}

#[tokio::test]
async fn a_signed_in_owner_gets_the_settings_shell_rendered_on_the_server() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Professional)
        .await;
    app.login("ada@example.com", PASSWORD).await;

    let response = app.get("/settings/billing").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("ada@example.com"), "user shown in the header");
    assert!(
        html.contains("Org of ada@example.com"),
        "organization shown in the header"
    );
    assert!(html.contains("Professional"), "plan shown");
    assert!(html.contains("Owner"), "role shown");
    assert_eq!(
        app.get("/login").await.headers()["location"],
        "/settings/api-keys"
    );
}

#[tokio::test]
async fn over_long_inputs_get_the_wrong_password_answer_without_any_argon2_work() {
    let app = spawn_app_with(&[("KEYWARD_LOGIN_ATTEMPTS_PER_IP", "3")]).await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    assert_eq!(
        app.login("ada@example.com", "not the password!").await,
        LoginOutcome::InvalidCredentials
    );
    let verified = app.passwords.verifications();
    assert!(
        verified >= 1,
        "a wrong password costs an argon2 verification"
    );

    let long_email = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        app.login(&long_email, PASSWORD).await,
        LoginOutcome::InvalidCredentials
    );
    assert_eq!(
        app.login("ada@example.com", &"p".repeat(1025)).await,
        LoginOutcome::InvalidCredentials
    );
    assert_eq!(app.passwords.verifications(), verified, "no argon2 run");

    // Both counted against the address, so its allowance of 3 is used up.
    assert!(matches!(
        app.login("ada@example.com", PASSWORD).await,
        LoginOutcome::Throttled { .. }
    ));
}
