//! The list envelope of `/v1`, with an OpenAPI schema.

use app::model::Page;
use serde::Serialize;

/// `{"data": [...], "nextCursor": "..." | null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageOf<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for PageOf<T> {
    fn from(page: Page<T>) -> Self {
        PageOf {
            data: page.data,
            next_cursor: page.next_cursor,
        }
    }
}
