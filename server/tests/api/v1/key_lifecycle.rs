//! The key lifecycle as an integration sees it on `/v1`.

use app::{
    model::{ApiKeySummary, Mode, Plan, Role, Scope},
    ssr::{
        keys::hash::KeyHasher,
        services::{
            audit::Actor,
            billing,
            keys::{self, Expiry, Grace, KeyChanges, KeyIssuer, NewKey},
            members, workspaces,
        },
    },
};
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::EntityTrait;

use super::{
    CROSS_PROCESS_BOUND, FORBIDDEN, INVALID_TOKEN, add_member, call, owner, refused_within,
};
use crate::{
    cli::{run_cli, stderr},
    helpers::{TestApp, key_hasher, spawn_app},
};

const SYSTEM: Actor = Actor::System { label: "test" };

async fn whoami(app: &TestApp, key: &str) -> (u16, String) {
    call(app, Method::GET, "/whoami", Some(key), None).await
}

fn new_key(scopes: &[Scope]) -> NewKey {
    NewKey {
        name: "integration".into(),
        description: None,
        mode: Mode::Live,
        scopes: scopes.to_vec(),
        workspace_slug: None,
        expiry: Expiry::InDays(30),
    }
}

async fn edit(
    app: &TestApp,
    org: uuid::Uuid,
    key_id: uuid::Uuid,
    changes: KeyChanges,
) -> Result<ApiKeySummary, keys::KeyError> {
    keys::update_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        org,
        key_id,
        changes,
        SYSTEM,
        None,
    )
    .await
}

async fn try_roll(
    app: &TestApp,
    org: uuid::Uuid,
    key_id: uuid::Uuid,
    grace: Grace,
) -> Result<keys::IssuedKey, keys::KeyError> {
    let hasher: KeyHasher = key_hasher();
    let issuer = KeyIssuer {
        hasher: &hasher,
        brand: "kw",
        invalidator: &app.invalidator,
    };
    keys::roll_key(
        &app.db, &app.audit, &issuer, org, key_id, grace, SYSTEM, None,
    )
    .await
}

async fn roll(app: &TestApp, org: uuid::Uuid, key_id: uuid::Uuid, grace: Grace) -> keys::IssuedKey {
    try_roll(app, org, key_id, grace).await.expect("rolled")
}

#[tokio::test]
async fn a_revoked_key_is_refused_on_the_very_next_request() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        issued.key.id,
        Some(ada.org.org_id),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
}

#[tokio::test]
async fn a_revoke_by_the_cli_process_is_refused_by_the_running_server() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    let output = run_cli(
        app.database(),
        &["keys", "revoke", &issued.key.id.to_string()],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // Another process's change reaches the server through the change feed, within
    // TRUST_WINDOW at worst; the slack here is for a loaded test machine.
    let (status, body) = refused_within(&app, &issued.secret, CROSS_PROCESS_BOUND).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
}

#[tokio::test]
async fn a_cached_key_works_until_its_expiry_instant_and_not_at_it() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    let expires_at = Utc::now() + Duration::seconds(2);
    edit(
        &app,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            expiry: Some(Expiry::At(expires_at)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Verified (and cached) before the instant...
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    let wait = (expires_at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
    // ...and refused from it on, with nothing in the database having changed.
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
}

#[tokio::test]
async fn during_a_roll_grace_both_keys_work_and_rolling_now_retires_the_old_one() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let old = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&[Scope::ClientsRead]),
        )
        .await
        .unwrap();
    let new = roll(&app, ada.org.org_id, old.key.id, Grace::OneHour).await;
    assert_eq!(new.key.rolled_from, Some(old.key.id));
    assert_eq!(new.key.scopes, vec![Scope::ClientsRead]);
    assert_eq!(whoami(&app, &old.secret).await.0, 200);
    assert_eq!(whoami(&app, &new.secret).await.0, 200);
    // A key is rolled once; its replacement is what to roll next.
    let again = try_roll(&app, ada.org.org_id, old.key.id, Grace::Now).await;
    assert!(
        matches!(again, Err(keys::KeyError::Conflict(_))),
        "{:?}",
        again.err()
    );

    let newest = roll(&app, ada.org.org_id, new.key.id, Grace::Now).await;
    assert_eq!(whoami(&app, &new.secret).await.0, 401);
    assert_eq!(whoami(&app, &newest.secret).await.0, 200);
    assert_eq!(
        whoami(&app, &old.secret).await.0,
        200,
        "the first grace period still runs"
    );
}

#[tokio::test]
async fn the_old_half_of_a_roll_cannot_be_extended_or_edited_only_revoked() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let org = ada.org.org_id;
    let old = app
        .issue_key(org, ada.org.owner_id, new_key(&[Scope::ClientsRead]))
        .await
        .unwrap();
    roll(&app, org, old.key.id, Grace::SevenDays).await;
    for changes in [
        KeyChanges {
            expiry: Some(Expiry::Never),
            ..KeyChanges::default()
        },
        KeyChanges {
            scopes: Some(vec![Scope::All]),
            ..KeyChanges::default()
        },
    ] {
        let refused = edit(&app, org, old.key.id, changes).await;
        assert!(
            matches!(&refused, Err(keys::KeyError::Conflict(message)) if message.contains("rolled")),
            "{refused:?}"
        );
    }
    let stored = app::ssr::entities::api_key::Entity::find_by_id(old.key.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.expires_at.is_some(), "the grace period still ends");
    assert_eq!(stored.scopes, serde_json::json!(["clients:read"]));
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        old.key.id,
        Some(org),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    assert_eq!(whoami(&app, &old.secret).await.0, 401);
}

#[tokio::test]
async fn a_key_stops_when_the_plan_loses_api_access_and_works_again_when_it_returns() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    let switch = |plan| {
        billing::change_plan(
            &app.db,
            &app.audit,
            &app.invalidator,
            ada.org.org_id,
            plan,
            SYSTEM,
            None,
        )
    };
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    switch(Plan::Starter).await.unwrap();
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));
    switch(Plan::Business).await.unwrap();
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
}

#[tokio::test]
async fn a_key_stops_on_the_next_request_once_its_member_is_removed() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let bob = add_member(&app, &ada, "bob@example.com", Role::Admin).await;
    let issued = app
        .issue_key(ada.org.org_id, bob, new_key(&[Scope::All]))
        .await
        .unwrap();
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    members::remove_member(
        &app.db,
        &app.audit,
        &app.invalidator,
        ada.org.org_id,
        bob,
        Actor::User {
            id: ada.org.owner_id,
            email: "ada@example.com".into(),
        },
        None,
    )
    .await
    .unwrap();
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
}

#[tokio::test]
async fn a_role_change_of_the_keys_member_applies_to_the_next_request() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let bob = add_member(&app, &ada, "bob@example.com", Role::Admin).await;
    let issued = app
        .issue_key(ada.org.org_id, bob, new_key(&[Scope::All]))
        .await
        .unwrap();
    let create_client = || {
        call(
            &app,
            Method::POST,
            "/clients",
            Some(&issued.secret),
            Some(serde_json::json!({ "name": "Acme", "email": "acme@example.com" })),
        )
    };
    assert_eq!(create_client().await.0, 201);
    members::change_role(
        &app.db,
        &app.audit,
        &app.invalidator,
        ada.org.org_id,
        bob,
        Role::Viewer,
        Actor::User {
            id: ada.org.owner_id,
            email: "ada@example.com".into(),
        },
        None,
    )
    .await
    .unwrap();
    let (status, body) = create_client().await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));
}

#[tokio::test]
async fn a_workspace_rename_shows_in_whoami_on_the_next_request() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    let (status, before) = whoami(&app, &issued.secret).await;
    assert_eq!(status, 200);
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    let workspace_id: uuid::Uuid = before["workspace"]["id"].as_str().unwrap().parse().unwrap();
    workspaces::rename_workspace(
        &app.db,
        &app.audit,
        &app.invalidator,
        ada.org.org_id,
        workspace_id,
        "Production EU",
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let (_, after) = whoami(&app, &issued.secret).await;
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["workspace"]["name"], "Production EU");
    assert_eq!(after["workspace"]["slug"], before["workspace"]["slug"]);
}

#[tokio::test]
async fn an_edit_of_scopes_or_allowlist_applies_to_the_next_request() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&[Scope::ClientsRead, Scope::AuditRead]),
        )
        .await
        .unwrap();
    assert_eq!(
        call(&app, Method::GET, "/clients", Some(&issued.secret), None)
            .await
            .0,
        200
    );
    edit(
        &app,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            scopes: Some(vec![Scope::AuditRead]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (status, body) = call(&app, Method::GET, "/clients", Some(&issued.secret), None).await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));

    edit(
        &app,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            allowed_ips: Some(Some(vec!["10.0.0.0/8".into()])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (status, body) = call(&app, Method::GET, "/audit", Some(&issued.secret), None).await;
    assert_eq!(
        (status, body.as_str()),
        (401, INVALID_TOKEN),
        "127.0.0.1 is not in 10/8"
    );
    edit(
        &app,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            allowed_ips: Some(Some(vec!["127.0.0.1".into()])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        call(&app, Method::GET, "/audit", Some(&issued.secret), None)
            .await
            .0,
        200
    );

    let events = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.updated'")
        .await;
    assert_eq!(events, 3);
}

#[tokio::test]
async fn revoked_and_expired_keys_cannot_be_edited_or_rolled() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        issued.key.id,
        Some(ada.org.org_id),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let edited = edit(
        &app,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            name: Some("renamed".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(edited, Err(keys::KeyError::Conflict(_))));
    let rolled = try_roll(&app, ada.org.org_id, issued.key.id, Grace::Now).await;
    assert!(matches!(rolled, Err(keys::KeyError::Conflict(_))));
    let foreign = edit(
        &app,
        uuid::Uuid::now_v7(),
        issued.key.id,
        KeyChanges {
            name: Some("renamed".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(foreign, Err(keys::KeyError::NotFound)));
}
