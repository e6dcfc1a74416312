//! Each key's recent `/v1` requests. The usage meter collects them in memory with its
//! counts and writes both in the same batch; [`prune`] keeps the log within its
//! retention and its cap per key. On the request path only `PendingLog::push` runs,
//! under the meter's lock, with no I/O.

mod pending;

pub(super) use pending::PendingLog;

use std::{net::IpAddr, sync::Arc, time::Duration};

use chrono::{DateTime, TimeDelta, Utc};
use http::Method;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder},
};
use uuid::{ContextV7, Timestamp, Uuid};

use super::{
    footprint::ScopeCheck,
    pagination::{PageRequest, fetch_page},
    usage::UsageSubject,
};
use crate::{
    model::{Page, Refusal, RequestLogEntry, StatusClass},
    ssr::entities::api_request,
};

/// Paths of requests that matched no route are cut to this many characters.
pub const MAX_ROUTE_CHARS: usize = 200;

/// Rows per insert statement, 11 bound parameters each: under PostgreSQL's 65,535 and
/// SQLite's 32,766, so a busy key's batch of 10,000 is two statements on PostgreSQL.
fn rows_per_insert(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 5_000,
        _ => 2_500,
    }
}

/// How long requests are kept and how many at most per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLogLimits {
    pub retention_days: u32,
    pub rows_per_key: u32,
}

impl Default for RequestLogLimits {
    fn default() -> Self {
        RequestLogLimits {
            retention_days: 30,
            rows_per_key: 10_000,
        }
    }
}

/// One answered `/v1` request made with a known key, as the guard saw it.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub at: DateTime<Utc>,
    pub method: Method,
    /// The route template, or the (cut) path of a request that matched none.
    pub route: Arc<str>,
    pub status: u16,
    pub ip: Option<IpAddr>,
    pub latency: Duration,
    pub refusal: Option<Refusal>,
    /// The route's scope and whether the key's rights covered it; `None` for routes
    /// open to any key and for requests refused before the check.
    pub scope: Option<ScopeCheck>,
}

impl LoggedRequest {
    /// Turned away before the route's scope was checked (verification, rate limit).
    fn refused_early(&self) -> bool {
        self.refusal
            .is_some_and(|refusal| refusal != Refusal::MissingScope)
    }
}

/// Requests and keys made up for the unit tests of the log and the usage meter.
#[cfg(test)]
pub(in crate::ssr::services) mod test_support {
    use super::*;
    use crate::model::Mode;

    /// A `GET /v1/whoami` answered with `status` at `at`.
    pub fn logged(status: u16, at: DateTime<Utc>) -> LoggedRequest {
        LoggedRequest {
            at,
            method: Method::GET,
            route: Arc::from("/v1/whoami"),
            status,
            ip: None,
            latency: Duration::from_micros(100),
            refusal: None,
            scope: None,
        }
    }

    /// A live key of an organization of its own.
    pub fn subject() -> UsageSubject {
        UsageSubject {
            key_id: Uuid::new_v4(),
            org_id: Uuid::new_v4(),
            mode: Mode::Live,
        }
    }
}

/// The path of a request that matched no route, as the log keeps it.
pub fn unmatched_route(path: &str) -> Arc<str> {
    match path.char_indices().nth(MAX_ROUTE_CHARS) {
        Some((cut, _)) => Arc::from(&path[..cut]),
        None => Arc::from(path),
    }
}

/// Ids are made at write time, off the request path, from the request time to a
/// fraction of a millisecond (RFC 9562's extra clock precision), so that requests
/// answered in the same millisecond still page in order; one context per key and batch
/// keeps that key's ids increasing.
fn new_ids() -> ContextV7 {
    ContextV7::new().with_additional_precision()
}

fn id_at(ids: &ContextV7, at: DateTime<Utc>) -> Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(Timestamp::from_unix(
        ids,
        seconds,
        at.timestamp_subsec_nanos(),
    ))
}

fn row_of(
    ids: &ContextV7,
    subject: &UsageSubject,
    request: &LoggedRequest,
) -> api_request::ActiveModel {
    api_request::ActiveModel {
        id: Set(id_at(ids, request.at)),
        key_id: Set(subject.key_id),
        org_id: Set(subject.org_id),
        mode: Set(subject.mode),
        at: Set(request.at),
        method: Set(request.method.as_str().to_owned()),
        route: Set(request.route.to_string()),
        status: Set(i32::from(request.status)),
        ip: Set(request.ip.map(|ip| ip.to_string())),
        latency_micros: Set(i64::try_from(request.latency.as_micros()).unwrap_or(i64::MAX)),
        refusal: Set(request.refusal),
    }
}

/// Writes a batch of requests (part of the usage meter's flush transaction) and says
/// how many rows it added.
pub(super) async fn write(db: &impl ConnectionTrait, batch: &PendingLog) -> Result<usize, DbErr> {
    let chunk = rows_per_insert(db.get_database_backend());
    let mut rows = Vec::with_capacity(batch.held().min(chunk));
    let mut written = 0;
    for (subject, sample) in batch.samples() {
        let ids = new_ids();
        for request in sample {
            rows.push(row_of(&ids, subject, request));
            if rows.len() == chunk {
                written += chunk;
                insert(db, std::mem::take(&mut rows)).await?;
            }
        }
    }
    if !rows.is_empty() {
        written += rows.len();
        insert(db, rows).await?;
    }
    Ok(written)
}

async fn insert(
    db: &impl ConnectionTrait,
    rows: Vec<api_request::ActiveModel>,
) -> Result<(), DbErr> {
    api_request::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What one pruning pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub expired: u64,
    pub over_cap: u64,
    /// Footprint rows (networks, scopes) not seen for 30 days.
    pub footprint: u64,
}

/// Deletes requests older than the retention, then, for each of `keys` (those written
/// since the last pass), all but its newest `rows_per_key`. Deleting is idempotent, so
/// several replicas may prune the same keys.
pub async fn prune(
    db: &impl ConnectionTrait,
    limits: RequestLogLimits,
    keys: impl IntoIterator<Item = Uuid>,
    now: DateTime<Utc>,
) -> Result<Pruned, DbErr> {
    use api_request::Column;

    let oldest_kept = now - TimeDelta::days(i64::from(limits.retention_days));
    let expired = api_request::Entity::delete_many()
        .filter(Column::At.lt(oldest_kept))
        .exec(db)
        .await?
        .rows_affected;
    let mut over_cap = 0;
    for key_id in keys {
        // The id of the newest row beyond the cap; NULL (nothing deleted) when the key
        // has no more rows than the cap.
        let first_dropped = Query::select()
            .column(Column::Id)
            .from(api_request::Entity)
            .and_where(Expr::col(Column::KeyId).eq(key_id))
            .order_by(Column::Id, sea_orm::Order::Desc)
            .limit(1)
            .offset(u64::from(limits.rows_per_key))
            .to_owned();
        over_cap += api_request::Entity::delete_many()
            .filter(Column::KeyId.eq(key_id))
            .filter(Expr::col(Column::Id).lte(Expr::SubQuery(
                None,
                Box::new(first_dropped.into_sub_query_statement()),
            )))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(Pruned {
        expired,
        over_cap,
        footprint: 0,
    })
}

/// A key's requests, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    key_id: Uuid,
    class: StatusClass,
    page: PageRequest,
) -> Result<Page<RequestLogEntry>, DbErr> {
    use api_request::Column;

    let mut select = api_request::Entity::find()
        .filter(Column::OrgId.eq(org_id))
        .filter(Column::KeyId.eq(key_id));
    if let Some(statuses) = class.statuses() {
        select = select
            .filter(Column::Status.gte(statuses.start))
            .filter(Column::Status.lt(statuses.end));
    }
    let page = fetch_page(
        db,
        select,
        Column::Id,
        |row: &api_request::Model| row.id,
        page,
    )
    .await?;
    Ok(page.map(entry_of))
}

fn entry_of(row: api_request::Model) -> RequestLogEntry {
    RequestLogEntry {
        id: row.id,
        at: row.at,
        method: row.method,
        route: row.route,
        status: u16::try_from(row.status).unwrap_or(0),
        ip: row.ip,
        latency_micros: row.latency_micros,
        refusal: row.refusal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmatched_paths_are_cut_on_a_character_boundary() {
        assert_eq!(&*unmatched_route("/v1/nope"), "/v1/nope");
        let long = "é".repeat(MAX_ROUTE_CHARS + 5);
        let cut = unmatched_route(&long);
        assert_eq!(cut.chars().count(), MAX_ROUTE_CHARS);
    }

    #[test]
    fn ids_follow_request_time_within_a_millisecond() {
        let earlier: DateTime<Utc> = "2026-11-30T10:00:00.001100Z".parse().unwrap();
        let later: DateTime<Utc> = "2026-11-30T10:00:00.001400Z".parse().unwrap();
        // Separate contexts: the order comes from the time, not from a shared counter.
        assert!(id_at(&new_ids(), earlier) < id_at(&new_ids(), later));
        assert_eq!(id_at(&new_ids(), earlier).get_version_num(), 7);
    }
}
