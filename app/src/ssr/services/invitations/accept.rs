//! Accepting an invitation: a new e-mail chooses a password; an existing user proves
//! who they are (signed in already, or their password), never by holding the link alone.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr,
    TransactionTrait, sea_query::Expr,
};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use super::{InvitationError, Lookup, dead_end, look_up, token_hash};
use crate::{
    model::AcceptOutcome,
    ssr::{
        auth::password::MAX_PASSWORD_CHARS,
        entities::{invitation, membership, user},
        key_cache::feed::Invalidator,
        keys::hash::KeyHasher,
        services::{
            accounts,
            audit::{Actor, AuditLog, NewAuditEvent, action},
            onboarding::validate_password,
        },
        state::AppState,
    },
};

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
    audit_log: &AuditLog,
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
        audit_log,
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
// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
async fn consume(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
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
    audit_log
        .record(
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
