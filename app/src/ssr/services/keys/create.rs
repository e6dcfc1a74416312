//! Issuing keys: validation, the plan gate and limit, and the audit event, in one
//! transaction.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    IssuedKey, KeyError, KeyIssuer, NewKey, action, count_active_keys, expiry_instant, invalid,
    normalize_scopes, summary, validate_description, validate_name,
};
use crate::{
    model::Mode,
    ssr::{
        entities::{api_key, organization, workspace},
        keys::format,
        services::{
            accounts,
            audit::{Actor, AuditLog, AuditScope, NewAuditEvent},
        },
    },
};

/// A new secret and the parts of it that may be stored for display.
pub(super) struct Minted {
    pub secret: String,
    pub display_prefix: String,
    pub last_four: String,
}

pub(super) fn mint(issuer: &KeyIssuer<'_>, mode: Mode) -> Result<Minted, KeyError> {
    let secret = format::generate(issuer.brand, mode).map_err(|_| KeyError::Randomness)?;
    let (Some(display_prefix), Some(last_four)) = (
        format::display_prefix(issuer.brand, mode, &secret),
        format::last_four(&secret).map(str::to_owned),
    ) else {
        return Err(KeyError::Randomness);
    };
    Ok(Minted {
        secret,
        display_prefix,
        last_four,
    })
}

/// Issues a key for `org_id` that acts for the member `acting_for`.
///
/// The plan limit holds under concurrency: the transaction first writes the
/// organization's row, which serializes key creation per organization on PostgreSQL
/// (row lock) and takes the write lock on SQLite, before counting.
// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
pub async fn create_key(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    issuer: &KeyIssuer<'_>,
    org_id: Uuid,
    acting_for: Uuid,
    new: NewKey,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<IssuedKey, KeyError> {
    let now = Utc::now();
    let name = validate_name(&new.name)?;
    let description = validate_description(new.description)?;
    let scopes = normalize_scopes(new.scopes)?;
    let expires_at = expiry_instant(new.expiry, now)?;

    let txn = db.begin().await?;
    let locked = organization::Entity::update_many()
        .col_expr(
            organization::Column::Plan,
            Expr::col(organization::Column::Plan),
        )
        .filter(organization::Column::Id.eq(org_id))
        .exec(&txn)
        .await?;
    if locked.rows_affected == 0 {
        return Err(KeyError::NotFound);
    }
    if !accounts::is_member(&txn, org_id, acting_for).await? {
        return Err(invalid(
            "the member the key acts for does not belong to this organization",
        ));
    }
    let org = organization::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?;
    let limits = org.plan.limits();
    if !limits.api_access {
        return Err(KeyError::PlanWithoutApiAccess(org.plan));
    }
    if let Some(limit) = limits.max_active_keys
        && count_active_keys(&txn, org_id, now).await? >= u64::from(limit)
    {
        return Err(KeyError::PlanLimitReached {
            plan: org.plan,
            limit,
        });
    }

    let mut workspaces = workspace::Entity::find().filter(workspace::Column::OrgId.eq(org_id));
    workspaces = match &new.workspace_slug {
        Some(slug) => workspaces.filter(workspace::Column::Slug.eq(slug.as_str())),
        None => workspaces.filter(workspace::Column::IsDefault.eq(true)),
    };
    let workspace = workspaces
        .one(&txn)
        .await?
        .ok_or_else(|| invalid("workspace: no such workspace in this organization"))?;

    let Minted {
        secret,
        display_prefix,
        last_four,
    } = mint(issuer, new.mode)?;
    let model = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        workspace_id: Set(workspace.id),
        name: Set(name),
        description: Set(description),
        mode: Set(new.mode),
        scopes: Set(json!(scopes)),
        display_prefix: Set(display_prefix),
        last_four: Set(last_four),
        key_hash: Set(issuer.hasher.hash(&secret).to_vec()),
        pepper_version: Set(issuer.hasher.version()),
        created_by: Set(acting_for),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoke_reason: Set(None),
        last_used_at: Set(None),
        last_used_ip: Set(None),
        rolled_from: Set(None),
        allowed_ips: Set(None),
    }
    .insert(&txn)
    .await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: Some(AuditScope::new(model.workspace_id, model.mode)),
                actor,
                action: action::CREATED,
                target: Some(("api_key", model.id.to_string())),
                data: json!({
                    "name": model.name,
                    "mode": model.mode.as_str(),
                    "scopes": scopes,
                    "workspace": workspace.slug,
                    "expiresAt": model.expires_at,
                }),
                ip,
            },
        )
        .await?;
    issuer.invalidator.commit(txn, Some(org_id)).await?;
    Ok(IssuedKey {
        key: summary(&model, now),
        secret,
    })
}
