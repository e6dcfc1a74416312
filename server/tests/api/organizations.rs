use app::{
    model::{Plan, Role},
    ssr::entities::membership,
};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait};
use uuid::Uuid;

use crate::helpers::spawn_app;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn a_member_of_two_organizations_can_switch_between_them() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let other = app
        .create_owner("bob@example.com", PASSWORD, Plan::Starter)
        .await;
    membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::new_v4()),
        org_id: Set(other.org.org_id),
        user_id: Set(ada.org.owner_id),
        role: Set(Role::Viewer),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    app.login("ada@example.com", PASSWORD).await;

    let me = app.current_user().await.expect("signed in");
    assert_eq!(me.org.slug, ada.org.slug);
    assert_eq!(me.other_orgs.len(), 1);
    assert_eq!(me.other_orgs[0].slug, other.org.slug);

    let switched = app
        .post_form(
            "/api/switch_organization",
            &[("slug", other.org.slug.as_str())],
        )
        .await;
    assert_eq!(switched.status(), 200);
    let me = app.current_user().await.expect("signed in");
    assert_eq!(me.org.slug, other.org.slug);
    assert_eq!(me.org.role, Role::Viewer);
    assert_eq!(me.org.plan, Plan::Starter);
}

#[tokio::test]
async fn switching_to_an_organization_the_user_is_not_in_answers_404_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let foreign = app
        .create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;

    let response = app
        .post_form(
            "/api/switch_organization",
            &[("slug", foreign.org.slug.as_str())],
        )
        .await;
    assert_eq!(response.status(), 404);
    let me = app.current_user().await.expect("signed in");
    assert_eq!(me.org.slug, ada.org.slug);
}

#[tokio::test]
async fn switching_organizations_needs_a_session() {
    let app = spawn_app().await;
    let response = app
        .post_form("/api/switch_organization", &[("slug", "anything")])
        .await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn with_the_database_gone_sign_in_and_settings_fail_closed_with_503() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    app.db.clone().close().await.unwrap();

    let login = app
        .post_form(
            "/api/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), 503);
    let body = login.text().await.unwrap();
    assert_eq!(body, "\"Unavailable\"", "a generic error, no database text");

    let page = app.get("/settings/api-keys").await;
    assert_eq!(page.status(), 503);
}
