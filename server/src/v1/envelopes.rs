//! `/v1/envelopes` (scopes `envelopes:read`, `envelopes:write`).

use app::ssr::{
    entities::envelope::{self, EnvelopeStatus},
    services::resources::envelopes,
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
pub struct EnvelopeView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub title: String,
    /// `draft`, `sent`, `completed` or `cancelled`.
    #[schema(value_type = String, example = "draft")]
    pub status: EnvelopeStatus,
    pub created_at: DateTime<Utc>,
}

impl From<envelope::Model> for EnvelopeView {
    fn from(envelope: envelope::Model) -> Self {
        EnvelopeView {
            id: envelope.id,
            client_id: envelope.client_id,
            title: envelope.title,
            status: envelope.status,
            created_at: envelope.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEnvelope {
    /// A client of the same workspace and mode.
    #[schema(required = true, nullable = false)]
    pub client_id: Option<Uuid>,
    /// 1 to 200 characters.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub title: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvelopeChanges {
    /// Absent or `null`: unchanged.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
}

#[utoipa::path(get, path = "/v1/envelopes", operation_id = "listEnvelopes", tag = "envelopes", params(ListParams),
    responses((status = 200, body = PageOf<EnvelopeView>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["envelopes:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<Json<PageOf<EnvelopeView>>, ApiError> {
    let page = envelopes::list(&state.db, &caller.tenancy, page).await?;
    Ok(Json(page.map(EnvelopeView::from).into()))
}

#[utoipa::path(get, path = "/v1/envelopes/{id}", operation_id = "getEnvelope", tag = "envelopes", params(RecordId),
    responses((status = 200, body = EnvelopeView), (status = 404, body = ErrorBody)),
    security(("bearer" = ["envelopes:read"])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<EnvelopeView>, ApiError> {
    Ok(Json(
        envelopes::get(&state.db, &caller.tenancy, id).await?.into(),
    ))
}

/// Creates a draft.
#[utoipa::path(post, path = "/v1/envelopes", operation_id = "createEnvelope", tag = "envelopes", request_body = NewEnvelope,
    responses((status = 201, body = EnvelopeView), (status = 422, body = ErrorBody)),
    security(("bearer" = ["envelopes:write"])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewEnvelope>,
) -> Result<(StatusCode, Json<EnvelopeView>), ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let envelope =
        envelopes::create(write.txn(), &caller.tenancy, body.client_id, body.title).await?;
    write.commit().await?;
    Ok((StatusCode::CREATED, Json(envelope.into())))
}

/// Edits a draft (409 once sent).
#[utoipa::path(patch, path = "/v1/envelopes/{id}", operation_id = "updateEnvelope", tag = "envelopes", params(RecordId), request_body = EnvelopeChanges,
    responses((status = 200, body = EnvelopeView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["envelopes:write"])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(body): ApiJson<EnvelopeChanges>,
) -> Result<Json<EnvelopeView>, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let envelope = envelopes::update(write.txn(), &caller.tenancy, id, body.title).await?;
    write.commit().await?;
    Ok(Json(envelope.into()))
}

/// Draft → sent (recorded in the audit log; no e-mail is sent).
#[utoipa::path(post, path = "/v1/envelopes/{id}/send", operation_id = "sendEnvelope", tag = "envelopes", params(RecordId),
    responses((status = 200, body = EnvelopeView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["envelopes:write"])))]
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<EnvelopeView>, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let envelope = envelopes::send(
        write.txn(),
        &state.audit,
        &caller.tenancy,
        id,
        caller.actor(),
        caller.ip,
    )
    .await?;
    write.commit().await?;
    Ok(Json(envelope.into()))
}

/// Draft or sent → cancelled.
#[utoipa::path(post, path = "/v1/envelopes/{id}/cancel", operation_id = "cancelEnvelope", tag = "envelopes", params(RecordId),
    responses((status = 200, body = EnvelopeView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["envelopes:write"])))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<EnvelopeView>, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let envelope = envelopes::cancel(
        write.txn(),
        &state.audit,
        &caller.tenancy,
        id,
        caller.actor(),
        caller.ip,
    )
    .await?;
    write.commit().await?;
    Ok(Json(envelope.into()))
}
