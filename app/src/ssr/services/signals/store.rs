//! Writing what the rules found, so that each signal opens once: one row per key, kind
//! and subject (a unique index), an insert that does nothing on conflict, and
//! conditional updates for reopening and dismissal. Whichever replica's write lands
//! records the `api_key.signal` audit event, in the same transaction; the others' find
//! nothing to do.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Detection, Finding,
    lookup::{chunks, distinct, keys_among},
};
use crate::{
    model::{AlertKind, RotationReason, SignalEvidence, SignalKind, SignalStatus},
    ssr::{
        entities::{api_key, api_key_signal},
        services::{
            FastMap, FastSet, alerts,
            audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
        },
    },
};

pub mod action {
    pub const SIGNAL: &str = "api_key.signal";
    pub const SIGNAL_DISMISSED: &str = "api_key.signal_dismissed";
}

#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    /// 404: no such signal in this organization.
    #[error("no such signal")]
    NotFound,
    /// 409: only an open signal can be dismissed.
    #[error("this signal is no longer open")]
    NotOpen,
    /// 422: the input was rejected; the message names the field.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

type SignalKey = (Uuid, SignalKind, String);

fn evidence_json(evidence: &SignalEvidence) -> Result<Value, DbErr> {
    serde_json::to_value(evidence).map_err(|err| DbErr::Json(err.to_string()))
}

fn signal_key(row: &api_key_signal::Model) -> SignalKey {
    (row.key_id, row.kind, row.subject.clone())
}

pub(super) async fn apply(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    found: &[Finding],
    now: DateTime<Utc>,
) -> Result<Detection, DbErr> {
    let ids = distinct(found.iter().map(|f| f.key_id).collect());
    let keys = keys_among(db, &ids, Condition::all()).await?;
    let mut existing: FastMap<SignalKey, api_key_signal::Model> = FastMap::default();
    for ids in chunks(&ids) {
        for row in api_key_signal::Entity::find()
            .filter(api_key_signal::Column::KeyId.is_in(ids))
            .all(db)
            .await?
        {
            existing.insert(signal_key(&row), row);
        }
    }
    let mut detection = Detection::default();
    for finding in found {
        let Some(key) = keys.get(&finding.key_id) else {
            continue;
        };
        let evidence = evidence_json(&finding.evidence)?;
        let kind = finding.evidence.kind();
        match existing.get(&(finding.key_id, kind, finding.subject.clone())) {
            None => {
                if open(db, audit_log, key, finding, evidence, now).await? {
                    detection.opened += 1;
                }
            }
            Some(row) => match row.status {
                SignalStatus::Open => {
                    if row.evidence != evidence || row.evidence_at != finding.evidence_at {
                        api_key_signal::Entity::update_many()
                            .col_expr(api_key_signal::Column::Evidence, Expr::value(evidence))
                            .col_expr(
                                api_key_signal::Column::EvidenceAt,
                                Expr::value(finding.evidence_at),
                            )
                            .filter(api_key_signal::Column::Id.eq(row.id))
                            .filter(api_key_signal::Column::Status.eq(SignalStatus::Open))
                            .exec(db)
                            .await?;
                        detection.updated += 1;
                    }
                }
                SignalStatus::Dismissed => {
                    let newer = row
                        .dismissed_at
                        .is_some_and(|dismissed| finding.evidence_at > dismissed);
                    if newer && reopen(db, audit_log, key, row, finding, evidence, now).await? {
                        detection.reopened += 1;
                    }
                }
                SignalStatus::Resolved => {
                    if reopen(db, audit_log, key, row, finding, evidence, now).await? {
                        detection.reopened += 1;
                    }
                }
            },
        }
    }
    Ok(detection)
}

fn signal_event(
    key: &api_key::Model,
    signal_id: Uuid,
    finding: &Finding,
    evidence: Value,
    reopened: bool,
) -> NewAuditEvent {
    NewAuditEvent {
        org_id: Some(key.org_id),
        scope: Some(AuditScope::new(key.workspace_id, key.mode)),
        actor: Actor::System { label: "signals" },
        action: action::SIGNAL,
        target: Some(("api_key", key.id.to_string())),
        data: json!({
            "signalId": signal_id,
            "kind": finding.evidence.kind().as_str(),
            "name": key.name,
            "evidence": evidence,
            "reopened": reopened,
        }),
        ip: None,
    }
}

/// Queues the alerts an opened signal raises: `signal.opened`, and `key.expiring` for a
/// key about to expire.
async fn alert(
    txn: &impl ConnectionTrait,
    key: &api_key::Model,
    signal_id: Uuid,
    finding: &Finding,
    evidence: Value,
    reopened: bool,
) -> Result<(), DbErr> {
    let kind = finding.evidence.kind();
    alerts::enqueue(
        txn,
        key.org_id,
        AlertKind::SignalOpened,
        json!({
            "signalId": signal_id,
            "keyId": key.id,
            "keyName": key.name,
            "kind": kind.as_str(),
            "summary": finding.evidence.summary(),
            "evidence": evidence,
            "reopened": reopened,
        }),
    )
    .await?;
    if let SignalEvidence::RotationDue(RotationReason::Expiring { expires_at }) = &finding.evidence
    {
        alerts::enqueue(
            txn,
            key.org_id,
            AlertKind::KeyExpiring,
            json!({ "keyId": key.id, "name": key.name, "expiresAt": expires_at }),
        )
        .await?;
    }
    Ok(())
}

/// Opens a new signal; `false` when another detector opened it first.
async fn open(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    key: &api_key::Model,
    finding: &Finding,
    evidence: Value,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    let inserted = api_key_signal::Entity::insert(api_key_signal::ActiveModel {
        id: Set(id),
        org_id: Set(key.org_id),
        key_id: Set(key.id),
        kind: Set(finding.evidence.kind()),
        subject: Set(finding.subject.clone()),
        status: Set(SignalStatus::Open),
        evidence: Set(evidence.clone()),
        evidence_at: Set(finding.evidence_at),
        detected_at: Set(now),
        opened_at: Set(now),
        dismissed_at: Set(None),
        dismissed_by: Set(None),
    })
    .on_conflict(
        OnConflict::columns([
            api_key_signal::Column::KeyId,
            api_key_signal::Column::Kind,
            api_key_signal::Column::Subject,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 1 {
        audit_log
            .record(
                &txn,
                signal_event(key, id, finding, evidence.clone(), false),
            )
            .await?;
        alert(&txn, key, id, finding, evidence, false).await?;
    }
    txn.commit().await?;
    Ok(inserted == 1)
}

/// Reopens a dismissed or resolved signal, if it is still as it was read.
async fn reopen(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    key: &api_key::Model,
    row: &api_key_signal::Model,
    finding: &Finding,
    evidence: Value,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let reopened = api_key_signal::Entity::update_many()
        .col_expr(
            api_key_signal::Column::Status,
            Expr::value(SignalStatus::Open),
        )
        .col_expr(
            api_key_signal::Column::Evidence,
            Expr::value(evidence.clone()),
        )
        .col_expr(
            api_key_signal::Column::EvidenceAt,
            Expr::value(finding.evidence_at),
        )
        .col_expr(api_key_signal::Column::OpenedAt, Expr::value(now))
        .col_expr(
            api_key_signal::Column::DismissedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            api_key_signal::Column::DismissedBy,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(api_key_signal::Column::Id.eq(row.id))
        .filter(api_key_signal::Column::Status.eq(row.status))
        .exec(&txn)
        .await?;
    let done = reopened.rows_affected == 1;
    if done {
        audit_log
            .record(
                &txn,
                signal_event(key, row.id, finding, evidence.clone(), true),
            )
            .await?;
        alert(&txn, key, row.id, finding, evidence, true).await?;
    }
    txn.commit().await?;
    Ok(done)
}

/// Resolves the open state signals (rotation due, unused scopes) that the rules no
/// longer find: the key was rolled, revoked or narrowed.
pub(super) async fn resolve_gone_states(
    db: &impl ConnectionTrait,
    current: &[Finding],
) -> Result<u64, DbErr> {
    let current: FastSet<SignalKey> = current
        .iter()
        .map(|f| (f.key_id, f.evidence.kind(), f.subject.clone()))
        .collect();
    let states: Vec<SignalKind> = SignalKind::ALL
        .iter()
        .copied()
        .filter(|kind| kind.is_state())
        .collect();
    let open = api_key_signal::Entity::find()
        .filter(api_key_signal::Column::Kind.is_in(states))
        .filter(api_key_signal::Column::Status.eq(SignalStatus::Open))
        .all(db)
        .await?;
    let mut resolved = 0;
    for row in open
        .iter()
        .filter(|row| !current.contains(&signal_key(row)))
    {
        resolved += api_key_signal::Entity::update_many()
            .col_expr(
                api_key_signal::Column::Status,
                Expr::value(SignalStatus::Resolved),
            )
            .filter(api_key_signal::Column::Id.eq(row.id))
            .filter(api_key_signal::Column::Status.eq(SignalStatus::Open))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(resolved)
}

/// Dismisses an open signal of the organization (audited); it reopens only on
/// evidence newer than now.
pub async fn dismiss(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    org_id: Uuid,
    signal_id: Uuid,
    user_id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), SignalError> {
    let txn = db.begin().await?;
    let row = api_key_signal::Entity::find_by_id(signal_id)
        .filter(api_key_signal::Column::OrgId.eq(org_id))
        .one(&txn)
        .await?
        .ok_or(SignalError::NotFound)?;
    let dismissed = api_key_signal::Entity::update_many()
        .col_expr(
            api_key_signal::Column::Status,
            Expr::value(SignalStatus::Dismissed),
        )
        .col_expr(api_key_signal::Column::DismissedAt, Expr::value(Utc::now()))
        .col_expr(api_key_signal::Column::DismissedBy, Expr::value(user_id))
        .filter(api_key_signal::Column::Id.eq(signal_id))
        .filter(api_key_signal::Column::Status.eq(SignalStatus::Open))
        .exec(&txn)
        .await?;
    if dismissed.rows_affected == 0 {
        return Err(SignalError::NotOpen);
    }
    let key = api_key::Entity::find_by_id(row.key_id)
        .one(&txn)
        .await?
        .ok_or(SignalError::NotFound)?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: Some(AuditScope::new(key.workspace_id, key.mode)),
                actor,
                action: action::SIGNAL_DISMISSED,
                target: Some(("api_key", key.id.to_string())),
                data: json!({
                    "signalId": row.id,
                    "kind": row.kind.as_str(),
                    "name": key.name,
                }),
                ip,
            },
        )
        .await?;
    txn.commit().await?;
    Ok(())
}
