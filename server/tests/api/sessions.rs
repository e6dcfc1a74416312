use app::{
    model::{LoginOutcome, Plan},
    ssr::entities::{membership, session},
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";

/// The key the store files a session under, for the id a cookie carries.
fn row_key(cookie: &str) -> String {
    server::session_store::stored_id(&cookie.parse().expect("a session id"))
}

#[tokio::test]
async fn the_database_holds_a_hash_of_the_session_id_never_the_id_a_browser_presents() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    let cookie = app.session_cookie().expect("session cookie");
    let rows = session::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].id, cookie);
    assert!(!rows[0].data.contains(&cookie));
    assert_eq!(rows[0].id, row_key(&cookie));
    assert_eq!(rows[0].id.len(), 64, "hex SHA-256");
    // The row's key presented as a cookie names no session (a client without the jar).
    let as_cookie = |value: &str| {
        reqwest::Client::new()
            .post(app.url("/api/current_user"))
            .header("Origin", &app.address)
            .header("Accept", "application/json")
            .header("Cookie", format!("keyward_session={value}"))
            .form(&Vec::<(String, String)>::new())
            .send()
    };
    let forged: Option<serde_json::Value> =
        as_cookie(&rows[0].id).await.unwrap().json().await.unwrap();
    assert_eq!(forged, None, "the stored key is not a session id");
    let real: Option<serde_json::Value> = as_cookie(&cookie).await.unwrap().json().await.unwrap();
    assert!(
        real.is_some(),
        "the same request with the real id is signed in"
    );
}

#[tokio::test]
async fn the_session_id_is_replaced_on_login_and_the_old_record_is_gone() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;

    assert_eq!(
        app.login("ada@example.com", PASSWORD).await,
        LoginOutcome::SignedIn
    );
    let first = app.session_cookie().expect("session cookie after login");
    // Signing in again while holding a session (e.g. one planted by an attacker)
    // must not keep that session's id.
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await,
        LoginOutcome::SignedIn
    );
    let second = app
        .session_cookie()
        .expect("session cookie after second login");

    assert_ne!(first, second);
    let old_records = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = '{}'",
            row_key(&first)
        ))
        .await;
    assert_eq!(old_records, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = '{}'",
            row_key(&second)
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_session_record_carries_the_user_and_org_in_indexed_columns() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    let matching = session::Entity::find()
        .filter(session::Column::UserId.eq(owner.org.owner_id))
        .filter(session::Column::OrgId.eq(owner.org.org_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(matching, 1);
}

#[tokio::test]
async fn logout_deletes_the_session_record_and_ends_the_session() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    let id = app.session_cookie().expect("session cookie");

    let response = app.post_form("/api/logout", &[]).await;
    assert_eq!(response.status(), 200);

    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = '{}'",
            row_key(&id)
        ))
        .await,
        0
    );
    let me = app.current_user().await;
    assert!(me.is_none());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.signed_out'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_strict() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let response = app
        .post_form(
            "/api/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("keyward_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http on localhost cannot use Secure: {cookie}"
    );
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_with_the_host_prefix() {
    let app = spawn_app_with(&[("KEYWARD_PUBLIC_URL", "https://keys.example.com")]).await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let response = app
        .client
        .post(app.url("/api/login"))
        .header("Origin", "https://keys.example.com")
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-keyward_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_session_past_its_absolute_lifetime_is_ignored() {
    let app = spawn_app_with(&[("KEYWARD_SESSION_ABSOLUTE_SECONDS", "1")]).await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await,
        LoginOutcome::SignedIn
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let me = app.current_user().await;
    assert!(me.is_none());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn an_expired_session_record_is_not_loaded() {
    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    let past = "2000-01-01 00:00:00+00";
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        &format!("UPDATE sessions SET expires_at = '{past}'"),
    )
    .await
    .unwrap();
    let me = app.current_user().await;
    assert!(me.is_none());
}

#[tokio::test]
async fn removing_a_membership_ends_that_members_session_at_once() {
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(owner.org.owner_id))
        .exec(&app.db)
        .await
        .unwrap();
    let me = app.current_user().await;
    assert!(me.is_none());
}

#[tokio::test]
async fn saving_a_session_that_was_deleted_meanwhile_does_not_bring_it_back() {
    use server::session_store::DbSessionStore;
    use tower_sessions::{SessionStore, session::Record};

    let app = spawn_app().await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    app.login("ada@example.com", PASSWORD).await;
    let id = app.session_cookie().expect("session cookie");
    let store = DbSessionStore::new(app.db.clone());
    let session_id = id.parse().expect("a session id");
    // A request that loaded the session before the logout…
    let loaded: Record = store.load(&session_id).await.unwrap().expect("record");
    // …the logout deletes it…
    store.delete(&session_id).await.unwrap();
    // …and the slow request saves it afterwards.
    store.save(&loaded).await.unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = '{}'",
            row_key(&id)
        ))
        .await,
        0
    );
}

/// The signed-in session's row as stored: its idle deadline and its data.
async fn session_row(app: &TestApp) -> (DateTime<Utc>, String) {
    let id = app.session_cookie().expect("session cookie");
    let row = session::Entity::find_by_id(row_key(&id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("session row");
    (row.expires_at, row.data)
}

/// Signs Ada in on a server that extends sessions at most once per `extend_seconds`.
async fn signed_in(extend_seconds: &str) -> TestApp {
    let app = spawn_app_with(&[("KEYWARD_SESSION_EXTEND_SECONDS", extend_seconds)]).await;
    app.create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await,
        LoginOutcome::SignedIn
    );
    app
}

async fn sleep_past_one_second() {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn a_static_file_request_with_a_session_cookie_writes_no_session_row() {
    let app = signed_in("1").await;
    let pkg = app.data_dir.join("site").join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("keyward.js"), "export {};").unwrap();
    let before = session_row(&app).await;
    // Past the extension interval: a request through the session layer would write.
    sleep_past_one_second().await;

    let response = app.get("/pkg/keyward.js").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.text().await.unwrap(), "export {};");
    assert_eq!(app.get("/pkg/missing.js").await.status(), 404);
    assert_eq!(session_row(&app).await, before);
}

#[tokio::test]
async fn page_requests_within_the_extension_interval_leave_the_session_row_alone() {
    let app = signed_in("60").await;
    let after_sign_in = session_row(&app).await;
    for _ in 0..2 {
        let response = app.get("/settings/billing").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("set-cookie").is_none());
        assert!(app.current_user().await.is_some());
    }
    assert_eq!(session_row(&app).await, after_sign_in);
}

#[tokio::test]
async fn a_request_after_the_extension_interval_moves_the_idle_deadline_once() {
    let app = signed_in("3").await;
    let (signed_in_until, _) = session_row(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;

    let extending = std::time::Instant::now();
    let response = app.get("/settings/billing").await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Max-Age=3600"), "{cookie}");
    let extended = session_row(&app).await;
    assert!(
        extended.0 >= signed_in_until + chrono::Duration::seconds(3),
        "{} → {}",
        signed_in_until,
        extended.0
    );
    assert!(app.current_user().await.is_some());
    // Within the interval (a loaded machine may take longer; then a second extension
    // would be right, and there is nothing to check).
    let row = session_row(&app).await;
    if extending.elapsed() < std::time::Duration::from_millis(2500) {
        assert_eq!(row, extended, "once per interval");
    }
}
