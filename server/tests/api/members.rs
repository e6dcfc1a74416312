//! Settings ▸ Members over HTTP: invitations (issue, accept, single use, expiry,
//! revocation), role changes and removals, with every role's rights.

use app::{
    model::{
        AcceptOutcome, CreatedInvitation, InvitationPreview, KeyListing, KeyStatus, LoginOutcome,
        MembersOverview, Mode, Plan, Role, Scope, SignedInUser,
    },
    ssr::entities::{audit_event, invitation, membership, session},
};
use chrono::{Duration, Utc};
use reqwest::{Client, Method, Response, cookie::Jar, redirect::Policy};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

use crate::{
    helpers::{Owner, TestApp, spawn_app, spawn_app_with},
    v1::{PASSWORD, add_member},
};

const NEW_PASSWORD: &str = "a brand new long password";

/// Another person's browser: its own cookie jar against the same server.
struct Browser {
    address: String,
    client: Client,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Browser {
            address: app.address.clone(),
            client: Client::builder()
                .cookie_provider(Arc::new(Jar::default()))
                .redirect(Policy::none())
                .build()
                .expect("HTTP client"),
        }
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    async fn post_json(&self, path: &str, body: Value) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    async fn login(&self, email: &str, password: &str) {
        let outcome: LoginOutcome = self
            .post_form("/api/login", &[("email", email), ("password", password)])
            .await
            .json()
            .await
            .expect("a LoginOutcome");
        assert_eq!(outcome, LoginOutcome::SignedIn);
    }

    /// Signs in and makes `owner`'s organization the current one.
    async fn sign_into(&self, email: &str, owner: &Owner) {
        self.login(email, PASSWORD).await;
        let switched = self
            .post_form("/api/switch_organization", &[("slug", &owner.org.slug)])
            .await;
        assert_eq!(switched.status(), 200);
    }

    async fn current_user(&self) -> Option<SignedInUser> {
        let response = self.post_form("/api/current_user", &[]).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("an Option<SignedInUser>")
    }

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

async fn invited(browser: &Browser, email: &str, role: &str) -> CreatedInvitation {
    let response = browser.invite(email, role).await;
    assert_eq!(response.status(), 200, "invite {email} as {role}");
    response.json().await.expect("a CreatedInvitation")
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

#[tokio::test]
async fn an_invited_newcomer_sets_a_password_and_is_signed_in_with_the_invited_role() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;

    let created = invited(&ada, "newcomer@example.com", "admin").await;
    assert_eq!(created.token.len(), 43);
    assert_eq!(created.path, format!("/invite/{}", created.token));
    assert_eq!(created.invitation.role, Role::Admin);
    let overview = ada.overview().await;
    assert_eq!(overview.invitations.len(), 1);
    assert_eq!(
        overview.invitations[0].invited_by_email.as_deref(),
        Some("ada@example.com")
    );

    // The page renders on the server for the link's holder.
    let page = app.get(&created.path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Org of ada@example.com"), "{html}");
    assert!(html.contains("newcomer@example.com"));

    let newcomer = Browser::new(&app);
    match newcomer.preview(&created.token).await {
        InvitationPreview::Open {
            email,
            role,
            account_exists,
            signed_in_as_invitee,
            ..
        } => {
            assert_eq!(email, "newcomer@example.com");
            assert_eq!(role, Role::Admin);
            assert!(!account_exists && !signed_in_as_invitee);
        }
        other => panic!("an open invitation, got {other:?}"),
    }

    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    assert!(matches!(
        newcomer
            .accept(&created.token, "too short", "too short")
            .await,
        AcceptOutcome::Rejected { .. }
    ));
    assert!(matches!(
        newcomer
            .accept(&created.token, NEW_PASSWORD, "something else entirely")
            .await,
        AcceptOutcome::Rejected { .. }
    ));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);
    assert!(newcomer.current_user().await.is_none());

    assert_eq!(
        newcomer
            .accept(&created.token, NEW_PASSWORD, NEW_PASSWORD)
            .await,
        AcceptOutcome::Joined
    );
    let me = newcomer.current_user().await.expect("signed in");
    assert_eq!(me.email, "newcomer@example.com");
    assert_eq!((me.org.id, me.org.role), (owner.org.org_id, Role::Admin));

    let overview = ada.overview().await;
    assert_eq!(
        role_of(&overview, "newcomer@example.com"),
        Some(Role::Admin)
    );
    assert!(overview.invitations.is_empty(), "accepted: no longer open");
    assert_eq!(audited(&app, "member.invited").await, 1);
    assert_eq!(audited(&app, "invitation.accepted").await, 1);

    // The token is nowhere in the database: not as a column, not in the audit trail.
    let events = audit_event::Entity::find().all(&app.db).await.unwrap();
    assert!(
        events
            .iter()
            .all(|e| !e.data.to_string().contains(&created.token))
    );
    let stored = invitation::Entity::find().all(&app.db).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|i| i.token_hash != created.token.as_bytes()
                && !String::from_utf8_lossy(&i.token_hash).contains(&created.token))
    );
}

#[tokio::test]
async fn an_existing_user_joins_with_their_password_or_in_one_click_when_signed_in() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    app.create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    app.create_owner("cyd@example.com", PASSWORD, Plan::Business)
        .await;

    let for_bob = invited(&ada, "BOB@example.com", "viewer").await;
    let bob = Browser::new(&app);
    assert!(matches!(
        bob.preview(&for_bob.token).await,
        InvitationPreview::Open {
            account_exists: true,
            signed_in_as_invitee: false,
            ..
        }
    ));
    assert_eq!(
        bob.accept(&for_bob.token, "not bob's password at all", "")
            .await,
        AcceptOutcome::InvalidCredentials
    );
    assert_eq!(
        bob.accept(&for_bob.token, PASSWORD, "").await,
        AcceptOutcome::Joined
    );
    let me = bob.current_user().await.expect("signed in");
    assert_eq!((me.org.id, me.org.role), (owner.org.org_id, Role::Viewer));
    assert_eq!(me.other_orgs.len(), 1, "Bob keeps his own organization");

    let for_cyd = invited(&ada, "cyd@example.com", "member").await;
    let cyd = Browser::new(&app);
    cyd.login("cyd@example.com", PASSWORD).await;
    assert!(matches!(
        cyd.preview(&for_cyd.token).await,
        InvitationPreview::Open {
            signed_in_as_invitee: true,
            ..
        }
    ));
    assert_eq!(
        cyd.accept(&for_cyd.token, "", "").await,
        AcceptOutcome::Joined
    );
    let me = cyd.current_user().await.expect("still signed in");
    assert_eq!((me.org.id, me.org.role), (owner.org.org_id, Role::Member));
}

#[tokio::test]
async fn a_session_past_its_absolute_lifetime_cannot_accept_an_invitation_in_one_click() {
    let app = spawn_app_with(&[("KEYWARD_SESSION_ABSOLUTE_SECONDS", "2")]).await;
    let (_, ada) = ada(&app).await;
    app.create_owner("cyd@example.com", PASSWORD, Plan::Business)
        .await;
    let for_cyd = invited(&ada, "cyd@example.com", "member").await;
    let cyd = Browser::new(&app);
    cyd.login("cyd@example.com", PASSWORD).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(matches!(
        cyd.preview(&for_cyd.token).await,
        InvitationPreview::Open {
            signed_in_as_invitee: false,
            ..
        }
    ));
    assert_eq!(
        cyd.accept(&for_cyd.token, "", "").await,
        AcceptOutcome::InvalidCredentials,
        "the stale session proves nothing: Cyd must give her password"
    );
    assert_eq!(
        cyd.accept(&for_cyd.token, PASSWORD, "").await,
        AcceptOutcome::Joined
    );
}

#[tokio::test]
async fn an_invitation_works_once_and_never_after_it_expires_or_is_revoked() {
    let app = spawn_app().await;
    let (_, ada) = ada(&app).await;

    let once = invited(&ada, "once@example.com", "member").await;
    let first = Browser::new(&app);
    assert_eq!(
        first.accept(&once.token, NEW_PASSWORD, NEW_PASSWORD).await,
        AcceptOutcome::Joined
    );
    let second = Browser::new(&app);
    assert_eq!(second.preview(&once.token).await, InvitationPreview::Used);
    assert!(matches!(
        second.accept(&once.token, NEW_PASSWORD, NEW_PASSWORD).await,
        AcceptOutcome::NoLongerValid { message } if message.contains("already been used")
    ));
    assert!(second.current_user().await.is_none());

    let late = invited(&ada, "late@example.com", "member").await;
    let now = Utc::now();
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::CreatedAt,
            Expr::value(now - Duration::days(8)),
        )
        .col_expr(
            invitation::Column::ExpiresAt,
            Expr::value(now - Duration::seconds(1)),
        )
        .filter(invitation::Column::Id.eq(late.invitation.id))
        .exec(&app.db)
        .await
        .unwrap();
    let latecomer = Browser::new(&app);
    assert_eq!(
        latecomer.preview(&late.token).await,
        InvitationPreview::Expired
    );
    assert!(matches!(
        latecomer.accept(&late.token, NEW_PASSWORD, NEW_PASSWORD).await,
        AcceptOutcome::NoLongerValid { message } if message.contains("expired")
    ));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'late@example.com'")
            .await,
        0,
        "a refused acceptance writes nothing"
    );

    let withdrawn = invited(&ada, "withdrawn@example.com", "viewer").await;
    let revoked = ada
        .post_form(
            "/api/revoke_invitation",
            &[("id", &withdrawn.invitation.id.to_string())],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(audited(&app, "invitation.revoked").await, 1);
    assert_eq!(
        latecomer.preview(&withdrawn.token).await,
        InvitationPreview::Revoked
    );
    assert!(matches!(
        latecomer
            .accept(&withdrawn.token, NEW_PASSWORD, NEW_PASSWORD)
            .await,
        AcceptOutcome::NoLongerValid { .. }
    ));
    let again = ada
        .post_form(
            "/api/revoke_invitation",
            &[("id", &withdrawn.invitation.id.to_string())],
        )
        .await;
    assert_eq!(again.status(), 404, "only open invitations can be revoked");

    assert_eq!(
        latecomer.preview("not-a-token").await,
        InvitationPreview::Unknown
    );
    assert_eq!(
        latecomer.preview(&"A".repeat(43)).await,
        InvitationPreview::Unknown
    );
    assert_eq!(audited(&app, "invitation.accepted").await, 1);
}

#[tokio::test]
async fn two_people_racing_with_one_link_cannot_both_join() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    let link = invited(&ada, "race@example.com", "member").await;
    let (one, two) = (Browser::new(&app), Browser::new(&app));
    let (a, b) = tokio::join!(
        one.accept_response(&link.token, NEW_PASSWORD, NEW_PASSWORD),
        two.accept_response(&link.token, NEW_PASSWORD, NEW_PASSWORD),
    );
    let mut outcomes = Vec::new();
    for response in [a, b] {
        outcomes.push((response.status().as_u16(), response.text().await.unwrap()));
    }
    let joined = outcomes
        .iter()
        .filter(|(status, body)| *status == 200 && body == "\"Joined\"")
        .count();
    assert_eq!(joined, 1, "exactly one acceptance wins: {outcomes:?}");
    assert_eq!(members_of(&app, &owner, None).await, 2);
    assert_eq!(audited(&app, "invitation.accepted").await, 1);
}

#[tokio::test]
async fn an_admin_manages_admins_members_and_viewers_but_never_an_owner() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    add_member(&app, &owner, "adam@example.com", Role::Admin).await;
    let vic = add_member(&app, &owner, "vic@example.com", Role::Viewer).await;
    let owner_invite = invited(&ada, "future-owner@example.com", "owner").await;

    let adam = Browser::new(&app);
    adam.sign_into("adam@example.com", &owner).await;
    assert_eq!(
        adam.change_role(owner.org.owner_id, "member")
            .await
            .status(),
        403
    );
    assert_eq!(adam.remove(owner.org.owner_id).await.status(), 403);
    assert_eq!(adam.change_role(vic, "owner").await.status(), 403);
    assert_eq!(
        adam.invite("another-owner@example.com", "owner")
            .await
            .status(),
        403
    );
    assert_eq!(
        adam.post_form(
            "/api/revoke_invitation",
            &[("id", &owner_invite.invitation.id.to_string())]
        )
        .await
        .status(),
        403
    );

    // What Admins may do, they can.
    assert_eq!(adam.change_role(vic, "member").await.status(), 200);
    assert_eq!(
        invited(&adam, "helper@example.com", "admin")
            .await
            .invitation
            .role,
        Role::Admin
    );

    let overview = ada.overview().await;
    assert_eq!(role_of(&overview, "ada@example.com"), Some(Role::Owner));
    assert_eq!(role_of(&overview, "vic@example.com"), Some(Role::Member));
    assert_eq!(overview.invitations.len(), 2);
    assert_eq!(audited(&app, "member.role_changed").await, 1);
}

#[tokio::test]
async fn the_last_owner_stays_even_when_two_owners_demote_each_other_at_once() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    let me = owner.org.owner_id;
    let refused = ada.change_role(me, "admin").await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("at least one Owner"));
    assert_eq!(ada.remove(me).await.status(), 409);

    let bob_id = add_member(&app, &owner, "bob@example.com", Role::Owner).await;
    let bob = Browser::new(&app);
    bob.sign_into("bob@example.com", &owner).await;
    let (a, b) = tokio::join!(
        ada.change_role(bob_id, "admin"),
        bob.change_role(me, "admin")
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "one demotion wins: {statuses:?}"
    );
    assert_eq!(members_of(&app, &owner, Some(Role::Owner)).await, 1);
}

#[tokio::test]
async fn removing_a_member_ends_their_session_at_once_and_their_keys_stop_working() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    let mia_id = add_member(&app, &owner, "mia@example.com", Role::Admin).await;
    let mia = Browser::new(&app);
    mia.sign_into("mia@example.com", &owner).await;
    let key = app
        .secret(owner.org.org_id, mia_id, Mode::Test, &[Scope::All])
        .await;
    let whoami = app
        .v1(Method::GET, "/whoami", Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 200);
    let sessions_before = session::Entity::find()
        .filter(session::Column::UserId.eq(mia_id))
        .filter(session::Column::OrgId.eq(owner.org.org_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions_before, 1, "Mia is signed in to Ada's organization");

    assert_eq!(ada.remove(mia_id).await.status(), 200);
    let sessions_left = session::Entity::find()
        .filter(session::Column::UserId.eq(mia_id))
        .filter(session::Column::OrgId.eq(owner.org.org_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions_left, 0);
    assert!(
        mia.current_user().await.is_none(),
        "her next request is anonymous"
    );
    let page = mia
        .client
        .get(format!("{}/settings/members", mia.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(mia.invite("x@example.com", "viewer").await.status(), 401);

    let whoami = app
        .v1(Method::GET, "/whoami", Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 401);
    let listing: KeyListing = ada
        .post_json("/api/key_listing", json!({ "query": {} }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listing.rows.len(), 1);
    assert_eq!(listing.rows[0].key.status, KeyStatus::Revoked);
    assert_eq!(audited(&app, "api_key.revoked").await, 1, "audited per key");

    assert_eq!(role_of(&ada.overview().await, "mia@example.com"), None);
    assert_eq!(audited(&app, "member.removed").await, 1);
    assert_eq!(ada.remove(mia_id).await.status(), 404, "already gone");

    // Back in the organization, Mia's old key stays revoked.
    membership::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        org_id: sea_orm::ActiveValue::Set(owner.org.org_id),
        user_id: sea_orm::ActiveValue::Set(mia_id),
        role: sea_orm::ActiveValue::Set(Role::Admin),
        created_at: sea_orm::ActiveValue::Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let whoami = app
        .v1(Method::GET, "/whoami", Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(whoami.status(), 401, "re-adding a member revives nothing");
}

#[tokio::test]
async fn viewers_and_members_read_the_list_but_every_change_is_refused() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    let vic = add_member(&app, &owner, "vic@example.com", Role::Viewer).await;
    let max = add_member(&app, &owner, "max@example.com", Role::Member).await;
    let pending = invited(&ada, "pending@example.com", "viewer").await;
    let memberships = app.count("SELECT COUNT(*) FROM memberships").await;

    for (email, other) in [("vic@example.com", max), ("max@example.com", vic)] {
        let reader = Browser::new(&app);
        reader.sign_into(email, &owner).await;
        let overview = reader.overview().await;
        assert_eq!(overview.members.len(), 3, "{email} sees the members");
        assert!(overview.invitations.is_empty(), "but not the invitations");

        assert_eq!(
            reader.invite("new@example.com", "viewer").await.status(),
            403
        );
        assert_eq!(reader.change_role(other, "viewer").await.status(), 403);
        assert_eq!(
            reader
                .change_role(owner.org.owner_id, "viewer")
                .await
                .status(),
            403
        );
        assert_eq!(reader.remove(other).await.status(), 403);
        assert_eq!(
            reader
                .post_form(
                    "/api/revoke_invitation",
                    &[("id", &pending.invitation.id.to_string())]
                )
                .await
                .status(),
            403
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships").await,
        memberships
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invitations WHERE revoked_at IS NULL")
            .await,
        1
    );
    for action in [
        "member.role_changed",
        "member.removed",
        "invitation.revoked",
    ] {
        assert_eq!(audited(&app, action).await, 0, "{action}");
    }
    assert_eq!(audited(&app, "member.invited").await, 1);
}

#[tokio::test]
async fn bad_input_is_a_clear_422_and_writes_nothing() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    let vic = add_member(&app, &owner, "vic@example.com", Role::Viewer).await;

    let bad_email = ada.invite("not an e-mail", "member").await;
    assert_eq!(bad_email.status(), 422);
    assert!(bad_email.text().await.unwrap().contains("valid e-mail"));
    assert_eq!(ada.invite("x@example.com", "superuser").await.status(), 422);
    assert_eq!(
        ada.post_json(
            "/api/invite_member",
            json!({ "form": { "email": "x@example.com" } })
        )
        .await
        .status(),
        422
    );
    assert_eq!(ada.change_role(vic, "superuser").await.status(), 422);
    assert_eq!(
        ada.post_form(
            "/api/change_member_role",
            &[("user_id", "not-a-uuid"), ("role", "admin")]
        )
        .await
        .status(),
        422
    );
    assert_eq!(
        ada.post_form("/api/remove_member", &[("user_id", "not-a-uuid")])
            .await
            .status(),
        422
    );
    assert_eq!(
        ada.invite("vic@example.com", "member").await.status(),
        409,
        "already a member"
    );
    invited(&ada, "twice@example.com", "member").await;
    assert_eq!(
        ada.invite("twice@example.com", "member").await.status(),
        409,
        "already invited"
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1);
    assert_eq!(audited(&app, "member.invited").await, 1);
    assert_eq!(
        role_of(&ada.overview().await, "vic@example.com"),
        Some(Role::Viewer)
    );
    assert_eq!(audited(&app, "member.role_changed").await, 0);
}

#[tokio::test]
async fn an_over_long_password_at_an_invitation_is_a_wrong_password_without_argon2_work() {
    let app = spawn_app().await;
    let (_, ada) = ada(&app).await;
    app.create_owner("bob@example.com", PASSWORD, Plan::Business)
        .await;
    let for_bob = invited(&ada, "bob@example.com", "viewer").await;
    let bob = Browser::new(&app);

    let before = app.passwords.verifications();
    assert_eq!(
        bob.accept(&for_bob.token, "not bob's password at all", "")
            .await,
        AcceptOutcome::InvalidCredentials
    );
    assert_eq!(app.passwords.verifications(), before + 1);
    assert_eq!(
        bob.accept(&for_bob.token, &"p".repeat(1025), "").await,
        AcceptOutcome::InvalidCredentials
    );
    assert_eq!(app.passwords.verifications(), before + 1, "no argon2 run");
}

#[tokio::test]
async fn every_invitation_accept_spends_the_address_sign_in_allowance_first() {
    let app = spawn_app_with(&[("KEYWARD_LOGIN_ATTEMPTS_PER_IP", "3")]).await;
    let (_, ada) = ada(&app).await;
    let for_new = invited(&ada, "newcomer@example.com", "member").await;
    let stranger = Browser::new(&app);
    // Ada's sign-in spent one attempt of 127.0.0.1's three.
    let dead = "A".repeat(for_new.token.len());
    for _ in 0..2 {
        assert!(matches!(
            stranger.accept(&dead, NEW_PASSWORD, NEW_PASSWORD).await,
            AcceptOutcome::NoLongerValid { .. }
        ));
    }
    assert!(matches!(
        stranger
            .accept(&for_new.token, NEW_PASSWORD, NEW_PASSWORD)
            .await,
        AcceptOutcome::Throttled { .. }
    ));
    let open = invitation::Entity::find()
        .filter(invitation::Column::AcceptedAt.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(open, 1, "the throttled accept consumed nothing");
}
