//! State signals: rotation due (age, expiry within a week) and unused scopes, which
//! resolve by themselves when the key is rolled, revoked or narrowed.

use app::{
    model::{Mode, RotationReason, Scope, SignalEvidence, SignalKind, SignalStatus},
    ssr::{
        entities::{api_key, api_key_scope_use},
        services::{
            audit::Actor,
            keys::{self, KeyChanges},
        },
    },
};
use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{ADA, detect, issue, of_kind, quiet_app};
use crate::{helpers::TestApp, v1::owner};

async fn make_old(app: &TestApp, key_id: Uuid, days: i64) {
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - TimeDelta::days(days)),
        )
        .filter(api_key::Column::Id.eq(key_id))
        .exec(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn rotation_and_unused_scopes_are_states_that_resolve_when_the_key_changes() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let old = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    let old_test = issue(&app, &ada, Mode::Test, &[Scope::All]).await;
    make_old(&app, old.key_id, 100).await;
    make_old(&app, old_test.key_id, 100).await;
    api_key_scope_use::ActiveModel {
        key_id: Set(old.key_id),
        scope: Set("clients:read".into()),
        org_id: Set(old.org_id),
        allowed: Set(5),
        denied: Set(0),
        last_allowed_at: Set(Some(Utc::now())),
        last_denied_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    detect(&app).await;

    let rotation = of_kind(&app, old.key_id, SignalKind::RotationDue).await;
    assert_eq!(rotation.len(), 1);
    assert_eq!(
        serde_json::from_value::<SignalEvidence>(rotation[0].evidence.clone()).unwrap(),
        SignalEvidence::RotationDue(RotationReason::Age {
            age_days: 100,
            limit_days: 90
        })
    );
    assert!(
        of_kind(&app, old_test.key_id, SignalKind::RotationDue)
            .await
            .is_empty(),
        "test keys rotate after 180 days"
    );
    let unused = of_kind(&app, old.key_id, SignalKind::UnusedScopes).await;
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].subject, "clients:read");
    assert!(
        of_kind(&app, old_test.key_id, SignalKind::UnusedScopes)
            .await
            .is_empty(),
        "no request at all: nothing to narrow to"
    );

    // Narrowing (the offer's one click: an ordinary edit) resolves the advice.
    keys::update_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        old.org_id,
        old.key_id,
        KeyChanges {
            scopes: Some(vec![Scope::ClientsRead]),
            ..KeyChanges::default()
        },
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    let pass = detect(&app).await;
    assert_eq!(pass.resolved, 1, "{pass:?}");
    let unused = of_kind(&app, old.key_id, SignalKind::UnusedScopes).await;
    assert_eq!(unused[0].status, SignalStatus::Resolved);
    assert_eq!(
        of_kind(&app, old.key_id, SignalKind::RotationDue).await[0].status,
        SignalStatus::Open
    );

    app.revoke_key(old.key_id).await;
    detect(&app).await;
    assert_eq!(
        of_kind(&app, old.key_id, SignalKind::RotationDue).await[0].status,
        SignalStatus::Resolved,
        "a revoked key has nothing left to rotate"
    );
}

#[tokio::test]
async fn a_key_expiring_within_a_week_is_due_for_rotation() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let soon = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    let later = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    for (issued, days) in [(&soon, 3), (&later, 30)] {
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(Some(Utc::now() + TimeDelta::days(days))),
            )
            .filter(api_key::Column::Id.eq(issued.key_id))
            .exec(&app.db)
            .await
            .unwrap();
    }
    detect(&app).await;
    let due = of_kind(&app, soon.key_id, SignalKind::RotationDue).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].subject, "expiry");
    assert!(
        of_kind(&app, later.key_id, SignalKind::RotationDue)
            .await
            .is_empty()
    );
}
