//! `GET /v1/whoami` and `GET /v1/workspaces`: what the key is, and where it may act.

use app::ssr::{entities::workspace, services::pagination::fetch_page, state::AppState};
use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    #[schema(value_type = String, example = "professional")]
    pub plan: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
}

impl From<workspace::Model> for WorkspaceView {
    fn from(workspace: workspace::Model) -> Self {
        WorkspaceView {
            id: workspace.id,
            name: workspace.name,
            slug: workspace.slug,
            is_default: workspace.is_default,
            created_at: workspace.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    pub key_id: Uuid,
    pub name: String,
    pub organization: OrganizationView,
    pub workspace: WorkspaceView,
    #[schema(value_type = String, example = "test")]
    pub mode: String,
    #[schema(value_type = Vec<String>, example = json!(["clients:read"]))]
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The key making the request.
#[utoipa::path(get, path = "/v1/whoami", operation_id = "whoami", tag = "keys",
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn whoami(caller: Caller) -> Json<WhoAmI> {
    let key = &caller.key;
    let workspace = &key.workspace;
    Json(WhoAmI {
        key_id: key.id,
        name: key.name.clone(),
        organization: OrganizationView {
            id: key.organization.id,
            name: key.organization.name.clone(),
            slug: key.organization.slug.clone(),
            plan: key.organization.plan.as_str().to_owned(),
        },
        workspace: WorkspaceView {
            id: workspace.id,
            name: workspace.name.clone(),
            slug: workspace.slug.clone(),
            is_default: workspace.is_default,
            created_at: workspace.created_at,
        },
        mode: key.mode.as_str().to_owned(),
        scopes: key.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        expires_at: key.expires_at,
    })
}

/// The workspaces the key may act in: its own (a key belongs to one workspace).
#[utoipa::path(get, path = "/v1/workspaces", operation_id = "listWorkspaces", tag = "keys", params(ListParams),
    responses((status = 200, body = PageOf<WorkspaceView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn workspaces(
    State(state): State<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<Json<PageOf<WorkspaceView>>, ApiError> {
    let page = fetch_page(
        &state.db,
        workspace::Entity::find()
            .filter(workspace::Column::OrgId.eq(caller.tenancy.org_id))
            .filter(workspace::Column::Id.eq(caller.tenancy.workspace_id)),
        workspace::Column::Id,
        |w: &workspace::Model| w.id,
        page,
    )
    .await
    .map_err(|err| ApiError::database(&err))?;
    Ok(Json(PageOf::from(page.map(WorkspaceView::from))))
}
