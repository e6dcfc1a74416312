//! The `/v1` API through the real HTTP stack: error shapes, access, tenancy, key
//! lifecycle as integrations see it, usage metering and the resources.

mod access;
mod errors;
mod faults;
mod footprint;
mod key_cache;
mod key_lifecycle;
mod leaks;
mod rate_limits;
mod request_log;
mod resources;
mod tenancy;
mod usage;
mod writes;

use app::{
    model::{Mode, Plan, Role, Scope},
    ssr::entities::membership,
};
use chrono::Utc;
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{Owner, TestApp};

pub const PASSWORD: &str = "correct horse battery staple";

pub const MISSING_HEADER: &str =
    r#"{"statusCode":401,"error":"Unauthorized","message":"Missing authorization header"}"#;
pub const INVALID_TOKEN: &str =
    r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#;
pub const FORBIDDEN: &str =
    r#"{"statusCode":403,"error":"Forbidden","message":"No access to this resource"}"#;
pub const NOT_FOUND: &str = r#"{"statusCode":404,"error":"Not Found","message":"Not found"}"#;

/// How long a change made by another process may take to reach a server in these
/// tests: the feed's worst case (`TRUST_WINDOW`) plus generous slack for a loaded machine.
/// The tight figure is measured by `make bench`.
pub const CROSS_PROCESS_BOUND: std::time::Duration = std::time::Duration::from_secs(5);

/// Calls `/v1/whoami` until it is refused (or `bound` passes); returns the last answer.
pub async fn refused_within(app: &TestApp, key: &str, bound: std::time::Duration) -> (u16, String) {
    whoami_until(app, key, |status| status != 200, bound).await
}

/// Calls `/v1/whoami` until its status is one `wanted` accepts (or `bound` passes);
/// returns the last answer.
pub async fn whoami_until(
    app: &TestApp,
    key: &str,
    wanted: impl Fn(u16) -> bool,
    bound: std::time::Duration,
) -> (u16, String) {
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let answer = call(app, Method::GET, "/whoami", Some(key), None).await;
        if wanted(answer.0) || tokio::time::Instant::now() >= deadline {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// An Owner of a fresh Enterprise organization (no key limit to trip over).
pub async fn owner(app: &TestApp, email: &str) -> Owner {
    app.create_owner(email, PASSWORD, Plan::Enterprise).await
}

/// A key of the owner's org (default workspace) with `scopes`.
pub async fn key(app: &TestApp, owner: &Owner, mode: Mode, scopes: &[Scope]) -> String {
    app.secret(owner.org.org_id, owner.org.owner_id, mode, scopes)
        .await
}

/// Adds the owner of another, fresh organization to `owner`'s organization with `role`.
pub async fn add_member(app: &TestApp, owner: &Owner, email: &str, role: Role) -> Uuid {
    let other = app.create_owner(email, PASSWORD, Plan::Business).await;
    membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(owner.org.org_id),
        user_id: Set(other.org.owner_id),
        role: Set(role),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .expect("membership added");
    other.org.owner_id
}

/// Sends a request and returns the status and the body as text.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = app.v1(method, path, key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

pub async fn get_json(app: &TestApp, path: &str, key: &str) -> Value {
    let (status, body) = call(app, Method::GET, path, Some(key), None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

pub async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Value,
) -> (u16, Value) {
    let (status, text) = call(app, method, path, Some(key), Some(body)).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
