//! The client address behind a reverse proxy: `X-Forwarded-For` counts only when the
//! connection comes from a trusted proxy. The test server's peer is always 127.0.0.1,
//! so trusting 127.0.0.1/32 turns it into "our proxy".

use app::{
    model::{LoginOutcome, Mode, Plan},
    ssr::{
        entities::audit_event,
        services::{
            audit::Actor,
            keys::{self, KeyChanges},
        },
    },
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, key_with_every_scope, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";
const TRUST_LOCALHOST: (&str, &str) = ("KEYWARD_TRUSTED_PROXIES", "127.0.0.1/32");

/// A live key usable only from `allowed`.
async fn key_allowing(app: &TestApp, allowed: &str) -> String {
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Enterprise)
        .await;
    let issued = app
        .issue_key(
            owner.org.org_id,
            owner.org.owner_id,
            key_with_every_scope("behind a proxy", Mode::Live),
        )
        .await
        .expect("key issued");
    keys::update_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        owner.org.org_id,
        issued.key.id,
        KeyChanges {
            allowed_ips: Some(Some(vec![allowed.to_owned()])),
            ..Default::default()
        },
        Actor::System { label: "test" },
        None,
    )
    .await
    .expect("allowlist set");
    issued.secret
}

async fn whoami_from(app: &TestApp, key: &str, forwarded_for: &str) -> u16 {
    app.v1(Method::GET, "/whoami", Some(key))
        .header("X-Forwarded-For", forwarded_for)
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

async fn login_from(app: &TestApp, email: &str, forwarded_for: &str) -> LoginOutcome {
    app.client
        .post(app.url("/api/login"))
        .header("Origin", &app.address)
        .header("Accept", "application/json")
        .header("X-Forwarded-For", forwarded_for)
        .form(&[("email", email), ("password", "not the password!")])
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("a LoginOutcome")
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_key_allowlist_sees_the_forwarded_address() {
    let app = spawn_app_with(&[TRUST_LOCALHOST]).await;
    let key = key_allowing(&app, "203.0.113.0/24").await;
    assert_eq!(whoami_from(&app, &key, "203.0.113.7").await, 200);
    assert_eq!(
        whoami_from(&app, &key, "198.51.100.1").await,
        401,
        "a forwarded address outside the allowlist"
    );
    assert_eq!(
        whoami_from(&app, &key, "203.0.113.7, 198.51.100.1").await,
        401,
        "the right-most untrusted hop counts, not a forged one on its left"
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_ignored_by_the_allowlist() {
    let app = spawn_app_with(&[]).await;
    let key = key_allowing(&app, "203.0.113.0/24").await;
    assert_eq!(whoami_from(&app, &key, "203.0.113.7").await, 401);

    let app = spawn_app_with(&[]).await;
    let key = key_allowing(&app, "127.0.0.1").await;
    assert_eq!(
        whoami_from(&app, &key, "203.0.113.7").await,
        200,
        "the peer is the client"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_sign_in_throttle_counts_each_forwarded_address() {
    let app = spawn_app_with(&[TRUST_LOCALHOST, ("KEYWARD_LOGIN_ATTEMPTS_PER_IP", "2")]).await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    for n in 0..2 {
        assert_eq!(
            login_from(&app, &format!("guess{n}@example.com"), "198.51.100.1").await,
            LoginOutcome::InvalidCredentials
        );
    }
    assert!(matches!(
        login_from(&app, "guess9@example.com", "198.51.100.1").await,
        LoginOutcome::Throttled { .. }
    ));
    assert_eq!(
        login_from(&app, "guess9@example.com", "198.51.100.2").await,
        LoginOutcome::InvalidCredentials,
        "another client behind the same proxy has its own allowance"
    );

    // The audit trail names the forwarded client too.
    login_from(&app, "ada@example.com", "198.51.100.3").await;
    let mut recorded = None;
    for _ in 0..50 {
        recorded = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("user.sign_in_failed"))
            .one(&app.db)
            .await
            .expect("query runs");
        if recorded.is_some() {
            break;
        }
        // Failed sign-ins are audited off the response path.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let recorded = recorded.expect("the failed sign-in is audited");
    assert_eq!(recorded.ip.as_deref(), Some("198.51.100.3"));
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_forwarded_address_escapes_no_throttle() {
    let app = spawn_app_with(&[("KEYWARD_LOGIN_ATTEMPTS_PER_IP", "2")]).await;
    for n in 0..2 {
        assert_eq!(
            login_from(
                &app,
                &format!("guess{n}@example.com"),
                &format!("198.51.100.{n}")
            )
            .await,
            LoginOutcome::InvalidCredentials
        );
    }
    assert!(matches!(
        login_from(&app, "guess9@example.com", "198.51.100.9").await,
        LoginOutcome::Throttled { .. }
    ));
}
