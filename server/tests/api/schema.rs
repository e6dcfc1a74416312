//! Database-level guarantees: they hold whatever code writes to the tables.

use app::{
    model::{Plan, Role},
    ssr::entities::membership,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::spawn_app;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn audit_events_cannot_be_updated_or_deleted() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert!(before > 0);

    let update = app
        .db
        .execute_unprepared("UPDATE audit_events SET action = 'tampered'")
        .await;
    assert!(update.is_err(), "update must be rejected");
    let delete = app.db.execute_unprepared("DELETE FROM audit_events").await;
    assert!(delete.is_err(), "delete must be rejected");

    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'tampered'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_email_is_unique_and_stored_lowercase() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let upper = app
        .db
        .execute_unprepared(&format!(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('{}', 'ADA@example.org', 'x', '2026-01-01 00:00:00+00')",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert!(
        upper.is_err(),
        "uppercase e-mail must be rejected by the check"
    );
    let duplicate = app
        .db
        .execute_unprepared(&format!(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('{}', 'ada@example.com', 'x', '2026-01-01 00:00:00+00')",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert!(duplicate.is_err(), "duplicate e-mail must be rejected");
    let owners = membership::Entity::find()
        .filter(membership::Column::UserId.eq(owner.org.owner_id))
        .filter(membership::Column::Role.eq(Role::Owner))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(owners, 1);
}

#[tokio::test]
async fn every_migration_rolls_back_and_reapplies_cleanly() {
    let app = spawn_app().await;
    Migrator::down(&app.db, None).await.expect("all downs run");
    for table in [
        "organizations",
        "users",
        "sessions",
        "api_keys",
        "audit_events",
        "invitations",
    ] {
        let probe = app
            .db
            .execute_unprepared(&format!("SELECT 1 FROM {table}"))
            .await;
        assert!(probe.is_err(), "{table} should be gone after down");
    }
    Migrator::up(&app.db, None)
        .await
        .expect("all ups run again");
    assert_eq!(app.count("SELECT COUNT(*) FROM organizations").await, 0);
}
