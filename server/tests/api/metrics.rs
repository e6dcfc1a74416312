//! `/metrics`: Prometheus text on its own address, never on the public one.

use app::model::{Mode, Scope};
use reqwest::Method;

use crate::{
    helpers::spawn_app_with,
    v1::{call, key, owner},
};

fn value_of(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name) && labels.iter().all(|label| line.contains(label)))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn metrics_count_v1_answers_and_refusals_on_their_own_address_only() {
    let app = spawn_app_with(&[("KEYWARD_METRICS_ADDR", "127.0.0.1:0")]).await;
    let metrics_url = format!(
        "http://{}/metrics",
        app.metrics_address.expect("a metrics address")
    );
    let scrape = || async {
        reqwest::get(&metrics_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let ada = owner(&app, "ada@example.com").await;
    let secret = key(&app, &ada, Mode::Live, &[Scope::All]).await;

    // The recorder is process-wide (other tests count too): compare before and after.
    let before = scrape().await;
    for _ in 0..3 {
        call(&app, Method::GET, "/whoami", Some(&secret), None).await;
    }
    call(&app, Method::GET, "/whoami", Some("kw_live_junk"), None).await;
    let after = scrape().await;

    let answered = |text: &str| {
        value_of(
            text,
            "keyward_v1_requests_total",
            &[r#"route="/v1/whoami""#, r#"status="200""#],
        )
    };
    assert!(answered(&after) - answered(&before) >= 3.0, "{after}");
    let malformed = |text: &str| {
        value_of(
            text,
            "keyward_v1_refused_keys_total",
            &[r#"reason="malformed""#],
        )
    };
    assert!(malformed(&after) - malformed(&before) >= 1.0, "{after}");
    assert!(after.contains("keyward_v1_verification_seconds_bucket"));
    assert!(after.contains("keyward_key_feed_trusted"));
    assert!(after.contains("keyward_key_cache_entries"));

    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
}
