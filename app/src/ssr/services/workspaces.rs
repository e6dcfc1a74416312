//! Workspaces: every organization has a default one; Owners and Admins add and rename
//! more (the callers check the role). A slug never changes once chosen: the CLI and
//! integrations refer to workspaces by it.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, SqlErr, TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit::{Actor, AuditLog, NewAuditEvent},
    onboarding::slugify,
};
use crate::ssr::entities::workspace;
use crate::ssr::key_cache::feed::Invalidator;

pub const MAX_NAME_CHARS: usize = 100;
const SLUG_ATTEMPTS: u32 = 20;

pub mod action {
    pub const CREATED: &str = "workspace.created";
    pub const RENAMED: &str = "workspace.renamed";
}

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// 422.
    #[error("{0}")]
    Invalid(String),
    /// 404.
    #[error("no such workspace")]
    NotFound,
    #[error(transparent)]
    Database(#[from] DbErr),
}

fn validate_name(name: &str) -> Result<String, WorkspaceError> {
    super::text::plain_text(name, MAX_NAME_CHARS)
        .ok_or_else(|| WorkspaceError::Invalid(super::text::rule("name", MAX_NAME_CHARS)))
}

/// The organization's workspaces, the default first, then by name.
pub async fn list_workspaces(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Vec<workspace::Model>, DbErr> {
    workspace::Entity::find()
        .filter(workspace::Column::OrgId.eq(org_id))
        .order_by_desc(workspace::Column::IsDefault)
        .order_by_asc(workspace::Column::Name)
        .all(db)
        .await
}

/// Adds a workspace; its slug comes from the name (`-2`, `-3`… when taken).
pub async fn create_workspace(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    org_id: Uuid,
    name: &str,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<workspace::Model, WorkspaceError> {
    let name = validate_name(name)?;
    let base = match slugify(&name) {
        slug if slug == "org" && !name.eq_ignore_ascii_case("org") => "workspace".to_owned(),
        slug => slug,
    };
    for attempt in 1..=SLUG_ATTEMPTS {
        let slug = if attempt == 1 {
            base.clone()
        } else {
            format!("{base}-{attempt}")
        };
        let txn = db.begin().await?;
        let inserted = workspace::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org_id),
            name: Set(name.clone()),
            slug: Set(slug.clone()),
            is_default: Set(false),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await;
        let workspace = match inserted {
            Ok(workspace) => workspace,
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                txn.rollback().await?;
                continue;
            }
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(SqlErr::ForeignKeyConstraintViolation(_))
                ) =>
            {
                return Err(WorkspaceError::NotFound);
            }
            Err(err) => return Err(err.into()),
        };
        audit_log
            .record(
                &txn,
                NewAuditEvent {
                    org_id: Some(org_id),
                    scope: None,
                    actor,
                    action: action::CREATED,
                    target: Some(("workspace", workspace.id.to_string())),
                    data: json!({ "name": workspace.name, "slug": workspace.slug }),
                    ip,
                },
            )
            .await?;
        txn.commit().await?;
        return Ok(workspace);
    }
    Err(WorkspaceError::Invalid(
        "name: too many workspaces with this name; choose another".to_owned(),
    ))
}

// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
pub async fn rename_workspace(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    org_id: Uuid,
    workspace_id: Uuid,
    name: &str,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<workspace::Model, WorkspaceError> {
    let name = validate_name(name)?;
    let txn = db.begin().await?;
    let renamed = workspace::Entity::update_many()
        .col_expr(workspace::Column::Name, Expr::value(name.clone()))
        .filter(workspace::Column::Id.eq(workspace_id))
        .filter(workspace::Column::OrgId.eq(org_id))
        .exec(&txn)
        .await?;
    if renamed.rows_affected == 0 {
        return Err(WorkspaceError::NotFound);
    }
    let workspace = workspace::Entity::find_by_id(workspace_id)
        .one(&txn)
        .await?
        .ok_or(WorkspaceError::NotFound)?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::RENAMED,
                target: Some(("workspace", workspace.id.to_string())),
                data: json!({ "name": workspace.name, "slug": workspace.slug }),
                ip,
            },
        )
        .await?;
    invalidator.commit(txn, Some(org_id)).await?;
    Ok(workspace)
}
