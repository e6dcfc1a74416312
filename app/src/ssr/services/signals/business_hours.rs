//! The organization's business hours (the off-hours signal's setting).

use std::net::IpAddr;

use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{SignalError, hours};
use crate::{
    model::BusinessHours,
    ssr::{
        entities::organization,
        services::audit::{Actor, AuditLog, NewAuditEvent},
    },
};

pub const CHANGED: &str = "organization.business_hours_changed";

/// The organization's business hours; `None` when unset (or unreadable).
pub async fn business_hours(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Option<BusinessHours>, SignalError> {
    let org = organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or(SignalError::NotFound)?;
    Ok(org
        .business_hours
        .and_then(|json| serde_json::from_value(json).ok()))
}

/// Sets (or, with `None`, clears) the business hours, audited.
pub async fn set_business_hours(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    org_id: Uuid,
    hours: Option<BusinessHours>,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), SignalError> {
    if let Some(hours) = &hours {
        hours.check().map_err(SignalError::Invalid)?;
        if hours::zone(&hours.time_zone).is_none() {
            return Err(SignalError::Invalid(
                "time zone: not one the server knows".to_owned(),
            ));
        }
    }
    let value = hours.as_ref().map(|hours| json!(hours));
    let txn = db.begin().await?;
    organization::Entity::update(organization::ActiveModel {
        id: Set(org_id),
        business_hours: Set(value.clone()),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: CHANGED,
                target: Some(("organization", org_id.to_string())),
                data: json!({ "businessHours": value }),
                ip,
            },
        )
        .await?;
    txn.commit().await?;
    Ok(())
}
