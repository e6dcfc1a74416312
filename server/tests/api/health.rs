use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_while_the_process_runs() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_answers_ok_when_the_database_is_reachable() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn readyz_answers_503_once_the_database_connection_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.expect("pool closes");
    assert_eq!(app.get("/readyz").await.status(), 503);
}

#[tokio::test]
async fn pages_cannot_be_framed_and_nothing_is_mime_sniffed() {
    let app = spawn_app().await;
    let page = app.get("/login").await;
    assert_eq!(page.status(), 200);
    let headers = page.headers();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let api = app.get("/v1/whoami").await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["cache-control"], "no-store");
}
