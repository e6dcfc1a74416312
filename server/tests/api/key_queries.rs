//! Listing keys (filters, search, pages), roll and the plan limit, and workspaces.

use app::{
    model::{KeyStatus, Mode, Plan, Role, Scope},
    ssr::entities::{membership, organization},
    ssr::services::{
        audit::Actor,
        keys::{self, Expiry, Grace, KeyError, KeyFilter, KeyIssuer, NewKey},
        pagination::PageRequest,
        workspaces::{self, WorkspaceError},
    },
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::{Owner, TestApp, key_hasher, spawn_app};

const PASSWORD: &str = "correct horse battery staple";
const SYSTEM: Actor = Actor::System { label: "test" };

fn new_key(name: &str, mode: Mode, workspace: Option<&str>) -> NewKey {
    NewKey {
        name: name.to_owned(),
        description: None,
        mode,
        scopes: vec![Scope::All],
        workspace_slug: workspace.map(str::to_owned),
        expiry: Expiry::InDays(30),
    }
}

async fn names(app: &TestApp, owner: &Owner, filter: KeyFilter) -> Vec<String> {
    keys::list_keys(&app.db, owner.org.org_id, &filter, PageRequest::default())
        .await
        .unwrap()
        .data
        .into_iter()
        .map(|key| key.name)
        .collect()
}

#[tokio::test]
async fn the_key_list_filters_by_status_mode_workspace_and_searches_name_or_prefix() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Enterprise)
        .await;
    let staging =
        workspaces::create_workspace(&app.db, &app.audit, ada.org.org_id, "Staging", SYSTEM, None)
            .await
            .unwrap();
    let org = ada.org.org_id;
    let who = ada.org.owner_id;
    let ci = app
        .issue_key(org, who, new_key("CI deploy", Mode::Test, None))
        .await
        .unwrap();
    app.issue_key(org, who, new_key("Billing sync", Mode::Live, None))
        .await
        .unwrap();
    app.issue_key(
        org,
        who,
        new_key("Staging 100%_done", Mode::Test, Some("staging")),
    )
    .await
    .unwrap();
    let gone = app
        .issue_key(org, who, new_key("Old import", Mode::Live, None))
        .await
        .unwrap();
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        gone.key.id,
        Some(org),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();

    assert_eq!(
        names(&app, &ada, KeyFilter::default()).await,
        [
            "Old import",
            "Staging 100%_done",
            "Billing sync",
            "CI deploy"
        ],
        "every key, newest first, revoked included"
    );
    let only = |status| KeyFilter {
        status: Some(status),
        ..Default::default()
    };
    assert_eq!(
        names(&app, &ada, only(KeyStatus::Revoked)).await,
        ["Old import"]
    );
    assert_eq!(names(&app, &ada, only(KeyStatus::Active)).await.len(), 3);
    assert!(names(&app, &ada, only(KeyStatus::Expired)).await.is_empty());
    let live = KeyFilter {
        mode: Some(Mode::Live),
        ..Default::default()
    };
    assert_eq!(
        names(&app, &ada, live).await,
        ["Old import", "Billing sync"]
    );
    let in_staging = KeyFilter {
        workspace_id: Some(staging.id),
        ..Default::default()
    };
    assert_eq!(names(&app, &ada, in_staging).await, ["Staging 100%_done"]);

    let search = |text: &str| KeyFilter {
        search: Some(text.to_owned()),
        ..Default::default()
    };
    assert_eq!(
        names(&app, &ada, search("ci DEP")).await,
        ["CI deploy"],
        "case-insensitive"
    );
    assert_eq!(
        names(&app, &ada, search("100%_")).await,
        ["Staging 100%_done"]
    );
    assert!(
        names(&app, &ada, search("%")).await.len() == 1,
        "% is literal, not a wildcard"
    );
    assert_eq!(
        names(&app, &ada, search(&ci.key.display_prefix)).await,
        ["CI deploy"]
    );
    assert!(names(&app, &ada, search("no such key")).await.is_empty());
}

#[tokio::test]
async fn the_list_says_a_key_is_inactive_once_its_creator_left() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Enterprise)
        .await;
    let bob = app
        .create_owner("bob@example.com", PASSWORD, Plan::Enterprise)
        .await;
    membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(ada.org.org_id),
        user_id: Set(bob.org.owner_id),
        role: Set(Role::Admin),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let org = ada.org.org_id;
    app.issue_key(org, ada.org.owner_id, new_key("ada's", Mode::Test, None))
        .await
        .unwrap();
    let bobs = app
        .issue_key(org, bob.org.owner_id, new_key("bob's", Mode::Test, None))
        .await
        .unwrap();
    membership::Entity::delete_many()
        .filter(membership::Column::OrgId.eq(org))
        .filter(membership::Column::UserId.eq(bob.org.owner_id))
        .exec(&app.db)
        .await
        .unwrap();

    let only = |status| KeyFilter {
        status: Some(status),
        ..Default::default()
    };
    assert_eq!(
        names(&app, &ada, only(KeyStatus::Inactive)).await,
        ["bob's"]
    );
    assert_eq!(names(&app, &ada, only(KeyStatus::Active)).await, ["ada's"]);
    let fetched = keys::get_key(&app.db, org, bobs.key.id).await.unwrap();
    assert_eq!(fetched.status, KeyStatus::Inactive);
}

#[tokio::test]
async fn the_key_list_pages_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Enterprise)
        .await;
    for n in 0..7 {
        app.issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            new_key(&format!("k{n}"), Mode::Test, None),
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut page = PageRequest::new(Some(3), None).unwrap();
    loop {
        let listed = keys::list_keys(&app.db, ada.org.org_id, &KeyFilter::default(), page)
            .await
            .unwrap();
        assert!(listed.data.len() <= 3);
        seen.extend(listed.data.into_iter().map(|k| k.name));
        match listed.next_cursor {
            Some(cursor) => page = PageRequest::new(Some(3), Some(&cursor)).unwrap(),
            None => break,
        }
    }
    assert_eq!(seen, ["k6", "k5", "k4", "k3", "k2", "k1", "k0"]);
}

#[tokio::test]
async fn the_old_half_of_a_roll_counts_against_the_plan_limit_while_it_still_works() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Professional)
        .await;
    let (org, who) = (ada.org.org_id, ada.org.owner_id);
    let mut last = None;
    for n in 0..4 {
        last = Some(
            app.issue_key(org, who, new_key(&format!("k{n}"), Mode::Test, None))
                .await
                .unwrap(),
        );
    }
    let hasher = key_hasher();
    let issuer = KeyIssuer {
        hasher: &hasher,
        brand: "kw",
        invalidator: &app.invalidator,
    };
    let old = last.unwrap().key.id;
    keys::roll_key(
        &app.db,
        &app.audit,
        &issuer,
        org,
        old,
        Grace::SevenDays,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    // Four keys plus the replacement: five keys work, the Professional limit.
    let refused = app
        .issue_key(org, who, new_key("fifth", Mode::Live, None))
        .await;
    assert!(
        matches!(refused, Err(KeyError::PlanLimitReached { limit: 5, .. })),
        "{:?}",
        refused.err()
    );
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        old,
        Some(org),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    app.issue_key(org, who, new_key("fifth", Mode::Live, None))
        .await
        .expect("the old half, revoked, no longer counts");
}

#[tokio::test]
async fn workspaces_get_unique_slugs_and_can_be_renamed_within_their_org_only() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let bob = app
        .create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    let first =
        workspaces::create_workspace(&app.db, &app.audit, ada.org.org_id, "EU Prod", SYSTEM, None)
            .await
            .unwrap();
    let second =
        workspaces::create_workspace(&app.db, &app.audit, ada.org.org_id, "eu prod", SYSTEM, None)
            .await
            .unwrap();
    assert_eq!(
        (first.slug.as_str(), second.slug.as_str()),
        ("eu-prod", "eu-prod-2")
    );
    let theirs =
        workspaces::create_workspace(&app.db, &app.audit, bob.org.org_id, "EU Prod", SYSTEM, None)
            .await
            .unwrap();
    assert_eq!(theirs.slug, "eu-prod", "slugs are unique per organization");

    let renamed = workspaces::rename_workspace(
        &app.db,
        &app.audit,
        &app.invalidator,
        ada.org.org_id,
        first.id,
        "EU Production",
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.slug.as_str()),
        ("EU Production", "eu-prod")
    );
    let foreign = workspaces::rename_workspace(
        &app.db,
        &app.audit,
        &app.invalidator,
        bob.org.org_id,
        first.id,
        "Mine",
        SYSTEM,
        None,
    )
    .await;
    assert!(matches!(foreign, Err(WorkspaceError::NotFound)));
    let blank =
        workspaces::create_workspace(&app.db, &app.audit, ada.org.org_id, "  ", SYSTEM, None).await;
    assert!(matches!(blank, Err(WorkspaceError::Invalid(_))));
    let missing_org =
        workspaces::create_workspace(&app.db, &app.audit, Uuid::now_v7(), "Ghost", SYSTEM, None)
            .await;
    assert!(
        matches!(missing_org, Err(WorkspaceError::NotFound)),
        "{:?}",
        missing_org.err()
    );

    let listed = workspaces::list_workspaces(&app.db, ada.org.org_id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed[0].is_default, "the default workspace comes first");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'workspace.%'")
            .await,
        4
    );
}

#[tokio::test]
async fn after_a_downgrade_over_the_limit_keys_keep_working_and_new_ones_wait() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let (org, who) = (ada.org.org_id, ada.org.owner_id);
    let mut issued = Vec::new();
    for n in 0..6 {
        issued.push(
            app.issue_key(org, who, new_key(&format!("k{n}"), Mode::Live, None))
                .await
                .unwrap(),
        );
    }
    organization::Entity::update(organization::ActiveModel {
        id: Set(org),
        plan: Set(Plan::Professional),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();

    let whoami = app
        .v1(reqwest::Method::GET, "/whoami", Some(&issued[5].secret))
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 200, "existing keys keep working");
    let refused = app
        .issue_key(org, who, new_key("seventh", Mode::Live, None))
        .await;
    assert!(matches!(
        refused,
        Err(KeyError::PlanLimitReached { limit: 5, .. })
    ));
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        issued[0].key.id,
        Some(org),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    let still = app
        .issue_key(org, who, new_key("seventh", Mode::Live, None))
        .await;
    assert!(
        matches!(still, Err(KeyError::PlanLimitReached { .. })),
        "5 active: still at the limit"
    );
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        issued[1].key.id,
        Some(org),
        None,
        SYSTEM,
        None,
    )
    .await
    .unwrap();
    app.issue_key(org, who, new_key("seventh", Mode::Live, None))
        .await
        .unwrap();
}
