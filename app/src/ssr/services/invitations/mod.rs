//! Invitation links: an Owner or Admin invites an e-mail with a role; the link's
//! token is shown once (or e-mailed to the invitee, [`issue`]) and only its keyed hash
//! (HMAC under the pepper, as for API keys) is stored. A link works once, for seven
//! days, unless revoked. Accepting ([`accept`]) consumes it with a conditional update in
//! the same transaction as the membership insert, so two racing accepts cannot both
//! succeed.

mod accept;
mod issue;

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

pub use self::{
    accept::{Acceptance, Credentials, accept},
    issue::{Delivery, IssuedInvitation, NewInvitation, invite},
};
use super::{
    audit::{Actor, AuditLog, NewAuditEvent, action},
    members::{acting_role, lock_organization},
    onboarding::OnboardingError,
};
use crate::{
    model::{AcceptOutcome, InvitationRow},
    ssr::{
        auth::password::PasswordError,
        entities::{invitation, organization, user},
        keys::{
            format::SECRET_CHARS,
            hash::{KEY_HASH_BYTES, KeyHasher},
        },
        mail::MailError,
    },
};

/// How long a link works.
pub const INVITATION_LIFETIME_DAYS: i64 = 7;

/// Separates invitation hashes from every other use of the pepper.
const HASH_PURPOSE: &str = "invitation-token";

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    /// 422.
    #[error("{0}")]
    Invalid(String),
    /// 403: the acting role may not invite with this role, or revoke this invitation.
    #[error("your role does not allow this")]
    Forbidden,
    /// 409.
    #[error("{0} is already a member of this organization")]
    AlreadyMember(String),
    /// 409.
    #[error("an invitation for {0} is already open: revoke it to send a new one")]
    AlreadyInvited(String),
    /// 404: no such organization or open invitation.
    #[error("no such invitation")]
    NotFound,
    #[error("the operating system's random number generator failed")]
    Randomness,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// 422: the mail server would not take this address (checked before anything is
    /// written).
    #[error("{0} is not an address an invitation can be e-mailed to")]
    Undeliverable(String),
    /// 503: the e-mail could not be sent, so the invitation was withdrawn at once.
    #[error("the invitation e-mail could not be sent")]
    Mail(#[source] MailError),
}

fn token_hash(hasher: &KeyHasher, token: &str) -> [u8; KEY_HASH_BYTES] {
    hasher.derive(HASH_PURPOSE, token.as_bytes())
}

/// A token we could have minted: junk never reaches the database.
fn well_formed(token: &str) -> bool {
    token.len() == SECRET_CHARS && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub fn invitation_path(token: &str) -> String {
    format!("/invite/{token}")
}

fn from_onboarding(err: OnboardingError) -> InvitationError {
    match err {
        OnboardingError::Invalid(message) => InvitationError::Invalid(message),
        OnboardingError::EmailTaken(email) => InvitationError::AlreadyMember(email),
        OnboardingError::Database(err) => InvitationError::Database(err),
        OnboardingError::Password(err) => InvitationError::Password(err),
    }
}

/// Invitations not yet accepted or revoked (expired ones included, so they can be
/// cleaned up), newest first, with the inviting user's e-mail.
pub async fn list_open(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Vec<InvitationRow>, DbErr> {
    let rows = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .order_by_desc(invitation::Column::Id)
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(invitation, inviter)| row(invitation, inviter.map(|user| user.email)))
        .collect())
}

pub fn row(invitation: invitation::Model, invited_by_email: Option<String>) -> InvitationRow {
    InvitationRow {
        id: invitation.id,
        email: invitation.email,
        role: invitation.role,
        invited_by_email,
        created_at: invitation.created_at,
        expires_at: invitation.expires_at,
    }
}

/// Withdraws an open invitation; its link stops working at once.
pub async fn revoke(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    org_id: Uuid,
    invitation_id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), InvitationError> {
    let txn = db.begin().await?;
    if !lock_organization(&txn, org_id).await? {
        return Err(InvitationError::NotFound);
    }
    let Some(acting) = acting_role(&txn, org_id, &actor).await? else {
        return Err(InvitationError::Forbidden);
    };
    if !acting.can_manage_members() {
        return Err(InvitationError::Forbidden);
    }
    let invitation = invitation::Entity::find_by_id(invitation_id)
        .filter(invitation::Column::OrgId.eq(org_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .one(&txn)
        .await?
        .ok_or(InvitationError::NotFound)?;
    if !acting.can_manage_role(invitation.role) {
        return Err(InvitationError::Forbidden);
    }
    if !close_open(&txn, audit_log, &invitation, actor, ip, None).await? {
        return Err(InvitationError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

/// Revokes `invitation` if it is still open, audited (with `reason`, when one is given);
/// `false` when it was accepted or revoked meanwhile (nothing is written then).
async fn close_open(
    txn: &DatabaseTransaction,
    audit_log: &AuditLog,
    invitation: &invitation::Model,
    actor: Actor,
    ip: Option<IpAddr>,
    reason: Option<&str>,
) -> Result<bool, DbErr> {
    let revoked = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::Id.eq(invitation.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    if revoked.rows_affected == 0 {
        return Ok(false);
    }
    let mut data = json!({ "email": invitation.email, "role": invitation.role.as_str() });
    if let Some(reason) = reason {
        data["reason"] = json!(reason);
    }
    audit_log
        .record(
            txn,
            NewAuditEvent {
                org_id: Some(invitation.org_id),
                scope: None,
                actor,
                action: action::INVITATION_REVOKED,
                target: Some(("invitation", invitation.id.to_string())),
                data,
                ip,
            },
        )
        .await?;
    Ok(true)
}

/// An invitation that can still be accepted, with its organization.
#[derive(Debug)]
pub struct OpenInvitation {
    pub invitation: invitation::Model,
    pub org: organization::Model,
}

/// What a token leads to.
#[derive(Debug)]
pub enum Lookup {
    Open(Box<OpenInvitation>),
    Expired,
    Used,
    Revoked,
    Unknown,
}

pub async fn look_up(
    db: &impl ConnectionTrait,
    hasher: &KeyHasher,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Lookup, DbErr> {
    if !well_formed(token) {
        return Ok(Lookup::Unknown);
    }
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash(hasher, token).to_vec()))
        .find_also_related(organization::Entity)
        .one(db)
        .await?;
    Ok(match found {
        None | Some((_, None)) => Lookup::Unknown,
        Some((invitation, _)) if invitation.accepted_at.is_some() => Lookup::Used,
        Some((invitation, _)) if invitation.revoked_at.is_some() => Lookup::Revoked,
        Some((invitation, _)) if invitation.expires_at <= now => Lookup::Expired,
        Some((invitation, Some(org))) => Lookup::Open(Box::new(OpenInvitation { invitation, org })),
    })
}

/// Why a link is dead, as the invitee reads it.
pub fn dead_end(lookup: &Lookup) -> AcceptOutcome {
    let preview = match lookup {
        Lookup::Open(_) | Lookup::Unknown => crate::model::InvitationPreview::Unknown,
        Lookup::Expired => crate::model::InvitationPreview::Expired,
        Lookup::Used => crate::model::InvitationPreview::Used,
        Lookup::Revoked => crate::model::InvitationPreview::Revoked,
    };
    AcceptOutcome::NoLongerValid {
        message: preview
            .dead_end_message()
            .unwrap_or("This invitation link is not valid.")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::ssr::keys::format::{base62_fixed, random_bytes};

    fn hasher() -> KeyHasher {
        KeyHasher::new(&SecretString::from("pepper, long enough to be real"), 1).unwrap()
    }

    #[test]
    fn only_tokens_we_could_have_minted_are_well_formed() {
        let token = base62_fixed(&random_bytes::<32>().unwrap());
        assert!(well_formed(&token));
        assert!(!well_formed(&token[1..]));
        assert!(!well_formed(&format!("{}-", &token[1..])));
        assert!(!well_formed(""));
    }

    #[test]
    fn the_stored_hash_is_keyed_and_never_the_token() {
        let token = base62_fixed(&random_bytes::<32>().unwrap());
        let hash = token_hash(&hasher(), &token);
        assert_ne!(hash.as_slice(), token.as_bytes());
        assert_eq!(hash, token_hash(&hasher(), &token));
        assert_ne!(hash, hasher().hash(&token), "a purpose of its own");
    }
}
