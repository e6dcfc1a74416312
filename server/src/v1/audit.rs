//! `GET /v1/audit` (scope `audit:read`): the organization's audit log.

use app::ssr::{entities::audit_event, services::audit, state::AppState};
use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{
    access::Caller,
    error::{ApiError, ErrorBody},
    extract::{ListParams, Paging},
    page::PageOf,
};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActorView {
    /// `user`, `api_key` or `system`.
    pub kind: String,
    pub id: Option<Uuid>,
    /// The user's e-mail, the key's name, or the system component.
    pub label: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    pub kind: String,
    pub id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventView {
    pub id: Uuid,
    /// e.g. `api_key.created`, `envelope.sent`.
    pub action: String,
    pub actor: ActorView,
    pub target: Option<TargetView>,
    /// Details of the event; never a secret.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_event::Model> for AuditEventView {
    fn from(event: audit_event::Model) -> Self {
        AuditEventView {
            id: event.id,
            action: event.action,
            actor: ActorView {
                kind: event.actor_kind,
                id: event.actor_id,
                label: event.actor_label,
            },
            target: event.target_kind.map(|kind| TargetView {
                kind,
                id: event.target_id,
            }),
            data: event.data,
            ip: event.ip,
            created_at: event.created_at,
        }
    }
}

/// The events of the key's workspace and mode, newest first. Organization-level events
/// (members, billing, sign-ins, setup, workspaces) and other workspaces' and modes'
/// events are not served here: a test key in a sandbox sees its sandbox only.
#[utoipa::path(get, path = "/v1/audit", operation_id = "listAuditEvents", tag = "audit", params(ListParams),
    responses((status = 200, body = PageOf<AuditEventView>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["audit:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<Json<PageOf<AuditEventView>>, ApiError> {
    let filter = audit::EventFilter {
        scope: Some(audit::AuditScope::new(
            caller.tenancy.workspace_id,
            caller.tenancy.mode,
        )),
        ..audit::EventFilter::default()
    };
    let page = audit::list_events(&state.db, caller.tenancy.org_id, &filter, page)
        .await
        .map_err(|err| ApiError::database(&err))?;
    Ok(Json(page.map(AuditEventView::from).into()))
}
