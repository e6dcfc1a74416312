//! Invitations with a mail server: the link goes to the invitee's mailbox only, and an
//! e-mail that cannot be sent leaves no open invitation behind.

use super::*;
use crate::{
    cli::{run_cli_with, stderr, stdout},
    smtp_sink::{SmtpSink, unanswered_smtp_url},
};

const PUBLIC_URL: &str = "http://keyward.test";
const FROM: &str = "Keyward <keyward@example.com>";

fn mail_settings(smtp_url: &str) -> [(&'static str, String); 3] {
    [
        ("KEYWARD_SMTP_URL", smtp_url.to_owned()),
        ("KEYWARD_SMTP_FROM", FROM.to_owned()),
        ("KEYWARD_PUBLIC_URL", PUBLIC_URL.to_owned()),
    ]
}

async fn spawn_app_mailing_to(smtp_url: &str) -> TestApp {
    let settings = mail_settings(smtp_url);
    let overrides: Vec<(&str, &str)> = settings
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    spawn_app_with(&overrides).await
}

/// Ada signed in through the public URL (the origin the CSRF check then expects).
async fn ada_on_the_public_url(app: &TestApp) -> (Owner, Browser) {
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let browser = Browser::at_origin(app, PUBLIC_URL);
    browser.login("ada@example.com", PASSWORD).await;
    (owner, browser)
}

/// The token of the one invitation link in `text`, which must be on the public URL.
fn link_token(text: &str) -> String {
    let prefix = format!("{PUBLIC_URL}/invite/");
    let start = text.find(&prefix).expect("the mail holds an absolute link") + prefix.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

#[tokio::test]
async fn with_a_mail_server_the_link_reaches_the_invitee_only_and_works_from_the_mail() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink.url()).await;
    let (_owner, ada) = ada_on_the_public_url(&app).await;
    assert!(ada.overview().await.invitations_emailed);

    let response = ada.invite("newcomer@example.com", "member").await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let created: CreatedInvitation = serde_json::from_str(&body).unwrap();
    assert_eq!(created.link, None, "the inviter is not given the link");
    assert!(!body.contains("/invite/"), "{body}");

    let mails = sink.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["newcomer@example.com".to_owned()]);
    assert_eq!(mails[0].from, "keyward@example.com");
    assert!(
        mails[0]
            .text
            .contains("You are invited to Org of ada@example.com")
    );
    let token = link_token(&mails[0].text);
    assert_eq!(token.len(), 43);
    let events = audit_event::Entity::find().all(&app.db).await.unwrap();
    assert!(events.iter().all(|e| !e.data.to_string().contains(&token)));
    let invited = events
        .iter()
        .find(|e| e.action == "member.invited")
        .expect("audited");
    assert_eq!(invited.data["delivery"], "email");

    let newcomer = Browser::at_origin(&app, PUBLIC_URL);
    assert_eq!(
        newcomer.accept(&token, NEW_PASSWORD, NEW_PASSWORD).await,
        AcceptOutcome::Joined
    );
    assert_eq!(
        role_of(&ada.overview().await, "newcomer@example.com"),
        Some(Role::Member)
    );
}

#[tokio::test]
async fn when_the_mail_server_does_not_answer_the_invitation_is_withdrawn_and_the_inviter_told() {
    let app = spawn_app_mailing_to(&unanswered_smtp_url().await).await;
    let (_owner, ada) = ada_on_the_public_url(&app).await;

    for attempt in 1..=2 {
        let response = ada.invite("newcomer@example.com", "member").await;
        assert_eq!(response.status(), 502, "attempt {attempt}");
        let body = response.text().await.unwrap();
        assert!(body.contains("could not be sent"), "{body}");
        assert!(!body.contains("/invite/"), "{body}");
    }
    assert!(ada.overview().await.invitations.is_empty());
    let open = invitation::Entity::find()
        .filter(invitation::Column::RevokedAt.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(open, 0, "no link that was never delivered stays open");
    let withdrawn = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("invitation.revoked"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(withdrawn.len(), 2);
    assert!(
        withdrawn
            .iter()
            .all(|e| e.data["reason"] == "email_not_sent")
    );
}

#[tokio::test]
async fn an_address_the_mail_server_cannot_take_is_refused_before_anything_is_written() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink.url()).await;
    let (_owner, ada) = ada_on_the_public_url(&app).await;
    let invitations = app.count("SELECT COUNT(*) FROM invitations").await;

    // Plausible to our e-mail check, refused by lettre's (an empty domain label).
    let response = ada.invite("newcomer@example..com", "member").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("can be e-mailed to"), "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invitations").await,
        invitations
    );
    assert!(sink.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_emails_an_invitation_when_a_mail_server_is_set_and_prints_the_link_otherwise() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let owner = app
        .create_owner("ada@example.com", PASSWORD, Plan::Business)
        .await;
    let database = app.shared_database();
    let args = [
        "admin",
        "invite",
        "--org",
        owner.org.slug.as_str(),
        "--email",
        "newcomer@example.com",
        "--role",
        "viewer",
    ];

    let mailed = tokio::task::spawn_blocking({
        let database = database.clone();
        let args = args.map(str::to_owned);
        let settings = mail_settings(&sink.url());
        move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> = settings.iter().map(|(n, v)| (*n, v.as_str())).collect();
            run_cli_with(&database, &args, "", &env)
        }
    })
    .await
    .unwrap();
    assert!(mailed.status.success(), "{}", stderr(&mailed));
    assert_eq!(
        stdout(&mailed).trim(),
        "invitation e-mailed to newcomer@example.com"
    );
    let mails = sink.received();
    assert_eq!(mails.len(), 1);
    let token = link_token(&mails[0].text);

    let printed = run_cli_with(
        &database,
        &[
            "admin",
            "invite",
            "--org",
            &owner.org.slug,
            "--email",
            "other@example.com",
            "--role",
            "viewer",
        ],
        "",
        &[],
    );
    assert!(printed.status.success(), "{}", stderr(&printed));
    assert!(stderr(&printed).contains("can claim the account"));
    let link = stdout(&printed);
    assert!(link.trim().contains("/invite/"), "{link}");

    let newcomer = Browser::new(&app);
    assert_eq!(
        newcomer.accept(&token, NEW_PASSWORD, NEW_PASSWORD).await,
        AcceptOutcome::Joined
    );
}
