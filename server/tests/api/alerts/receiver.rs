//! A local webhook receiver for the alert tests: it records what it is sent and can
//! fail its first requests.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{Router, body::Bytes, http::HeaderMap, http::StatusCode, routing::post};

/// What the receiver saw: each request's `Keyward-Signature` and body.
#[derive(Clone, Default)]
pub(super) struct Receiver {
    seen: Arc<Mutex<Vec<(String, String)>>>,
    /// Answer 500 to this many requests first.
    failures_left: Arc<AtomicUsize>,
}

impl Receiver {
    pub(super) async fn start(failures: usize) -> (Self, SocketAddr) {
        let receiver = Receiver {
            failures_left: Arc::new(AtomicUsize::new(failures)),
            ..Receiver::default()
        };
        let handler = {
            let receiver = receiver.clone();
            move |headers: HeaderMap, body: Bytes| {
                let receiver = receiver.clone();
                async move {
                    let signature = headers
                        .get("keyward-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    receiver
                        .seen
                        .lock()
                        .unwrap()
                        .push((signature, String::from_utf8_lossy(&body).into_owned()));
                    let failing = receiver
                        .failures_left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, Router::new().route("/hook", post(handler)))
                .await
                .unwrap();
        });
        (receiver, address)
    }

    pub(super) fn seen(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }
}
