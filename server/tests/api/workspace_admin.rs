//! The Workspaces section's server functions: list with key counts, create, rename.

use app::model::{Role, WorkspacesView};

use crate::{
    helpers::{TestApp, spawn_app},
    keys::new_key,
    v1::{PASSWORD, add_member, owner},
};

async fn workspaces(app: &TestApp) -> WorkspacesView {
    let response = app.post_form("/api/workspaces_view", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a WorkspacesView")
}

#[tokio::test]
async fn an_owner_adds_and_renames_workspaces_and_sees_their_keys_counted() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    app.login("ada@example.com", PASSWORD).await;

    let created = app
        .post_form("/api/create_workspace", &[("name", "  Mobile app ")])
        .await;
    assert_eq!(created.status(), 200);
    let slug: String = created.json().await.unwrap();
    assert_eq!(slug, "mobile-app");

    for name in ["one", "two"] {
        app.issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            app::ssr::services::keys::NewKey {
                workspace_slug: Some("mobile-app".to_owned()),
                ..new_key(name)
            },
        )
        .await
        .unwrap();
    }
    let revoked = app
        .issue_key(ada.org.org_id, ada.org.owner_id, new_key("default one"))
        .await
        .unwrap();
    app.post_form(
        "/api/revoke_api_key",
        &[("id", &revoked.key.id.to_string())],
    )
    .await;

    let view = workspaces(&app).await;
    assert!(view.can_manage);
    let names: Vec<&str> = view.rows.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names, ["Default", "Mobile app"], "the default first");
    let mobile = &view.rows[1];
    assert_eq!((mobile.usable_keys, mobile.total_keys), (2, 2));
    assert_eq!((view.rows[0].usable_keys, view.rows[0].total_keys), (0, 1));

    let renamed = app
        .post_form(
            "/api/rename_workspace",
            &[("id", &mobile.id.to_string()), ("name", "iOS app")],
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let view = workspaces(&app).await;
    let ios = view.rows.iter().find(|row| row.id == mobile.id).unwrap();
    assert_eq!(
        (ios.name.as_str(), ios.slug.as_str()),
        ("iOS app", "mobile-app"),
        "the slug stays"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('workspace.created', 'workspace.renamed')")
            .await,
        2
    );
}

#[tokio::test]
async fn members_read_workspaces_but_cannot_change_them() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    add_member(&app, &ada, "mel@example.com", Role::Member).await;
    app.login("mel@example.com", PASSWORD).await;
    let switched = app
        .post_form("/api/switch_organization", &[("slug", &ada.org.slug)])
        .await;
    assert_eq!(switched.status(), 200);

    let view = workspaces(&app).await;
    assert!(!view.can_manage);
    let default_id = view.rows[0].id.to_string();
    assert_eq!(
        app.post_form("/api/create_workspace", &[("name", "Mine")])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post_form(
            "/api/rename_workspace",
            &[("id", &default_id), ("name", "Mine")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM workspaces WHERE name = 'Mine'")
            .await,
        0
    );
}

#[tokio::test]
async fn bad_names_and_foreign_workspaces_are_refused_with_nothing_written() {
    let app = spawn_app().await;
    owner(&app, "ada@example.com").await;
    let eve = owner(&app, "eve@example.com").await;
    app.login("ada@example.com", PASSWORD).await;
    let before = app.count("SELECT COUNT(*) FROM workspaces").await;

    assert_eq!(
        app.post_form("/api/create_workspace", &[("name", "   ")])
            .await
            .status(),
        422
    );
    let long = "x".repeat(101);
    assert_eq!(
        app.post_form("/api/create_workspace", &[("name", &long)])
            .await
            .status(),
        422
    );
    assert_eq!(
        app.post_form("/api/create_workspace", &[]).await.status(),
        422
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM workspaces").await, before);

    let eve_default = app::ssr::services::workspaces::list_workspaces(&app.db, eve.org.org_id)
        .await
        .unwrap()[0]
        .id
        .to_string();
    assert_eq!(
        app.post_form(
            "/api/rename_workspace",
            &[("id", &eve_default), ("name", "Taken over")]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM workspaces WHERE name = 'Taken over'")
            .await,
        0
    );
}
