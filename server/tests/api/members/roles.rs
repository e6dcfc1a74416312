//! Role changes and removals, with every role's rights.

use super::*;

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
async fn changing_a_members_role_ends_their_sessions_in_that_organization_at_once() {
    let app = spawn_app().await;
    let (owner, ada) = ada(&app).await;
    let mia_id = add_member(&app, &owner, "mia@example.com", Role::Admin).await;
    let mia_here = Browser::new(&app);
    mia_here.sign_into("mia@example.com", &owner).await;
    // Mia also has an organization of her own, open in another browser.
    let mia_at_home = Browser::new(&app);
    mia_at_home.login("mia@example.com", PASSWORD).await;
    let home = mia_at_home.current_user().await.expect("signed in");
    assert_ne!(home.org.id, owner.org.org_id, "her own organization");

    assert_eq!(ada.change_role(mia_id, "viewer").await.status(), 200);
    assert!(
        mia_here.current_user().await.is_none(),
        "her session in Ada's organization ended"
    );
    assert_eq!(
        mia_here.invite("x@example.com", "viewer").await.status(),
        401
    );
    assert_eq!(
        mia_at_home.current_user().await.map(|me| me.org.id),
        Some(home.org.id),
        "her session elsewhere goes on"
    );
    assert!(
        ada.current_user().await.is_some(),
        "the Owner stays signed in"
    );
    let ended: Vec<audit_event::Model> = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("member.role_changed"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].data["sessionsEnded"], json!(1));

    mia_here.sign_into("mia@example.com", &owner).await;
    let me = mia_here.current_user().await.expect("signed in again");
    assert_eq!(me.org.role, Role::Viewer, "she continues with the new role");
    assert_eq!(
        mia_here.invite("x@example.com", "viewer").await.status(),
        403
    );
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
