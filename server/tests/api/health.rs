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
