//! `/v1/verifications` (scopes `verifications:read`, `verifications:write`).

use app::ssr::{
    entities::verification::{self, VerificationKind, VerificationStatus},
    services::resources::verifications,
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
pub struct VerificationView {
    pub id: Uuid,
    pub client_id: Uuid,
    /// `identity` or `document`.
    #[schema(value_type = String, example = "identity")]
    pub kind: VerificationKind,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    #[schema(value_type = String, example = "pending")]
    pub status: VerificationStatus,
    pub created_at: DateTime<Utc>,
}

impl From<verification::Model> for VerificationView {
    fn from(verification: verification::Model) -> Self {
        VerificationView {
            id: verification.id,
            client_id: verification.client_id,
            kind: verification.kind,
            status: verification.status,
            created_at: verification.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewVerification {
    /// A client of the same workspace and mode.
    #[schema(required = true, nullable = false)]
    pub client_id: Option<Uuid>,
    /// `identity` or `document`.
    #[schema(value_type = String, required = true, example = "identity")]
    pub kind: Option<VerificationKind>,
}

#[utoipa::path(get, path = "/v1/verifications", operation_id = "listVerifications", tag = "verifications", params(ListParams),
    responses((status = 200, body = PageOf<VerificationView>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["verifications:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<Json<PageOf<VerificationView>>, ApiError> {
    let page = verifications::list(&state.db, &caller.tenancy, page).await?;
    Ok(Json(page.map(VerificationView::from).into()))
}

#[utoipa::path(get, path = "/v1/verifications/{id}", operation_id = "getVerification", tag = "verifications", params(RecordId),
    responses((status = 200, body = VerificationView), (status = 404, body = ErrorBody)),
    security(("bearer" = ["verifications:read"])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<VerificationView>, ApiError> {
    Ok(Json(
        verifications::get(&state.db, &caller.tenancy, id)
            .await?
            .into(),
    ))
}

/// Starts a check; it begins `pending`.
#[utoipa::path(post, path = "/v1/verifications", operation_id = "createVerification", tag = "verifications", request_body = NewVerification,
    responses((status = 201, body = VerificationView), (status = 422, body = ErrorBody)),
    security(("bearer" = ["verifications:write"])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewVerification>,
) -> Result<(StatusCode, Json<VerificationView>), ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let verification =
        verifications::create(write.txn(), &caller.tenancy, body.client_id, body.kind).await?;
    write.commit().await?;
    Ok((StatusCode::CREATED, Json(verification.into())))
}

/// Pending → cancelled.
#[utoipa::path(post, path = "/v1/verifications/{id}/cancel", operation_id = "cancelVerification", tag = "verifications", params(RecordId),
    responses((status = 200, body = VerificationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["verifications:write"])))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<VerificationView>, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let verification = verifications::cancel(write.txn(), &caller.tenancy, id).await?;
    write.commit().await?;
    Ok(Json(verification.into()))
}
