//! The database cut away while `/v1` runs, through a TCP proxy this test owns between the
//! server and PostgreSQL (the shared cluster itself is never stopped): well-formed keys
//! get 503 in the API's error shape, junk stays 401, no revoked key is let through, and
//! once the proxy forwards again the server recovers by itself, with no restart.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use app::{
    model::{Mode, Scope},
    ssr::{
        keys::format,
        services::{audit::Actor, keys},
    },
};
use reqwest::Method;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

use super::{INVALID_TOKEN, call, key, owner, whoami_until};
use crate::helpers::{Backend, TestDatabase, backend, key_with_every_scope, spawn_app_on};

/// Forwards connections to PostgreSQL until cut; while cut it closes every open
/// connection and refuses new ones (accepted, then closed at once).
struct DatabaseProxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl DatabaseProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let (accepting_up, accepting_cuts) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting_up.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let mut cut = accepting_cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        DatabaseProxy { address, up, cuts }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `postgres://user:pass@host:port/db` with host and port replaced.
fn through(url: &str, proxy: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (credentials, rest) = rest.rsplit_once('@').unwrap();
    let (_, database) = rest.split_once('/').unwrap();
    format!("{scheme}://{credentials}@{proxy}/{database}")
}

fn upstream(url: &str) -> SocketAddr {
    let host_port = url
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(host_port, _)| host_port)
        .unwrap();
    let host_port = host_port.replace("localhost", "127.0.0.1");
    host_port.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_cut_away_v1_fails_closed_and_recovers_by_itself() {
    if backend() != Backend::Postgres {
        eprintln!("PostgreSQL only: SQLite has no connection to cut");
        return;
    }
    let database = Arc::new(TestDatabase::create().await);
    let proxy = DatabaseProxy::start(upstream(&database.url)).await;
    let proxied = through(&database.url, proxy.address);
    let app = spawn_app_on(database.clone(), &[("DATABASE_URL", proxied.as_str())]).await;
    let ada = owner(&app, "ada@example.com").await;
    let working = key(&app, &ada, Mode::Live, &[Scope::All]).await;
    let to_revoke = app
        .issue_key(
            ada.org.org_id,
            ada.org.owner_id,
            key_with_every_scope("to revoke", Mode::Live),
        )
        .await
        .unwrap();
    let revoked = to_revoke.secret.clone();
    for secret in [&working, &revoked] {
        let (status, _) = call(&app, Method::GET, "/whoami", Some(secret), None).await;
        assert_eq!(status, 200, "warm");
    }
    keys::revoke_key(
        &app.db,
        &app.audit,
        &app.invalidator,
        to_revoke.key.id,
        Some(ada.org.org_id),
        None,
        Actor::System { label: "test" },
        None,
    )
    .await
    .unwrap();
    // Well formed, checksum and all, but never issued: only the database can say so.
    let unknown = format::generate("kw", Mode::Live).unwrap();

    proxy.cut();
    let (status, body) = whoami_until(&app, &working, |s| s == 503, Duration::from_secs(10)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({
            "statusCode": 503,
            "error": "Service Unavailable",
            "message": "Service temporarily unavailable",
        }),
        "{body}"
    );
    for _ in 0..20 {
        let (status, body) = call(&app, Method::GET, "/whoami", Some("kw_live_junk"), None).await;
        assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
        let (status, _) = call(&app, Method::GET, "/whoami", Some(&revoked), None).await;
        assert!(matches!(status, 401 | 503), "a revoked key got {status}");
        let (status, _) = call(&app, Method::GET, "/clients", Some(&working), None).await;
        assert_eq!(status, 503);
        let (status, _) = call(&app, Method::GET, "/whoami", Some(&unknown), None).await;
        assert!(matches!(status, 401 | 503), "an unknown key got {status}");
    }
    let report = serde_json::json!({ "tokens": [working] });
    let (status, body) = call(&app, Method::POST, "/leaks", None, Some(report)).await;
    assert_eq!(
        status, 503,
        "a leak report cannot be read without the database: {body}"
    );

    proxy.restore();
    let (status, body) = whoami_until(&app, &working, |s| s == 200, Duration::from_secs(5)).await;
    // Also shows that the leak report which got 503 revoked nothing.
    assert_eq!(status, 200, "not recovered within 5 s: {body}");
    let (status, body) = call(&app, Method::GET, "/whoami", Some(&revoked), None).await;
    assert_eq!((status, body.as_str()), (401, INVALID_TOKEN));
}
