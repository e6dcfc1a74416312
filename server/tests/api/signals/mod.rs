//! Suspicious-activity signals: each rule fires on its evidence and stays quiet without
//! it, opens once (one audit event, even with two detectors at once), and a dismissed
//! signal reopens only on newer evidence. The detector is called directly with the
//! pass's `now` and `since`, as the background task calls it.

mod states;

use app::{
    model::{
        BusinessHoursView, KeyListing, Mode, Refusal, Scope, SignalEvidence, SignalKind,
        SignalListing, SignalRow, SignalStatus,
    },
    ssr::{
        entities::{api_key_signal, api_key_usage, audit_event},
        services::{
            keys,
            signals::{self, Detection},
        },
    },
};
use chrono::{DateTime, TimeDelta, Timelike, Utc};
use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    helpers::{TestApp, spawn_app_with},
    v1::{PASSWORD, call, owner},
};

const ADA: &str = "ada@example.com";

/// The background detector stays out of the way: the tests run the passes.
async fn quiet_app() -> TestApp {
    spawn_app_with(&[
        ("KEYWARD_USAGE_FLUSH_MS", "300000"),
        ("KEYWARD_SIGNAL_SCAN_SECS", "3600"),
    ])
    .await
}

struct Issued {
    org_id: Uuid,
    key_id: Uuid,
    secret: String,
}

async fn issue(app: &TestApp, org: &crate::helpers::Owner, mode: Mode, scopes: &[Scope]) -> Issued {
    let issued = app
        .issue_key(
            org.org.org_id,
            org.org.owner_id,
            keys::NewKey {
                name: "watched".into(),
                description: None,
                mode,
                scopes: scopes.to_vec(),
                workspace_slug: None,
                expiry: keys::Expiry::Never,
            },
        )
        .await
        .unwrap();
    Issued {
        org_id: org.org.org_id,
        key_id: issued.key.id,
        secret: issued.secret.to_string(),
    }
}

/// One pass over the last hour, as the running detector makes them.
async fn detect(app: &TestApp) -> Detection {
    let now = Utc::now();
    signals::detect(&app.db, &app.audit, now, now - TimeDelta::hours(1))
        .await
        .unwrap()
}

async fn signals_of(app: &TestApp, key_id: Uuid) -> Vec<api_key_signal::Model> {
    api_key_signal::Entity::find()
        .filter(api_key_signal::Column::KeyId.eq(key_id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn of_kind(app: &TestApp, key_id: Uuid, kind: SignalKind) -> Vec<api_key_signal::Model> {
    signals_of(app, key_id)
        .await
        .into_iter()
        .filter(|signal| signal.kind == kind)
        .collect()
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(&app.db)
        .await
        .unwrap()
}

/// Usage counted in `hour`, as the flusher writes it.
async fn usage_in(app: &TestApp, issued: &Issued, hour: DateTime<Utc>, total: i64, failed: i64) {
    api_key_usage::ActiveModel {
        key_id: Set(issued.key_id),
        hour_start: Set(signals_hour(hour)),
        org_id: Set(issued.org_id),
        mode: Set(Mode::Live),
        total: Set(total),
        succeeded: Set(total - failed),
        failed: Set(failed),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

fn signals_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    app::ssr::services::usage::hour_of(at)
}

async fn get(app: &TestApp, secret: &str, path: &str) -> u16 {
    call(app, Method::GET, path, Some(secret), None).await.0
}

#[tokio::test]
async fn a_request_from_a_new_address_after_the_first_day_opens_one_signal_and_one_audit_event() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let veteran = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    let newcomer = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    // The veteran was first used three days ago; the newcomer is in its first day.
    usage_in(&app, &veteran, Utc::now() - TimeDelta::days(3), 1, 0).await;
    for issued in [&veteran, &newcomer] {
        assert_eq!(get(&app, &issued.secret, "/clients").await, 200);
    }
    app.usage.flush(&app.db).await.unwrap();

    let first = detect(&app).await;
    let opened = of_kind(&app, veteran.key_id, SignalKind::NewAddress).await;
    assert_eq!(opened.len(), 1, "{first:?}");
    assert_eq!(opened[0].subject, "127.0.0.1");
    assert_eq!(opened[0].status, SignalStatus::Open);
    assert!(
        of_kind(&app, newcomer.key_id, SignalKind::NewAddress)
            .await
            .is_empty(),
        "a key's first day of use raises no new-address signal"
    );

    let again = detect(&app).await;
    assert_eq!((again.opened, again.reopened), (0, 0));
    assert_eq!(audit_count(&app, signals::action::SIGNAL).await, 1);
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(signals::action::SIGNAL))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        event.target_id.as_deref(),
        Some(veteran.key_id.to_string().as_str())
    );
    assert_eq!(event.data["kind"], "new_address");
    assert_eq!(event.data["evidence"]["network"], "127.0.0.1");
}

#[tokio::test]
async fn two_detectors_at_once_open_each_signal_once() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let issued = issue(&app, &ada, Mode::Live, &[Scope::ClientsRead]).await;
    for _ in 0..3 {
        assert_eq!(get(&app, &issued.secret, "/audit").await, 403);
    }
    app.usage.flush(&app.db).await.unwrap();
    let (one, other) = tokio::join!(detect(&app), detect(&app));
    assert_eq!(one.opened + other.opened, 1, "{one:?} {other:?}");
    assert_eq!(
        of_kind(&app, issued.key_id, SignalKind::DeniedScope)
            .await
            .len(),
        1
    );
    assert_eq!(audit_count(&app, signals::action::SIGNAL).await, 1);
}

#[tokio::test]
async fn a_dismissed_signal_stays_dismissed_until_newer_evidence_reopens_it() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let issued = issue(&app, &ada, Mode::Live, &[Scope::ClientsRead]).await;
    assert_eq!(get(&app, &issued.secret, "/audit").await, 403);
    app.usage.flush(&app.db).await.unwrap();
    detect(&app).await;
    let signal = of_kind(&app, issued.key_id, SignalKind::DeniedScope)
        .await
        .remove(0);
    let evidence: SignalEvidence = serde_json::from_value(signal.evidence.clone()).unwrap();
    assert!(matches!(
        evidence,
        SignalEvidence::DeniedScope {
            scope: Scope::AuditRead,
            denied: 1,
            ..
        }
    ));

    app.login(ADA, PASSWORD).await;
    let dismissed = app
        .post_form("/api/dismiss_signal", &[("id", &signal.id.to_string())])
        .await;
    assert_eq!(dismissed.status(), 200);
    let twice = app
        .post_form("/api/dismiss_signal", &[("id", &signal.id.to_string())])
        .await;
    assert_eq!(twice.status(), 409, "only an open signal can be dismissed");
    assert_eq!(
        audit_count(&app, signals::action::SIGNAL_DISMISSED).await,
        1
    );

    detect(&app).await;
    let still = of_kind(&app, issued.key_id, SignalKind::DeniedScope)
        .await
        .remove(0);
    assert_eq!(still.status, SignalStatus::Dismissed, "no new evidence");
    assert!(still.dismissed_by.is_some());

    assert_eq!(get(&app, &issued.secret, "/audit").await, 403);
    app.usage.flush(&app.db).await.unwrap();
    let reopened = detect(&app).await;
    assert_eq!(reopened.reopened, 1, "{reopened:?}");
    let open = of_kind(&app, issued.key_id, SignalKind::DeniedScope)
        .await
        .remove(0);
    assert_eq!((open.id, open.status), (signal.id, SignalStatus::Open));
    assert_eq!(open.dismissed_at, None);
    assert_eq!(
        audit_count(&app, signals::action::SIGNAL).await,
        2,
        "opened, reopened"
    );
}

#[tokio::test]
async fn a_revoked_key_presented_again_opens_a_signal_naming_its_addresses() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let revoked = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    let working = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    app.revoke_key(revoked.key_id).await;
    assert_eq!(get(&app, &revoked.secret, "/clients").await, 401);
    assert_eq!(get(&app, &revoked.secret, "/clients").await, 401);
    assert_eq!(get(&app, &working.secret, "/clients").await, 200);
    app.usage.flush(&app.db).await.unwrap();
    detect(&app).await;

    let found = of_kind(&app, revoked.key_id, SignalKind::PresentedAfterEnd).await;
    assert_eq!(found.len(), 1);
    match serde_json::from_value(found[0].evidence.clone()).unwrap() {
        SignalEvidence::PresentedAfterEnd {
            refusal,
            requests,
            networks,
            first_at,
            last_at,
        } => {
            assert_eq!((refusal, requests), (Refusal::Revoked, 2));
            assert_eq!(networks, ["127.0.0.1"]);
            assert!(first_at <= last_at);
        }
        other => panic!("{other:?}"),
    }
    assert!(signals_of(&app, working.key_id).await.is_empty());
}

#[tokio::test]
async fn a_failure_spike_needs_many_failures_far_above_the_keys_own_baseline() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let now = Utc::now();
    let week_ago = now - TimeDelta::days(3);
    let calm = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    let always_failing = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    let few = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    usage_in(&app, &calm, week_ago, 1000, 10).await;
    usage_in(&app, &calm, now, 30, 25).await;
    usage_in(&app, &always_failing, week_ago, 100, 80).await;
    usage_in(&app, &always_failing, now, 30, 25).await;
    usage_in(&app, &few, now, 10, 10).await;
    detect(&app).await;

    let spikes = of_kind(&app, calm.key_id, SignalKind::FailureSpike).await;
    assert_eq!(spikes.len(), 1);
    let evidence: SignalEvidence = serde_json::from_value(spikes[0].evidence.clone()).unwrap();
    assert_eq!(
        evidence.summary(),
        "25 of 30 requests failed (83%); 7-day baseline 1%"
    );
    assert!(
        of_kind(&app, always_failing.key_id, SignalKind::FailureSpike)
            .await
            .is_empty()
    );
    assert!(
        of_kind(&app, few.key_id, SignalKind::FailureSpike)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn off_hours_use_is_watched_only_once_business_hours_are_set() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let issued = issue(&app, &ada, Mode::Live, &[Scope::All]).await;
    assert_eq!(get(&app, &issued.secret, "/clients").await, 200);
    app.usage.flush(&app.db).await.unwrap();
    detect(&app).await;
    assert!(
        of_kind(&app, issued.key_id, SignalKind::OffHours)
            .await
            .is_empty(),
        "off by default"
    );

    app.login(ADA, PASSWORD).await;
    let refused = app
        .post_json(
            "/api/save_business_hours",
            json!({ "hours": { "time_zone": "Mars/Olympus", "days": [1], "start_hour": 9, "end_hour": 18 } }),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let read: BusinessHoursView = app
        .post_form("/api/business_hours", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read.hours, None, "nothing half-written");
    assert!(
        read.time_zones
            .iter()
            .any(|zone| zone == "America/New_York")
    );

    // Hours that leave out the present hour, every day.
    let hour = u8::try_from(Utc::now().hour()).unwrap();
    let (start, end) = if hour < 12 { (13, 24) } else { (0, 12) };
    let saved = app
        .post_json(
            "/api/save_business_hours",
            json!({ "hours": { "time_zone": "UTC", "days": [1, 2, 3, 4, 5, 6, 7], "start_hour": start, "end_hour": end } }),
        )
        .await;
    assert_eq!(saved.status(), 200);
    detect(&app).await;
    let off = of_kind(&app, issued.key_id, SignalKind::OffHours).await;
    assert_eq!(off.len(), 1);
    assert!(matches!(
        serde_json::from_value(off[0].evidence.clone()).unwrap(),
        SignalEvidence::OffHours { requests: 1, ref time_zone, .. } if time_zone == "UTC"
    ));
}

#[tokio::test]
async fn the_key_list_badges_and_the_signals_page_show_open_signals() {
    let app = quiet_app().await;
    let ada = owner(&app, ADA).await;
    let issued = issue(&app, &ada, Mode::Live, &[Scope::ClientsRead]).await;
    assert_eq!(get(&app, &issued.secret, "/audit").await, 403);
    app.usage.flush(&app.db).await.unwrap();
    detect(&app).await;

    app.login(ADA, PASSWORD).await;
    let listing: KeyListing = app
        .post_json("/api/key_listing", json!({ "query": {} }))
        .await
        .json()
        .await
        .unwrap();
    let row = listing
        .rows
        .iter()
        .find(|row| row.key.id == issued.key_id)
        .unwrap();
    assert_eq!(row.signals, [SignalKind::DeniedScope]);

    let page: SignalListing = app
        .post_json(
            "/api/org_signals",
            json!({ "status": "open", "cursor": null }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].key_name, "watched");
    assert!(page.can_dismiss);
    let on_key: Vec<SignalRow> = app
        .post_form("/api/key_signals", &[("id", &issued.key_id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(on_key.len(), 1);

    let dismissed: SignalListing = app
        .post_json(
            "/api/org_signals",
            json!({ "status": "dismissed", "cursor": null }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(dismissed.rows.is_empty());
}
