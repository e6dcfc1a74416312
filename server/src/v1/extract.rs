//! Extractors whose rejections are `/v1` errors: a bad body, path or query answers
//! in the API's error shape, never in axum's plain text.

use app::ssr::services::pagination::PageRequest;
use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::request::Parts,
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::error::ApiError;

/// A JSON object body; 415 without the JSON content type, 400 when unparseable, 422
/// when it is not an object or does not fit the expected fields, 413 beyond the body
/// limit. Read as an object first: serde's derived `Deserialize` would also take a
/// JSON array for a struct (`[null, null]` as a PATCH changing nothing), which no
/// schema of ours describes.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(object) =
            axum::Json::<Map<String, Value>>::from_request(request, state).await?;
        serde_path_to_error::deserialize(Value::Object(object))
            .map(ApiJson)
            .map_err(|err| ApiError::Invalid(err.to_string()))
    }
}

/// A record id in the path. Anything that is not an id cannot name a record: 404.
#[derive(Debug, Clone, Copy, utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct RecordId(
    /// The record's id; anything that is not a UUID names no record (404).
    pub Uuid,
);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<Uuid>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| RecordId(id))
            .map_err(|_| ApiError::NotFound)
    }
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u64>,
    /// `nextCursor` of the previous page (empty: the first page).
    #[param(
        pattern = "^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
    )]
    cursor: Option<String>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct Paging(pub PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(params) =
            axum::extract::Query::<ListParams>::from_request_parts(parts, state).await?;
        PageRequest::new(params.limit, params.cursor.as_deref())
            .map(Paging)
            .map_err(|err| ApiError::Invalid(err.0))
    }
}

/// For PATCH fields where `null` means "clear": a present field is `Some`, even null.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
