//! A person's browser in API tests: its own cookie jar, the Origin a browser sends, and
//! the server functions every page uses (sign-in, organization switch, who am I).

use std::sync::Arc;

use app::model::{LoginOutcome, SignedInUser};
use reqwest::{Client, Response, cookie::Jar, redirect::Policy};
use serde_json::Value;

use crate::{
    helpers::{Owner, TestApp},
    v1::PASSWORD,
};

/// Another person's browser: its own cookie jar against the same server.
pub struct Browser {
    pub address: String,
    /// What the browser sends as `Origin`: the server's address, or its public URL.
    origin: String,
    pub client: Client,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self::at_origin(app, &app.address)
    }

    /// A browser that reached the server through `origin` (its `KEYWARD_PUBLIC_URL`).
    pub fn at_origin(app: &TestApp, origin: &str) -> Self {
        Browser {
            address: app.address.clone(),
            origin: origin.trim_end_matches('/').to_owned(),
            client: Client::builder()
                .cookie_provider(Arc::new(Jar::default()))
                .redirect(Policy::none())
                .build()
                .expect("HTTP client"),
        }
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.origin)
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.origin)
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs a body as given, for input no well-behaved client would send.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: String) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.origin)
            .header("Accept", "application/json")
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn login(&self, email: &str, password: &str) {
        let outcome: LoginOutcome = self
            .post_form("/api/login", &[("email", email), ("password", password)])
            .await
            .json()
            .await
            .expect("a LoginOutcome");
        assert_eq!(outcome, LoginOutcome::SignedIn);
    }

    /// Signs in and makes `owner`'s organization the current one.
    pub async fn sign_into(&self, email: &str, owner: &Owner) {
        self.login(email, PASSWORD).await;
        let switched = self
            .post_form("/api/switch_organization", &[("slug", &owner.org.slug)])
            .await;
        assert_eq!(switched.status(), 200);
    }

    pub async fn current_user(&self) -> Option<SignedInUser> {
        let response = self.post_form("/api/current_user", &[]).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("an Option<SignedInUser>")
    }
}
