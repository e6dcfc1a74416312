//! The verification every `/v1` request will go through.

use app::{
    model::{Plan, Role},
    ssr::{
        entities::{api_key, membership, organization},
        keys::{format::MalformedKey, hash::KeyHasher},
        services::{
            audit::Actor,
            keys::{self, Expiry, NewKey},
            verification::{Rejection, VerificationError, verify_key},
        },
    },
};
use chrono::{Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;

use crate::helpers::{TestApp, key_hasher, spawn_app};

const PASSWORD: &str = "correct horse battery staple";

fn hasher() -> KeyHasher {
    key_hasher()
}

async fn issue(app: &TestApp, org_id: uuid::Uuid, owner: uuid::Uuid) -> keys::IssuedKey {
    let new = NewKey {
        name: "integration".to_owned(),
        description: None,
        mode: app::model::Mode::Live,
        scopes: vec![app::model::Scope::ClientsRead],
        workspace_slug: None,
        expiry: Expiry::InDays(30),
    };
    app.issue_key(org_id, owner, new).await.unwrap()
}

fn rejection(result: Result<impl std::fmt::Debug, VerificationError>) -> Rejection {
    match result {
        Err(VerificationError::Rejected(reason, _)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_fresh_key_verifies_with_its_scopes_and_the_creators_role() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    let verified = verify_key(&app.db, &hasher(), "kw", &issued.secret, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(verified.key.id, issued.key.id);
    assert_eq!(verified.key.organization.id, owner.org.org_id);
    assert_eq!(verified.key.scopes, vec![app::model::Scope::ClientsRead]);
    assert_eq!(verified.acting_role, Role::Owner);
}

#[tokio::test]
async fn malformed_unknown_and_foreign_pepper_keys_are_refused() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    let now = Utc::now();

    let mut tampered = issued.secret.clone();
    tampered.replace_range(12..13, if &tampered[12..13] == "A" { "B" } else { "A" });
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "kw", &tampered, None, now).await),
        Rejection::Malformed(MalformedKey::Checksum)
    );
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "acme", &issued.secret, None, now).await),
        Rejection::Malformed(MalformedKey::Prefix)
    );

    let other_pepper =
        KeyHasher::new(&SecretString::from("another pepper, also long enough"), 1).unwrap();
    assert_eq!(
        rejection(verify_key(&app.db, &other_pepper, "kw", &issued.secret, None, now).await),
        Rejection::Unknown
    );
    let never_issued = app::ssr::keys::format::generate("kw", app::model::Mode::Live).unwrap();
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "kw", &never_issued, None, now).await),
        Rejection::Unknown
    );
}

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        issued.key.id,
        Some(owner.org.org_id),
        None,
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "kw", &issued.secret, None, Utc::now()).await),
        Rejection::Revoked
    );
}

#[tokio::test]
async fn a_key_is_refused_from_the_instant_it_expires() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    let expires_at = issued.key.expires_at.expect("30-day expiry");
    let just_before = expires_at - Duration::milliseconds(1);
    assert!(
        verify_key(&app.db, &hasher(), "kw", &issued.secret, None, just_before)
            .await
            .is_ok()
    );
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "kw", &issued.secret, None, expires_at).await),
        Rejection::Expired
    );
}

#[tokio::test]
async fn a_key_stops_working_when_its_creator_leaves_the_organization() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(owner.org.owner_id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "kw", &issued.secret, None, Utc::now()).await),
        Rejection::CreatorRemoved
    );
    // The key row itself is untouched: the list can still say why it stopped.
    assert!(
        api_key::Entity::find_by_id(issued.key.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
}

#[tokio::test]
async fn after_a_downgrade_to_starter_keys_get_no_api_access() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    organization::Entity::update(organization::ActiveModel {
        id: Set(owner.org.org_id),
        plan: Set(Plan::Starter),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    assert_eq!(
        rejection(verify_key(&app.db, &hasher(), "kw", &issued.secret, None, Utc::now()).await),
        Rejection::NoApiAccess
    );
}

#[tokio::test]
async fn with_the_database_gone_verification_fails_closed() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let issued = issue(&app, owner.org.org_id, owner.org.owner_id).await;
    app.db.clone().close().await.unwrap();
    let result = verify_key(&app.db, &hasher(), "kw", &issued.secret, None, Utc::now()).await;
    assert!(
        matches!(result, Err(VerificationError::Database(_))),
        "{result:?}"
    );
}
