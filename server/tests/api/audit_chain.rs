//! The tamper-evident audit log: each organization's events form a hash chain under a
//! key derived from the pepper. `audit verify` (the service and the CLI) finds an
//! edited, a deleted, a reordered and a forged event, and the newest events removed;
//! concurrent writers never fork a chain; events written before chaining began are
//! sealed as its genesis. Tampering needs the append-only triggers lifted first.

use app::{
    model::{ChainStatus, Mode, Plan},
    ssr::{
        entities::audit_event,
        keys::hash::KeyHasher,
        services::{
            audit::{Actor, AuditLog, ChainBreak},
            workspaces,
        },
    },
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    cli::run_cli,
    helpers::{Backend, Owner, TestApp, backend, key_with_every_scope, spawn_app},
    v1::{PASSWORD, owner},
};

async fn chained(app: &TestApp, org_id: Uuid) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::OrgId.eq(org_id))
        .order_by_asc(audit_event::Column::ChainSeq)
        .all(&app.db)
        .await
        .unwrap()
}

/// An organization with a few events: its creation, its Owner, three keys.
async fn busy_org(app: &TestApp) -> Owner {
    let ada = owner(app, "ada@example.com").await;
    for name in ["one", "two", "three"] {
        app.issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            key_with_every_scope(name, Mode::Live),
        )
        .await
        .unwrap();
    }
    ada
}

/// Lets the test change and delete audit rows, as an intruder with database access.
async fn lift_append_only(app: &TestApp) {
    let statements: &[&str] = match backend() {
        Backend::Postgres => &["ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"],
        Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_events_no_update",
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
        ],
    };
    for statement in statements {
        app.db.execute_unprepared(statement).await.unwrap();
    }
}

/// Sets one column of one event, past the lifted triggers.
async fn overwrite(app: &TestApp, id: Uuid, column: audit_event::Column, value: sea_orm::Value) {
    lift_append_only(app).await;
    audit_event::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .filter(audit_event::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn remove(app: &TestApp, id: Uuid) {
    lift_append_only(app).await;
    audit_event::Entity::delete_by_id(id)
        .exec(&app.db)
        .await
        .unwrap();
}

async fn broken(app: &TestApp, org_id: Uuid) -> Option<ChainBreak> {
    app.audit
        .verify(&app.db, Some(org_id))
        .await
        .unwrap()
        .broken
}

#[tokio::test]
async fn an_organizations_events_form_one_chain_that_verifies() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let events = chained(&app, ada.org.org_id).await;
    let positions: Vec<Option<i64>> = events.iter().map(|event| event.chain_seq).collect();
    let expected: Vec<Option<i64>> = (1..=i64::try_from(events.len()).unwrap())
        .map(Some)
        .collect();
    assert_eq!(positions, expected, "positions 1, 2, 3, … without gaps");
    assert!(
        events
            .iter()
            .all(|event| event.chain_mac.as_ref().is_some_and(|mac| mac.len() == 64))
    );

    let report = app
        .audit
        .verify(&app.db, Some(ada.org.org_id))
        .await
        .unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.genesis_events, 0);
    assert_eq!(report.linked_events, i64::try_from(events.len()).unwrap());
    assert_eq!(
        report.verified_up_to,
        events.last().map(|event| event.created_at)
    );

    app.login("ada@example.com", PASSWORD).await;
    let status: ChainStatus = app
        .post_form("/api/audit_chain_status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(status.holds, "{status:?}");
    // Signing in was one more event.
    assert_eq!(status.events, report.linked_events + 1);
}

#[tokio::test]
async fn an_edited_event_breaks_the_chain_at_that_event() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let victim = chained(&app, ada.org.org_id).await.remove(2);
    overwrite(
        &app,
        victim.id,
        audit_event::Column::ActorLabel,
        "someone else".into(),
    )
    .await;
    assert_eq!(
        broken(&app, ada.org.org_id).await,
        Some(ChainBreak::Changed {
            seq: 3,
            id: victim.id
        })
    );
}

#[tokio::test]
async fn a_deleted_event_is_reported_missing() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let victim = chained(&app, ada.org.org_id).await.remove(1);
    remove(&app, victim.id).await;
    assert!(matches!(
        broken(&app, ada.org.org_id).await,
        Some(ChainBreak::Missing { expected: 2, .. })
    ));
}

#[tokio::test]
async fn swapped_positions_and_removed_newest_events_are_found() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let events = chained(&app, ada.org.org_id).await;
    let (second, third) = (events[1].id, events[2].id);
    overwrite(&app, second, audit_event::Column::ChainSeq, (-1i64).into()).await;
    overwrite(&app, third, audit_event::Column::ChainSeq, 2i64.into()).await;
    overwrite(&app, second, audit_event::Column::ChainSeq, 3i64.into()).await;
    assert_eq!(
        broken(&app, ada.org.org_id).await,
        Some(ChainBreak::Changed { seq: 2, id: third }),
        "reordered"
    );

    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let newest = chained(&app, ada.org.org_id).await.pop().unwrap();
    remove(&app, newest.id).await;
    assert!(matches!(
        broken(&app, ada.org.org_id).await,
        Some(ChainBreak::Truncated { .. })
    ));
}

#[tokio::test]
async fn an_event_planted_without_a_link_breaks_the_genesis() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let copied = chained(&app, ada.org.org_id).await.remove(0);
    audit_event::Entity::insert(
        audit_event::Model {
            id: Uuid::now_v7(),
            action: "api_key.created".to_owned(),
            chain_seq: None,
            chain_mac: None,
            ..copied
        }
        .into_active_model()
        .reset_all(),
    )
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    assert!(matches!(
        broken(&app, ada.org.org_id).await,
        Some(ChainBreak::Genesis {
            sealed: 0,
            found: 1
        })
    ));
}

#[tokio::test]
async fn only_the_pepper_derived_key_verifies_the_chain() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let other = AuditLog::new(
        &KeyHasher::new(
            &secrecy::SecretString::from("another-pepper-0123456789abcdef0123"),
            1,
        )
        .unwrap(),
    );
    assert!(
        other
            .verify(&app.db, Some(ada.org.org_id))
            .await
            .unwrap()
            .broken
            .is_some()
    );
    assert_eq!(broken(&app, ada.org.org_id).await, None);
}

#[tokio::test]
async fn concurrent_writers_never_fork_a_chain() {
    let app = spawn_app().await;
    let ada = owner(&app, "ada@example.com").await;
    let mut writes = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (db, audit) = (app.db.clone(), app.audit.clone());
        let org_id = ada.org.org_id;
        writes.spawn(async move {
            workspaces::create_workspace(
                &db,
                &audit,
                org_id,
                &format!("Workspace {n}"),
                Actor::System { label: "test" },
                None,
            )
            .await
        });
    }
    while let Some(write) = writes.join_next().await {
        write.unwrap().unwrap();
    }
    let report = app
        .audit
        .verify(&app.db, Some(ada.org.org_id))
        .await
        .unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(
        report.linked_events,
        i64::try_from(chained(&app, ada.org.org_id).await.len()).unwrap()
    );
}

#[tokio::test]
async fn events_written_before_chaining_began_are_sealed_as_its_genesis() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    // Back to the schema before chaining: the events lose their links and the heads go.
    let migrations = Migrator::migrations();
    let chaining = migrations
        .iter()
        .position(|migration| migration.name() == "m20261130_000014_chain_audit_events")
        .unwrap();
    let steps = u32::try_from(migrations.len() - chaining).unwrap();
    Migrator::down(&app.db, Some(steps)).await.unwrap();
    Migrator::up(&app.db, None).await.unwrap();
    let before = chained(&app, ada.org.org_id).await.len();
    assert!(app.audit.seal_every_genesis(&app.db).await.unwrap() >= 1);
    workspaces::create_workspace(
        &app.db,
        &app.audit,
        ada.org.org_id,
        "After",
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    let report = app
        .audit
        .verify(&app.db, Some(ada.org.org_id))
        .await
        .unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(
        (report.genesis_events, report.linked_events),
        (i64::try_from(before).unwrap(), 1)
    );

    let sealed = chained(&app, ada.org.org_id).await;
    let pre_chain = sealed
        .iter()
        .find(|event| event.chain_seq.is_none())
        .unwrap();
    overwrite(
        &app,
        pre_chain.id,
        audit_event::Column::Ip,
        "10.9.9.9".into(),
    )
    .await;
    assert!(matches!(
        broken(&app, ada.org.org_id).await,
        Some(ChainBreak::Genesis { .. })
    ));
}

#[tokio::test]
async fn the_cli_verifies_a_chain_and_exits_1_on_a_broken_one() {
    let app = spawn_app().await;
    let ada = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let slug = ada.org.slug.clone();
    let holds = run_cli(app.database(), &["audit", "verify", "--org", &slug], "");
    assert!(holds.status.success(), "{holds:?}");
    assert!(String::from_utf8_lossy(&holds.stdout).contains("holds"));

    let victim = chained(&app, ada.org.org_id).await.remove(0);
    overwrite(
        &app,
        victim.id,
        audit_event::Column::Action,
        "nothing.happened".into(),
    )
    .await;
    let found = run_cli(app.database(), &["audit", "verify", "--org", &slug], "");
    assert_eq!(found.status.code(), Some(1));
    let out = String::from_utf8_lossy(&found.stdout);
    assert!(
        out.contains("broken") && out.contains(&victim.id.to_string()),
        "{out}"
    );

    let system = run_cli(app.database(), &["audit", "verify", "--system"], "");
    assert!(system.status.success(), "{system:?}");
}

async fn broken_recently(log: &AuditLog, app: &TestApp, org_id: Uuid) -> Option<ChainBreak> {
    log.verify_recent(&app.db, Some(org_id))
        .await
        .unwrap()
        .broken
}

#[tokio::test]
async fn the_page_walks_on_from_the_last_verified_link_and_finds_a_change_after_it() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    let first = app
        .audit
        .verify_recent(&app.db, Some(ada.org.org_id))
        .await
        .unwrap();
    assert_eq!(first.broken, None);

    app.issue_key(
        ada.org.org_id,
        ada.org.owner_id,
        key_with_every_scope("four", Mode::Live),
    )
    .await
    .unwrap();
    let events = chained(&app, ada.org.org_id).await;
    let resumed = app
        .audit
        .verify_recent(&app.db, Some(ada.org.org_id))
        .await
        .unwrap();
    assert_eq!(resumed.broken, None);
    assert_eq!(
        resumed.linked_events,
        i64::try_from(events.len()).unwrap(),
        "the events before the checkpoint are counted, the new one walked"
    );
    assert_eq!(
        resumed.verified_up_to,
        events.last().map(|event| event.created_at)
    );

    app.issue_key(
        ada.org.org_id,
        ada.org.owner_id,
        key_with_every_scope("five", Mode::Live),
    )
    .await
    .unwrap();
    let newest = chained(&app, ada.org.org_id).await.pop().unwrap();
    overwrite(
        &app,
        newest.id,
        audit_event::Column::Action,
        "api_key.read".into(),
    )
    .await;
    assert_eq!(
        broken_recently(&app.audit, &app, ada.org.org_id).await,
        Some(ChainBreak::Changed {
            seq: newest.chain_seq.unwrap(),
            id: newest.id
        })
    );
}

#[tokio::test]
async fn a_change_before_the_checkpoint_waits_for_the_next_whole_walk_and_the_cli_finds_it_at_once()
{
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    assert_eq!(
        broken_recently(&app.audit, &app, ada.org.org_id).await,
        None
    );
    let victim = chained(&app, ada.org.org_id).await.remove(1);
    overwrite(
        &app,
        victim.id,
        audit_event::Column::ActorLabel,
        "someone else".into(),
    )
    .await;

    assert_eq!(
        broken_recently(&app.audit, &app, ada.org.org_id).await,
        None,
        "within the hour the page trusts the links it verified"
    );
    let changed = Some(ChainBreak::Changed {
        seq: 2,
        id: victim.id,
    });
    assert_eq!(broken(&app, ada.org.org_id).await, changed, "a whole walk");
    let hourly = app
        .audit
        .clone()
        .with_full_walk_every(std::time::Duration::ZERO);
    assert_eq!(
        broken_recently(&hourly, &app, ada.org.org_id).await,
        changed,
        "once the hour is over the page walks the chain whole"
    );
}

#[tokio::test]
async fn a_changed_checkpoint_link_makes_the_page_walk_the_whole_chain() {
    let app = spawn_app().await;
    let ada = busy_org(&app).await;
    assert_eq!(
        broken_recently(&app.audit, &app, ada.org.org_id).await,
        None
    );
    let anchor = chained(&app, ada.org.org_id).await.pop().unwrap();
    overwrite(
        &app,
        anchor.id,
        audit_event::Column::ChainMac,
        "0".repeat(64).into(),
    )
    .await;
    assert_eq!(
        broken_recently(&app.audit, &app, ada.org.org_id).await,
        Some(ChainBreak::Changed {
            seq: anchor.chain_seq.unwrap(),
            id: anchor.id
        })
    );
}
