//! Invitation links: issue, preview, accept (new and existing users), single use,
//! expiry, revocation and the sign-in allowance.

use super::*;

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
