//! `/v1/clients` (scopes `clients:read`, `clients:write`).

use app::ssr::{
    entities::client,
    services::resources::clients::{self, ClientInput},
    state::AppState,
};
use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::Caller,
    error::{ApiError, ErrorBody},
    extract::{ApiJson, ListParams, Paging, RecordId},
    page::PageOf,
    write::KeyedWrite,
};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub external_ref: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<client::Model> for ClientView {
    fn from(client: client::Model) -> Self {
        ClientView {
            id: client.id,
            name: client.name,
            email: client.email,
            external_ref: client.external_ref,
            created_at: client.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewClient {
    /// 1 to 200 characters.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(required = true, nullable = false, min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// Your own identifier for this client, up to 200 characters (empty: none).
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientChanges {
    /// Absent or `null`: unchanged.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Absent or `null`: unchanged.
    #[schema(min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<String>)]
    pub external_ref: Option<Option<String>>,
}

/// The clients of the key's workspace and mode, newest first.
#[utoipa::path(get, path = "/v1/clients", operation_id = "listClients", tag = "clients", params(ListParams),
    responses((status = 200, body = PageOf<ClientView>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["clients:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<Json<PageOf<ClientView>>, ApiError> {
    let page = clients::list(&state.db, &caller.tenancy, page).await?;
    Ok(Json(page.map(ClientView::from).into()))
}

#[utoipa::path(get, path = "/v1/clients/{id}", operation_id = "getClient", tag = "clients", params(RecordId),
    responses((status = 200, body = ClientView), (status = 404, body = ErrorBody)),
    security(("bearer" = ["clients:read"])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<ClientView>, ApiError> {
    Ok(Json(
        clients::get(&state.db, &caller.tenancy, id).await?.into(),
    ))
}

#[utoipa::path(post, path = "/v1/clients", operation_id = "createClient", tag = "clients", request_body = NewClient,
    responses((status = 201, body = ClientView), (status = 422, body = ErrorBody)),
    security(("bearer" = ["clients:write"])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewClient>,
) -> Result<(StatusCode, Json<ClientView>), ApiError> {
    let input = ClientInput {
        name: body.name,
        email: body.email,
        external_ref: Some(body.external_ref),
    };
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let client = clients::create(write.txn(), &caller.tenancy, input).await?;
    write.commit().await?;
    Ok((StatusCode::CREATED, Json(client.into())))
}

#[utoipa::path(patch, path = "/v1/clients/{id}", operation_id = "updateClient", tag = "clients", params(RecordId), request_body = ClientChanges,
    responses((status = 200, body = ClientView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["clients:write"])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(body): ApiJson<ClientChanges>,
) -> Result<Json<ClientView>, ApiError> {
    let input = ClientInput {
        name: body.name,
        email: body.email,
        external_ref: body.external_ref,
    };
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let client = clients::update(write.txn(), &caller.tenancy, id, input).await?;
    write.commit().await?;
    Ok(Json(client.into()))
}

/// Deletes a client no envelope or verification refers to (409 otherwise).
#[utoipa::path(delete, path = "/v1/clients/{id}", operation_id = "deleteClient", tag = "clients", params(RecordId),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["clients:write"])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<StatusCode, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    clients::delete(write.txn(), &caller.tenancy, id).await?;
    write.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
