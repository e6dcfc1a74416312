//! Invitation links: an Owner or Admin invites an e-mail with a role; the link's
//! token is shown once and only its keyed hash (HMAC under the pepper, as for API
//! keys) is stored. A link works once, for seven days, unless revoked. Accepting
//! consumes it with a conditional update in the same transaction as the membership
//! insert, so two racing accepts cannot both succeed.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, SqlErr, TransactionTrait, sea_query::Expr,
};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use super::{
    accounts,
    audit::{self, Actor, NewAuditEvent, action},
    members::{acting_role, lock_organization},
    onboarding::{OnboardingError, validate_email, validate_password},
};
use crate::ssr::key_cache::feed::Invalidator;
use crate::{
    model::{AcceptOutcome, InvitationRow, Role},
    ssr::{
        auth::password::{MAX_PASSWORD_CHARS, PasswordError},
        entities::{invitation, membership, organization, user},
        keys::{
            format::{SECRET_CHARS, base62_fixed, random_bytes},
            hash::{KEY_HASH_BYTES, KeyHasher},
        },
        state::AppState,
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
}

/// A new invitation and its token (shown once, never stored).
pub struct IssuedInvitation {
    pub invitation: invitation::Model,
    pub token: String,
}

impl std::fmt::Debug for IssuedInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedInvitation")
            .field("invitation", &self.invitation)
            .finish_non_exhaustive()
    }
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

/// Invites `email` into the organization with `role`.
pub async fn invite(
    db: &DatabaseConnection,
    hasher: &KeyHasher,
    org_id: Uuid,
    email: &str,
    role: Role,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<IssuedInvitation, InvitationError> {
    let email = validate_email(email).map_err(from_onboarding)?;
    let token = base62_fixed(&random_bytes::<32>().map_err(|_| InvitationError::Randomness)?);
    let now = Utc::now();

    let txn = db.begin().await?;
    if !lock_organization(&txn, org_id).await? {
        return Err(InvitationError::NotFound);
    }
    let allowed = acting_role(&txn, org_id, &actor)
        .await?
        .is_some_and(|acting| acting.can_manage_members() && acting.can_manage_role(role));
    if !allowed {
        return Err(InvitationError::Forbidden);
    }
    if accounts::member_by_email(&txn, org_id, &email)
        .await?
        .is_some()
    {
        return Err(InvitationError::AlreadyMember(email));
    }
    let open = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org_id))
        .filter(invitation::Column::Email.eq(email.as_str()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(InvitationError::AlreadyInvited(email));
    }
    let invited_by = match &actor {
        Actor::User { id, .. } => Some(*id),
        Actor::ApiKey { .. } | Actor::System { .. } => None,
    };
    let model = invitation::Model {
        id: Uuid::now_v7(),
        org_id,
        email: email.clone(),
        role,
        token_hash: token_hash(hasher, &token).to_vec(),
        invited_by,
        created_at: now,
        expires_at: now + Duration::days(INVITATION_LIFETIME_DAYS),
        accepted_at: None,
        accepted_by: None,
        revoked_at: None,
    };
    invitation::Entity::insert(invitation::ActiveModel {
        id: Set(model.id),
        org_id: Set(model.org_id),
        email: Set(model.email.clone()),
        role: Set(model.role),
        token_hash: Set(model.token_hash.clone()),
        invited_by: Set(model.invited_by),
        created_at: Set(model.created_at),
        expires_at: Set(model.expires_at),
        accepted_at: Set(None),
        accepted_by: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        NewAuditEvent {
            org_id: Some(org_id),
            scope: None,
            actor,
            action: action::MEMBER_INVITED,
            target: Some(("invitation", model.id.to_string())),
            data: json!({
                "email": email,
                "role": role.as_str(),
                "expiresAt": model.expires_at,
            }),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedInvitation {
        invitation: model,
        token,
    })
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
    let revoked = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::Id.eq(invitation.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(InvitationError::NotFound);
    }
    audit::record(
        &txn,
        NewAuditEvent {
            org_id: Some(org_id),
            scope: None,
            actor,
            action: action::INVITATION_REVOKED,
            target: Some(("invitation", invitation.id.to_string())),
            data: json!({ "email": invitation.email, "role": invitation.role.as_str() }),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
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

/// What the invitee typed on the invitation page.
pub struct Credentials {
    pub password: String,
    pub confirmation: String,
}

/// Who the invitee turned out to be.
enum Joiner {
    /// An existing user, who proved it (signed in already, or gave their password).
    Existing(user::Model),
    /// A new user with this (already hashed) password.
    New { id: Uuid, password_hash: String },
}

/// The result of accepting: the outcome, and on success the user and organization to
/// sign the session into.
pub struct Acceptance {
    pub outcome: AcceptOutcome,
    pub joined: Option<(Uuid, Uuid)>,
}

impl From<AcceptOutcome> for Acceptance {
    fn from(outcome: AcceptOutcome) -> Self {
        Acceptance {
            outcome,
            joined: None,
        }
    }
}

/// Accepts the invitation `token`. A new e-mail chooses a password; an existing user
/// proves who they are with theirs (throttled like sign-in), unless `signed_in_as` is
/// already them. Every attempt first spends the address's sign-in allowance: each
/// one may cost an argon2 run, a hash for a new account or a verification.
pub async fn accept(
    state: &AppState,
    token: &str,
    credentials: Credentials,
    signed_in_as: Option<Uuid>,
    ip: Option<IpAddr>,
) -> Result<Acceptance, InvitationError> {
    if let Err(retry_after) = state.login_throttle.attempt_from(ip) {
        tracing::warn!(?ip, "invitation accept throttled: address");
        return Ok(throttled(retry_after));
    }
    let hasher = &state.keys.hasher;
    let lookup = look_up(&state.db, hasher, token, Utc::now()).await?;
    let Lookup::Open(open) = lookup else {
        return Ok(dead_end(&lookup).into());
    };
    let invitation = open.invitation;
    let existing = accounts::find_user_by_email(&state.db, &invitation.email).await?;
    let joiner = match existing {
        Some(user) if signed_in_as == Some(user.id) => Joiner::Existing(user),
        Some(user) => {
            if let Err(retry_after) = state.login_throttle.attempt_on(&user.email) {
                tracing::warn!(?ip, "invitation sign-in throttled: account");
                return Ok(throttled(retry_after));
            }
            // Longer than setup accepts: the wrong-password answer, without argon2.
            let verified = credentials.password.chars().count() <= MAX_PASSWORD_CHARS
                && state
                    .passwords
                    .verify(
                        SecretString::from(credentials.password),
                        Some(user.password_hash.clone()),
                    )
                    .await?;
            if !verified {
                tracing::info!(user_id = %user.id, ?ip, "invitation refused: wrong password");
                return Ok(AcceptOutcome::InvalidCredentials.into());
            }
            Joiner::Existing(user)
        }
        None => {
            if let Err(err) = validate_password(&credentials.password) {
                return Ok(AcceptOutcome::Rejected {
                    message: err.to_string(),
                }
                .into());
            }
            if credentials.password != credentials.confirmation {
                return Ok(AcceptOutcome::Rejected {
                    message: "The passwords do not match.".to_owned(),
                }
                .into());
            }
            // Hash before the transaction: it takes tens of milliseconds.
            let password_hash = state
                .passwords
                .hash(SecretString::from(credentials.password))
                .await?;
            Joiner::New {
                id: Uuid::now_v7(),
                password_hash,
            }
        }
    };
    consume(
        &state.db,
        &state.invalidator,
        hasher,
        token,
        invitation,
        joiner,
        ip,
    )
    .await
}

fn throttled(retry_after: std::time::Duration) -> Acceptance {
    AcceptOutcome::Throttled {
        retry_after_seconds: retry_after.as_secs().max(1),
    }
    .into()
}

/// The transaction: create the user if new, consume the token (only if still open),
/// add the membership, audit. Any refusal rolls all of it back.
async fn consume(
    db: &DatabaseConnection,
    invalidator: &Invalidator,
    hasher: &KeyHasher,
    token: &str,
    invitation: invitation::Model,
    joiner: Joiner,
    ip: Option<IpAddr>,
) -> Result<Acceptance, InvitationError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let user_id = match joiner {
        Joiner::Existing(user) => user.id,
        Joiner::New { id, password_hash } => {
            let inserted = user::Entity::insert(user::ActiveModel {
                id: Set(id),
                email: Set(invitation.email.clone()),
                password_hash: Set(password_hash),
                created_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await;
            match inserted {
                Ok(_) => id,
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    // Someone created this account between the page load and now.
                    return Ok(AcceptOutcome::Rejected {
                        message: "An account with this e-mail now exists: reload the page and sign in with its password.".to_owned(),
                    }
                    .into());
                }
                Err(err) => return Err(err.into()),
            }
        }
    };
    let consumed = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .col_expr(invitation::Column::AcceptedBy, Expr::value(user_id))
        .filter(invitation::Column::TokenHash.eq(token_hash(hasher, token).to_vec()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if consumed.rows_affected != 1 {
        drop(txn);
        let lookup = look_up(db, hasher, token, now).await?;
        return Ok(dead_end(&lookup).into());
    }
    let added = membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(invitation.org_id),
        user_id: Set(user_id),
        role: Set(invitation.role),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await;
    match added {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Ok(AcceptOutcome::Rejected {
                message: "You are already a member of this organization.".to_owned(),
            }
            .into());
        }
        Err(err) => return Err(err.into()),
    }
    audit::record(
        &txn,
        NewAuditEvent {
            org_id: Some(invitation.org_id),
            scope: None,
            actor: Actor::User {
                id: user_id,
                email: invitation.email.clone(),
            },
            action: action::INVITATION_ACCEPTED,
            target: Some(("invitation", invitation.id.to_string())),
            data: json!({ "email": invitation.email, "role": invitation.role.as_str() }),
            ip,
        },
    )
    .await?;
    invalidator.commit(txn, Some(invitation.org_id)).await?;
    Ok(Acceptance {
        outcome: AcceptOutcome::Joined,
        joined: Some((user_id, invitation.org_id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_debug_form_of_a_new_invitation_hides_the_token() {
        let now = Utc::now();
        let issued = IssuedInvitation {
            invitation: invitation::Model {
                id: Uuid::now_v7(),
                org_id: Uuid::now_v7(),
                email: "a@example.com".into(),
                role: Role::Member,
                token_hash: vec![1; 32],
                invited_by: None,
                created_at: now,
                expires_at: now,
                accepted_at: None,
                accepted_by: None,
                revoked_at: None,
            },
            token: "secret-token-value".into(),
        };
        assert!(!format!("{issued:?}").contains("secret-token-value"));
    }
}
