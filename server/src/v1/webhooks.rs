//! `/v1/webhooks` (scope `webhooks:write` for every route: endpoints are configuration).

use app::ssr::{
    entities::webhook,
    services::resources::webhooks::{self, WebhookInput},
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
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<webhook::Model> for WebhookView {
    fn from(webhook: webhook::Model) -> Self {
        WebhookView {
            id: webhook.id,
            url: webhook.url,
            events: serde_json::from_value(webhook.events).unwrap_or_default(),
            active: webhook.active,
            created_at: webhook.created_at,
        }
    }
}

/// A new webhook with its signing secret, returned only here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_…`: store it now; it is never shown again.
    pub signing_secret: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWebhook {
    /// An `https://` URL.
    #[schema(required = true, nullable = false, max_length = 2048)]
    pub url: Option<String>,
    /// Event names, e.g. `envelope.sent`.
    #[schema(required = true, nullable = false)]
    pub events: Option<Vec<String>>,
    /// Absent or `null`: true.
    pub active: Option<bool>,
}

impl From<NewWebhook> for WebhookInput {
    fn from(body: NewWebhook) -> Self {
        WebhookInput {
            url: body.url,
            events: body.events,
            active: body.active,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookBody {
    /// An `https://` URL. Absent or `null`: unchanged (so for every field).
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// Event names, e.g. `envelope.sent`.
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

impl From<WebhookBody> for WebhookInput {
    fn from(body: WebhookBody) -> Self {
        WebhookInput {
            url: body.url,
            events: body.events,
            active: body.active,
        }
    }
}

#[utoipa::path(get, path = "/v1/webhooks", operation_id = "listWebhooks", tag = "webhooks", params(ListParams),
    responses((status = 200, body = PageOf<WebhookView>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["webhooks:write"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Paging(page): Paging,
) -> Result<Json<PageOf<WebhookView>>, ApiError> {
    let page = webhooks::list(&state.db, &caller.tenancy, page).await?;
    Ok(Json(page.map(WebhookView::from).into()))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}", operation_id = "getWebhook", tag = "webhooks", params(RecordId),
    responses((status = 200, body = WebhookView), (status = 404, body = ErrorBody)),
    security(("bearer" = ["webhooks:write"])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(
        webhooks::get(&state.db, &caller.tenancy, id).await?.into(),
    ))
}

#[utoipa::path(post, path = "/v1/webhooks", operation_id = "createWebhook", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhookView), (status = 422, body = ErrorBody)),
    security(("bearer" = ["webhooks:write"])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhookView>), ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let created = webhooks::create(
        write.txn(),
        &state.audit,
        &state.keys.hasher,
        &caller.tenancy,
        body.into(),
        caller.actor(),
        caller.ip,
    )
    .await?;
    write.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookView {
            webhook: created.webhook.into(),
            signing_secret: created.secret,
        }),
    ))
}

#[utoipa::path(patch, path = "/v1/webhooks/{id}", operation_id = "updateWebhook", tag = "webhooks", params(RecordId), request_body = WebhookBody,
    responses((status = 200, body = WebhookView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["webhooks:write"])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
    ApiJson(body): ApiJson<WebhookBody>,
) -> Result<Json<WebhookView>, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    let webhook = webhooks::update(
        write.txn(),
        &state.audit,
        &caller.tenancy,
        id,
        body.into(),
        caller.actor(),
        caller.ip,
    )
    .await?;
    write.commit().await?;
    Ok(Json(webhook.into()))
}

#[utoipa::path(delete, path = "/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks", params(RecordId),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = ["webhooks:write"])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    RecordId(id): RecordId,
) -> Result<StatusCode, ApiError> {
    let write = KeyedWrite::begin(&state.db, &caller).await?;
    webhooks::delete(
        write.txn(),
        &state.audit,
        &caller.tenancy,
        id,
        caller.actor(),
        caller.ip,
    )
    .await?;
    write.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
