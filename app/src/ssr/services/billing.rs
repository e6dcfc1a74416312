//! Plans and billable usage. There is no payment provider: an Owner switches the plan
//! directly, and the switch is audited.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    alerts,
    audit::{Actor, AuditLog, NewAuditEvent},
    usage_report,
};
use crate::ssr::key_cache::feed::Invalidator;
use crate::{
    model::{AlertKind, Mode, Plan, UsageCounts},
    ssr::entities::organization,
};

pub mod action {
    pub const PLAN_CHANGED: &str = "organization.plan_changed";
}

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// 404.
    #[error("no such organization")]
    NoSuchOrganization,
    /// 409: another switch landed between the read and the write.
    #[error("the plan was changed at the same time; reload and try again")]
    Conflict,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Live and test requests since the start of `now`'s month (UTC).
pub async fn month_usage(
    db: &DatabaseConnection,
    org_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, UsageCounts, UsageCounts), DbErr> {
    let since = usage_report::start_of_month(now);
    let mut live = UsageCounts::default();
    let mut test = UsageCounts::default();
    for (mode, counts) in usage_report::totals_by_mode(db, org_id, since).await? {
        match mode {
            Mode::Live => live.add(counts),
            Mode::Test => test.add(counts),
        }
    }
    Ok((since, live, test))
}

/// Switches the organization to `plan`. Returns the previous plan; switching to the
/// current plan changes nothing and records nothing.
pub async fn change_plan(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    org_id: Uuid,
    plan: Plan,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<Plan, BillingError> {
    let txn = db.begin().await?;
    let current = organization::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or(BillingError::NoSuchOrganization)?;
    if current.plan == plan {
        return Ok(plan);
    }
    // Compare-and-set on the plan read above, so two concurrent switches each record
    // the transition they actually made.
    let updated = organization::Entity::update_many()
        .col_expr(organization::Column::Plan, Expr::value(plan.as_str()))
        .filter(organization::Column::Id.eq(org_id))
        .filter(organization::Column::Plan.eq(current.plan))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(BillingError::Conflict);
    }
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::PLAN_CHANGED,
                target: Some(("organization", org_id.to_string())),
                data: json!({ "from": current.plan.as_str(), "to": plan.as_str() }),
                ip,
            },
        )
        .await?;
    alerts::enqueue(
        &txn,
        org_id,
        AlertKind::PlanChanged,
        json!({ "from": current.plan.as_str(), "to": plan.as_str() }),
    )
    .await?;
    invalidator.commit(txn, Some(org_id)).await?;
    Ok(current.plan)
}
