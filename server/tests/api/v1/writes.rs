//! A `/v1` write re-checks its key inside its own transaction: a revoke that committed
//! after the request was verified still stops the write.

use app::{
    model::Mode,
    ssr::entities::{api_key, client, webhook},
};
use chrono::Utc;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use super::{INVALID_TOKEN, call, owner};
use crate::helpers::{key_with_every_scope, spawn_app};

#[tokio::test]
async fn a_write_whose_key_was_revoked_after_verification_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    app.wait_for_key_cache().await;
    let ada = owner(&app, "ada@example.com").await;
    let issued = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            key_with_every_scope("writer", Mode::Test),
        )
        .await
        .unwrap();
    let secret = issued.secret.as_str();
    // Until the cache serves the key without loading it (the key's own change
    // notification may arrive after the first load and void it once).
    let mut served_from_cache = false;
    for _ in 0..50 {
        let loads = app.key_loads();
        assert_eq!(
            call(&app, Method::GET, "/whoami", Some(secret), None)
                .await
                .0,
            200
        );
        if app.key_loads() == loads {
            served_from_cache = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served_from_cache, "the key reached the cache");

    // The revoke lands between the guard's check and the write: written here without
    // the services, so the cache has not heard of it.
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::Id.eq(issued.key.id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(
        call(&app, Method::GET, "/whoami", Some(secret), None)
            .await
            .0,
        200,
        "reads are still served from the cache: the window this test opens"
    );

    let client = json!({ "name": "Acme", "email": "billing@acme.example" });
    let (status, body) = call(&app, Method::POST, "/clients", Some(secret), Some(client)).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    let hook = json!({ "url": "https://hooks.example.com/a", "events": ["envelope.sent"] });
    let (status, body) = call(&app, Method::POST, "/webhooks", Some(secret), Some(hook)).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
    assert_eq!(client::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(webhook::Entity::find().count(&app.db).await.unwrap(), 0);
}
