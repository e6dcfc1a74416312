//! The key lifecycle as an integration sees it on `/v1`.

use app::{
    model::{Mode, Plan, Scope},
    ssr::{
        entities::{api_key, membership, organization},
        keys::hash::KeyHasher,
        services::{
            audit::Actor,
            keys::{self, Expiry, Grace, KeyChanges, KeyIssuer, NewKey},
        },
    },
};
use chrono::{Duration, Utc};
use reqwest::Method;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::{FORBIDDEN, INVALID_TOKEN, call, owner};
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

async fn roll(app: &TestApp, org: uuid::Uuid, key_id: uuid::Uuid, grace: Grace) -> keys::IssuedKey {
    let hasher: KeyHasher = key_hasher();
    keys::roll_key(
        &app.db,
        &KeyIssuer {
            hasher: &hasher,
            brand: "kw",
        },
        org,
        key_id,
        grace,
        SYSTEM,
        None,
    )
    .await
    .expect("rolled")
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
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
}

#[tokio::test]
async fn a_key_works_until_its_expiry_instant_and_not_at_it() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    let set_expiry = |at| {
        api_key::Entity::update(api_key::ActiveModel {
            id: Set(issued.key.id),
            expires_at: Set(Some(at)),
            ..Default::default()
        })
    };
    set_expiry(Utc::now() + Duration::seconds(30))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    set_expiry(Utc::now()).exec(&app.db).await.unwrap();
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
    let hasher = key_hasher();
    let again = keys::roll_key(
        &app.db,
        &KeyIssuer {
            hasher: &hasher,
            brand: "kw",
        },
        ada.org.org_id,
        old.key.id,
        Grace::Now,
        SYSTEM,
        None,
    )
    .await;
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
async fn a_key_stops_when_its_creator_leaves_and_when_the_plan_loses_api_access() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();

    organization::Entity::update(organization::ActiveModel {
        id: Set(ada.org.org_id),
        plan: Set(Plan::Starter),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));

    organization::Entity::update(organization::ActiveModel {
        id: Set(ada.org.org_id),
        plan: Set(Plan::Business),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    assert_eq!(whoami(&app, &issued.secret).await.0, 200);
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(ada.org.owner_id))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = whoami(&app, &issued.secret).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
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
    keys::update_key(
        &app.db,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            scopes: Some(vec![Scope::AuditRead]),
            ..Default::default()
        },
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let (status, body) = call(&app, Method::GET, "/clients", Some(&issued.secret), None).await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));

    keys::update_key(
        &app.db,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            allowed_ips: Some(Some(vec!["10.0.0.0/8".into()])),
            ..Default::default()
        },
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let (status, body) = call(&app, Method::GET, "/audit", Some(&issued.secret), None).await;
    assert_eq!(
        (status, body.as_str()),
        (401, INVALID_TOKEN),
        "127.0.0.1 is not in 10/8"
    );
    keys::update_key(
        &app.db,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            allowed_ips: Some(Some(vec!["127.0.0.1".into()])),
            ..Default::default()
        },
        SYSTEM,
        None,
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
        issued.key.id,
        Some(ada.org.org_id),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let edit = keys::update_key(
        &app.db,
        ada.org.org_id,
        issued.key.id,
        KeyChanges {
            name: Some("renamed".into()),
            ..Default::default()
        },
        SYSTEM,
        None,
    )
    .await;
    assert!(matches!(edit, Err(keys::KeyError::Conflict(_))));
    let hasher = key_hasher();
    let rolled = keys::roll_key(
        &app.db,
        &KeyIssuer {
            hasher: &hasher,
            brand: "kw",
        },
        ada.org.org_id,
        issued.key.id,
        Grace::Now,
        SYSTEM,
        None,
    )
    .await;
    assert!(matches!(rolled, Err(keys::KeyError::Conflict(_))));
    let foreign = keys::update_key(
        &app.db,
        uuid::Uuid::now_v7(),
        issued.key.id,
        KeyChanges {
            name: Some("renamed".into()),
            ..Default::default()
        },
        SYSTEM,
        None,
    )
    .await;
    assert!(matches!(foreign, Err(keys::KeyError::NotFound)));
}
