//! Keyset pagination over time-ordered ids (UUIDv7): newest first, and a cursor that
//! stays valid while rows are added (no offsets that shift under the reader).

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::model::Page;

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 200;

/// A validated `?limit=&cursor=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    /// Return rows older than this id.
    pub after: Option<Uuid>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_PAGE_SIZE,
            after: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidPage(pub String);

impl PageRequest {
    pub fn new(limit: Option<u64>, cursor: Option<&str>) -> Result<Self, InvalidPage> {
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => limit,
            Some(_) => {
                return Err(InvalidPage(format!(
                    "limit: must be between 1 and {MAX_PAGE_SIZE}"
                )));
            }
        };
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => Some(
                Uuid::try_parse(cursor)
                    .map_err(|_| InvalidPage("cursor: not a cursor from this API".to_owned()))?,
            ),
        };
        Ok(Self { limit, after })
    }
}

pub fn cursor_of(id: Uuid) -> String {
    id.simple().to_string()
}

/// One page of `select`, ordered by `id` descending. Fetches one row more than asked
/// to learn whether another page exists.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    id_of: impl Fn(&E::Model) -> Uuid,
    page: PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut select = select.order_by_desc(id).limit(page.limit + 1);
    if let Some(after) = page.after {
        select = select.filter(id.lt(after));
    }
    let mut data = select.all(db).await?;
    let more = u64::try_from(data.len()).unwrap_or(u64::MAX) > page.limit;
    data.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        data.last().map(|last| cursor_of(id_of(last)))
    } else {
        None
    };
    Ok(Page { data, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_to_fifty_and_stay_within_bounds() {
        assert_eq!(PageRequest::new(None, None).unwrap().limit, 50);
        assert_eq!(PageRequest::new(Some(200), None).unwrap().limit, 200);
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(201), None).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let page = PageRequest::new(None, Some(&cursor_of(id))).unwrap();
        assert_eq!(page.after, Some(id));
        assert!(PageRequest::new(None, Some("'; drop table")).is_err());
        assert_eq!(PageRequest::new(None, Some("")).unwrap().after, None);
    }
}
