//! Settings ▸ Members over HTTP: invitations (issue, accept, single use, expiry,
//! revocation; by link or by e-mail), role changes and removals, with every role's
//! rights. This file holds a second person's browser and the shared steps.

mod invitations;
mod mail;
mod roles;

use app::{
    model::{
        AcceptOutcome, CreatedInvitation, InvitationPreview, InvitationRow, KeyListing, KeyStatus,
        MembersOverview, Mode, Plan, Role, Scope,
    },
    ssr::entities::{audit_event, invitation, membership, session},
};
use chrono::{Duration, Utc};
use reqwest::{Method, Response};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    browser::Browser,
    helpers::{Owner, TestApp, spawn_app, spawn_app_with},
    v1::{PASSWORD, add_member},
};

const NEW_PASSWORD: &str = "a brand new long password";

impl Browser {
    async fn preview(&self, token: &str) -> InvitationPreview {
        let response = self
            .post_form("/api/preview_invitation", &[("token", token)])
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("an InvitationPreview")
    }

    async fn accept(&self, token: &str, password: &str, confirmation: &str) -> AcceptOutcome {
        let response = self.accept_response(token, password, confirmation).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("an AcceptOutcome")
    }

    async fn accept_response(&self, token: &str, password: &str, confirmation: &str) -> Response {
        self.post_form(
            "/api/accept_invitation",
            &[
                ("token", token),
                ("password", password),
                ("password_confirmation", confirmation),
            ],
        )
        .await
    }

    async fn invite(&self, email: &str, role: &str) -> Response {
        self.post_json(
            "/api/invite_member",
            json!({ "form": { "email": email, "role": role } }),
        )
        .await
    }

    async fn change_role(&self, user_id: Uuid, role: &str) -> Response {
        self.post_form(
            "/api/change_member_role",
            &[("user_id", &user_id.to_string()), ("role", role)],
        )
        .await
    }

    async fn remove(&self, user_id: Uuid) -> Response {
        self.post_form("/api/remove_member", &[("user_id", &user_id.to_string())])
            .await
    }

    async fn overview(&self) -> MembersOverview {
        let response = self.post_form("/api/members_overview", &[]).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("a MembersOverview")
    }
}

/// Ada, Owner of a Business organization, signed in in her own browser.
async fn ada(app: &TestApp) -> (Owner, Browser) {
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let browser = Browser::new(app);
    browser.login("ada@example.com", PASSWORD).await;
    (owner, browser)
}

/// An invitation whose link the inviter was shown (no mail server).
struct Invited {
    invitation: InvitationRow,
    token: String,
    path: String,
}

async fn invited(browser: &Browser, email: &str, role: &str) -> Invited {
    let response = browser.invite(email, role).await;
    assert_eq!(response.status(), 200, "invite {email} as {role}");
    let created: CreatedInvitation = response.json().await.expect("a CreatedInvitation");
    let link = created
        .link
        .expect("without a mail server the inviter gets the link");
    Invited {
        invitation: created.invitation,
        token: link.token,
        path: link.path,
    }
}

fn role_of(overview: &MembersOverview, email: &str) -> Option<Role> {
    overview
        .members
        .iter()
        .find(|m| m.email == email)
        .map(|m| m.role)
}

/// Members of `owner`'s organization (with `role`, if given). Counted through the
/// entities: raw SQL would compare UUIDs as text, which SQLite stores as blobs.
async fn members_of(app: &TestApp, owner: &Owner, role: Option<Role>) -> u64 {
    let mut query =
        membership::Entity::find().filter(membership::Column::OrgId.eq(owner.org.org_id));
    if let Some(role) = role {
        query = query.filter(membership::Column::Role.eq(role));
    }
    query.count(&app.db).await.unwrap()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = '{action}'"
    ))
    .await
}
