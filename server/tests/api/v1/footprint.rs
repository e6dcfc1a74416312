//! Each key's footprint: the networks it was used from and the scopes its requests
//! needed, written with the usage counts, forgotten after 30 days, read on the key page.

use app::{
    model::{KeyFootprint, Mode, Scope},
    ssr::{
        entities::{api_key_address, api_key_scope_use},
        services::{footprint, keys},
    },
};
use chrono::{TimeDelta, Utc};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{PASSWORD, call, owner};
use crate::helpers::{TestApp, spawn_app_with};

fn new_key(scopes: &[Scope]) -> keys::NewKey {
    keys::NewKey {
        name: "traced".into(),
        description: None,
        mode: Mode::Live,
        scopes: scopes.to_vec(),
        workspace_slug: None,
        expiry: keys::Expiry::InDays(30),
    }
}

async fn quiet_app() -> TestApp {
    spawn_app_with(&[("KEYWARD_USAGE_FLUSH_MS", "300000")]).await
}

async fn addresses(app: &TestApp, key_id: Uuid) -> Vec<api_key_address::Model> {
    api_key_address::Entity::find()
        .filter(api_key_address::Column::KeyId.eq(key_id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn footprint_page(app: &TestApp, id: Uuid) -> (u16, Option<KeyFootprint>) {
    let response = app
        .post_form("/api/key_footprint", &[("id", &id.to_string())])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

#[tokio::test]
async fn requests_add_up_per_network_and_scope_across_flushes() {
    let app = quiet_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&[Scope::ClientsRead, Scope::ClientsWrite]),
        )
        .await
        .unwrap();
    let secret = issued.secret.as_str();
    for _ in 0..3 {
        assert_eq!(
            call(&app, Method::GET, "/clients", Some(secret), None)
                .await
                .0,
            200
        );
    }
    assert_eq!(
        call(&app, Method::GET, "/audit", Some(secret), None)
            .await
            .0,
        403
    );
    call(&app, Method::GET, "/whoami", Some(secret), None).await;
    assert!(
        addresses(&app, issued.key.id).await.is_empty(),
        "nothing per request"
    );
    app.usage.flush(&app.db).await.unwrap();
    call(&app, Method::GET, "/clients", Some(secret), None).await;
    app.usage.flush(&app.db).await.unwrap();

    let seen = addresses(&app, issued.key.id).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].network, "127.0.0.1");
    assert_eq!((seen[0].requests, seen[0].refused), (6, 0));
    assert!(seen[0].first_seen < seen[0].last_seen);

    let scopes = api_key_scope_use::Entity::find()
        .filter(api_key_scope_use::Column::KeyId.eq(issued.key.id))
        .all(&app.db)
        .await
        .unwrap();
    let mut tallies: Vec<(String, i64, i64)> = scopes
        .iter()
        .map(|row| (row.scope.clone(), row.allowed, row.denied))
        .collect();
    tallies.sort();
    assert_eq!(
        tallies,
        [
            ("audit:read".to_owned(), 0, 1),
            ("clients:read".to_owned(), 4, 0),
        ],
        "the route's scope, whatever grant covered it; /whoami needs none"
    );

    app.login("ada@example.com", PASSWORD).await;
    let (status, page) = footprint_page(&app, issued.key.id).await;
    assert_eq!(status, 200);
    let page = page.unwrap();
    assert_eq!(page.days, 30);
    assert_eq!(page.addresses.len(), 1);
    assert_eq!(page.scopes.len(), 2);
}

#[tokio::test]
async fn a_revoked_key_presented_again_is_counted_as_refused_from_its_address() {
    let app = quiet_app().await;
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
        None,
        None,
        app::ssr::services::audit::Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    call(&app, Method::GET, "/clients", Some(&issued.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();
    let seen = addresses(&app, issued.key.id).await;
    assert_eq!((seen[0].requests, seen[0].refused), (1, 1));
    let scopes = api_key_scope_use::Entity::find()
        .filter(api_key_scope_use::Column::KeyId.eq(issued.key.id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(scopes.is_empty(), "refused before any scope was checked");
}

#[tokio::test]
async fn networks_and_scopes_not_seen_for_30_days_are_forgotten() {
    let app = quiet_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    call(&app, Method::GET, "/clients", Some(&issued.secret), None).await;
    app.usage.flush(&app.db).await.unwrap();
    let long_ago = Utc::now() - TimeDelta::days(31);
    api_key_address::ActiveModel {
        key_id: Set(issued.key.id),
        network: Set("203.0.113.9".into()),
        org_id: Set(ada.org.org_id),
        first_seen: Set(long_ago),
        last_seen: Set(long_ago),
        requests: Set(1),
        refused: Set(0),
    }
    .insert(&app.db)
    .await
    .unwrap();
    api_key_scope_use::ActiveModel {
        key_id: Set(issued.key.id),
        scope: Set("audit:read".into()),
        org_id: Set(ada.org.org_id),
        allowed: Set(2),
        denied: Set(0),
        last_allowed_at: Set(Some(long_ago)),
        last_denied_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();

    assert_eq!(footprint::prune(&app.db, Utc::now()).await.unwrap(), 2);
    let kept = addresses(&app, issued.key.id).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].network, "127.0.0.1");
    let scopes = api_key_scope_use::Entity::find()
        .filter(api_key_scope_use::Column::KeyId.eq(issued.key.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(scopes.len(), 1);
    assert_eq!(scopes[0].scope, "clients:read");
}

#[tokio::test]
async fn another_organizations_key_has_no_footprint_to_read() {
    let app = quiet_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let grace = owner(&app, "grace@example.com").await;
    let issued = app
        .issue_key(grace.org.org_id, grace.org.owner_id, new_key(&[Scope::All]))
        .await
        .unwrap();
    assert_ne!(ada.org.org_id, grace.org.org_id);
    app.login("ada@example.com", PASSWORD).await;
    assert_eq!(footprint_page(&app, issued.key.id).await.0, 404);
}
