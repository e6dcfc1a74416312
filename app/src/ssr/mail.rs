//! Outgoing e-mail: invitation links, sent through SMTP when `KEYWARD_SMTP_URL` is set.
//! With a mail server the inviter never sees the link, so only the owner of the mailbox
//! can choose the new account's password.

use std::{net::IpAddr, time::Duration};

use chrono::{DateTime, Utc};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use crate::model::Role;

/// How long one delivery may take before the inviter is told it failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Checked mail settings: what `KEYWARD_SMTP_URL`, `KEYWARD_SMTP_FROM` and
/// `KEYWARD_PUBLIC_URL` say, refused at start-up when they cannot work.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// May hold the SMTP password.
    url: SecretString,
    from: Mailbox,
    public_url: Url,
}

#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    #[error("KEYWARD_SMTP_URL is set, so {0} must be set too (links in e-mails are absolute)")]
    Missing(&'static str),
    #[error("KEYWARD_SMTP_URL is invalid: {0}")]
    Url(String),
    #[error("KEYWARD_SMTP_FROM is not an e-mail address (`Name <address>` or `address`)")]
    From,
}

impl MailSettings {
    /// Plain `smtp://` (no TLS) is accepted only towards a relay on this machine: anything
    /// further away must use `smtps://` or `smtp://…?tls=required`, since the mail carries
    /// a link that claims an account.
    pub fn parse(
        url: &SecretString,
        from: Option<&str>,
        public_url: Option<&Url>,
    ) -> Result<Self, MailSettingsError> {
        let from = from
            .ok_or(MailSettingsError::Missing("KEYWARD_SMTP_FROM"))?
            .parse::<Mailbox>()
            .map_err(|_| MailSettingsError::From)?;
        let public_url = public_url
            .ok_or(MailSettingsError::Missing("KEYWARD_PUBLIC_URL"))?
            .clone();
        // The parse error names the position, never the text: it may hold the password.
        let parsed = Url::parse(url.expose_secret())
            .map_err(|err| MailSettingsError::Url(format!("not a URL ({err})")))?;
        let requires_tls = parsed
            .query_pairs()
            .any(|(name, value)| name == "tls" && value == "required");
        match parsed.scheme() {
            "smtps" => {}
            "smtp" if requires_tls || is_loopback(&parsed) => {}
            "smtp" => {
                return Err(MailSettingsError::Url(
                    "plain smtp:// is only for a relay on this machine: use smtps:// or add ?tls=required"
                        .to_owned(),
                ));
            }
            other => {
                return Err(MailSettingsError::Url(format!(
                    "the scheme is `{other}`, expected smtps or smtp"
                )));
            }
        }
        if parsed.host().is_none() {
            return Err(MailSettingsError::Url("no host".to_owned()));
        }
        Ok(MailSettings {
            url: url.clone(),
            from,
            public_url,
        })
    }

    pub fn public_url(&self) -> &Url {
        &self.public_url
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        // `smtp` is not a special scheme to the URL parser: its hosts stay text, IP
        // addresses included.
        Some(Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The settings were checked at start-up; building the transport can still fail on
    /// what only lettre checks.
    #[error("the SMTP settings cannot be used: {0}")]
    Setup(String),
    #[error("{0} is not an address mail can be sent to")]
    Recipient(String),
    #[error("the message could not be built: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("the mail server refused the message or did not answer: {0}")]
    Delivery(#[from] lettre::transport::smtp::Error),
}

/// Sends mail through the configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: Url,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .field("public_url", &self.public_url.as_str())
            .finish_non_exhaustive()
    }
}

/// What an invitation e-mail says.
pub struct InvitationLetter<'a> {
    pub to: &'a str,
    pub org_name: &'a str,
    pub inviter: &'a str,
    pub role: Role,
    pub path: &'a str,
    pub expires_at: DateTime<Utc>,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose_secret())
                .map_err(|err| MailError::Setup(err.to_string()))?
                .timeout(Some(SEND_TIMEOUT))
                .build();
        Ok(Mailer {
            transport,
            from: settings.from.clone(),
            public_url: settings.public_url.clone(),
        })
    }

    /// `path` on the public origin.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// Checked before anything is written, so a bad address is a 422, not a half-sent
    /// invitation.
    pub fn recipient(to: &str) -> Result<Mailbox, MailError> {
        to.parse::<Mailbox>()
            .map_err(|_| MailError::Recipient(to.to_owned()))
    }

    pub async fn send_invitation(&self, letter: InvitationLetter<'_>) -> Result<(), MailError> {
        let link = self.absolute(letter.path);
        let body = format!(
            "{inviter} invited you to join {org} on Keyward as {role}.\n\n\
             Open this link to accept. It works once, until {expires}:\n\n\
             {link}\n\n\
             If you did not expect this invitation, ignore this e-mail:\n\
             nothing happens unless the link is opened.\n",
            inviter = letter.inviter,
            org = letter.org_name,
            role = letter.role.label(),
            expires = letter.expires_at.format("%b %-d, %Y %H:%M UTC"),
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(Self::recipient(letter.to)?)
            .subject(format!("You are invited to {} on Keyward", letter.org_name))
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str, from: Option<&str>, public: Option<&str>) -> Result<MailSettings, String> {
        let public = public.map(|p| Url::parse(p).unwrap());
        MailSettings::parse(&SecretString::from(url), from, public.as_ref())
            .map_err(|err| err.to_string())
    }

    const FROM: Option<&str> = Some("Keyward <keyward@example.com>");
    const PUBLIC: Option<&str> = Some("https://keys.example.com");

    #[test]
    fn mail_needs_a_sender_and_a_public_url() {
        assert!(
            parse("smtps://mail.example.com", None, PUBLIC)
                .unwrap_err()
                .contains("KEYWARD_SMTP_FROM")
        );
        assert!(
            parse("smtps://mail.example.com", FROM, None)
                .unwrap_err()
                .contains("KEYWARD_PUBLIC_URL")
        );
        assert!(parse("smtps://mail.example.com", Some("not an address"), PUBLIC).is_err());
        assert!(parse("smtps://mail.example.com", FROM, PUBLIC).is_ok());
    }

    #[test]
    fn unencrypted_smtp_is_only_for_a_relay_on_this_machine() {
        for local in [
            "smtp://127.0.0.1:2525",
            "smtp://localhost",
            "smtp://[::1]:25",
        ] {
            assert!(parse(local, FROM, PUBLIC).is_ok(), "{local}");
        }
        assert!(parse("smtp://mail.example.com:587", FROM, PUBLIC).is_err());
        assert!(parse("smtp://mail.example.com:587?tls=required", FROM, PUBLIC).is_ok());
        assert!(
            parse(
                "smtp://mail.example.com:587?tls=opportunistic",
                FROM,
                PUBLIC
            )
            .is_err()
        );
        assert!(parse("http://mail.example.com", FROM, PUBLIC).is_err());
    }

    #[test]
    fn errors_and_debug_output_never_show_the_smtp_password() {
        let bad = parse("smtp://user:hunter2-secret@mail.example.com", FROM, PUBLIC).unwrap_err();
        assert!(!bad.contains("hunter2-secret"), "{bad}");
        let settings = parse("smtps://user:hunter2-secret@mail.example.com", FROM, PUBLIC).unwrap();
        assert!(!format!("{settings:?}").contains("hunter2-secret"));
        let mailer = Mailer::new(&settings).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2-secret"));
    }

    #[test]
    fn recipients_are_checked_the_way_the_mail_server_would() {
        assert!(Mailer::recipient("ada@example.com").is_ok());
        // Plausible to `validate_email`, not deliverable: refused before anything is written.
        assert!(Mailer::recipient("ada@example..com").is_err());
    }

    #[test]
    fn links_are_absolute_on_the_public_origin() {
        let settings = parse(
            "smtps://mail.example.com",
            FROM,
            Some("https://keys.example.com/"),
        )
        .unwrap();
        let mailer = Mailer::new(&settings).unwrap();
        assert_eq!(
            mailer.absolute("/invite/abc"),
            "https://keys.example.com/invite/abc"
        );
    }
}
