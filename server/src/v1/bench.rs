//! Compiled only with the `bench` feature (never in a normal build): what `make bench`
//! needs to measure `/v1` against itself.
//!
//! - `GET /v1/bench/whoami`: the `whoami` handler with authentication switched off (the
//!   key named by the bearer header is verified once, then reused as is), to compare
//!   with the real `/v1/whoami`.
//! - `GET /v1/bench/statements`: statements sent through the application's database
//!   connection so far (the change listener has a connection of its own and is not
//!   counted), split into reads and writes.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU64, Ordering::Relaxed},
};

use app::ssr::{services::verification::verify_key, state::AppState};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, header},
    routing::get,
};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::{access::Caller, error::ApiError, whoami};

#[derive(Debug, Default)]
pub struct StatementCounts {
    reads: AtomicU64,
    writes: AtomicU64,
}

static COUNTS: OnceLock<Arc<StatementCounts>> = OnceLock::new();
static FIXED_CALLER: OnceLock<Caller> = OnceLock::new();

/// Counts every statement the connection runs; call before the connection is cloned.
pub fn count_statements(db: &mut DatabaseConnection) {
    let counts = COUNTS.get_or_init(Arc::default).clone();
    db.set_metric_callback(move |info| {
        let sql = info.statement.sql.trim_start().to_ascii_uppercase();
        if sql.starts_with("SELECT") && !sql.contains("PG_NOTIFY") {
            counts.reads.fetch_add(1, Relaxed);
        } else {
            counts.writes.fetch_add(1, Relaxed);
        }
    });
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bench/whoami", get(unauthenticated_whoami))
        .route("/bench/statements", get(statements))
}

async fn unauthenticated_whoami(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<whoami::WhoAmI>, ApiError> {
    if let Some(caller) = FIXED_CALLER.get() {
        return Ok(whoami::whoami(caller.clone()).await);
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(ApiError::MissingAuthorization)?;
    let verified = verify_key(
        &state.db,
        &state.keys.hasher,
        &state.keys.brand,
        token,
        None,
        Utc::now(),
    )
    .await
    .map_err(|_| ApiError::InvalidToken)?;
    let caller = FIXED_CALLER.get_or_init(|| Caller::for_bench(verified));
    Ok(whoami::whoami(caller.clone()).await)
}

async fn statements() -> Json<Value> {
    let counts = COUNTS.get_or_init(Arc::default);
    Json(json!({
        "reads": counts.reads.load(Relaxed),
        "writes": counts.writes.load(Relaxed),
    }))
}
