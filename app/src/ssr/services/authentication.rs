//! Password sign-in: throttle, bounded inputs, constant-work verification and the
//! audit trail.

use std::{net::IpAddr, time::Duration};

use sea_orm::{DatabaseConnection, DbErr};
use secrecy::SecretString;
use serde_json::json;

use super::{
    accounts,
    audit::{Actor, AuditLog, NewAuditEvent, action},
};
use crate::ssr::{
    auth::password::{MAX_PASSWORD_CHARS, PasswordError},
    entities::user,
    services::onboarding::MAX_EMAIL_CHARS,
    state::AppState,
};

#[derive(Debug)]
pub enum Authentication {
    Authenticated {
        user: user::Model,
        org_id: uuid::Uuid,
    },
    InvalidCredentials,
    Throttled {
        retry_after: Duration,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AuthenticationError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// Checks an e-mail and password. Unknown e-mails and wrong passwords give the same
/// answer after the same work (a dummy verify), so neither timing nor wording tells
/// whether an account exists.
///
/// Order matters: the address's allowance is spent first, so a flood costs nothing
/// more; inputs longer than any account could have (the limits setup enforces) are
/// then refused with the wrong-password answer and no argon2 work, since hashing an
/// unbounded input is the costliest thing an anonymous client can ask for.
pub async fn authenticate(
    state: &AppState,
    email: &str,
    password: String,
    ip: Option<IpAddr>,
) -> Result<Authentication, AuthenticationError> {
    let audit_log = &state.audit;
    if let Err(retry_after) = state.login_throttle.attempt_from(ip) {
        tracing::warn!(?ip, "sign-in throttled: address");
        return Ok(Authentication::Throttled { retry_after });
    }
    let email = accounts::normalize_email(email);
    if email.chars().count() > MAX_EMAIL_CHARS {
        // No such account can exist, and the e-mail must not become a throttle key.
        tracing::info!(?ip, "sign-in failed: over-long e-mail");
        return Ok(Authentication::InvalidCredentials);
    }
    if let Err(retry_after) = state.login_throttle.attempt_on(&email) {
        tracing::warn!(?ip, "sign-in throttled: account");
        return Ok(Authentication::Throttled { retry_after });
    }
    let user = accounts::find_user_by_email(&state.db, &email).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    // Longer than setup accepts, so no stored password can match: no argon2 run. The
    // account is still looked up, so a real one gets its failed attempt audited.
    let verified = if password.chars().count() > MAX_PASSWORD_CHARS {
        false
    } else {
        state
            .passwords
            .verify(SecretString::from(password), stored_hash)
            .await?
    };

    let Some(user) = user else {
        tracing::info!(?ip, "sign-in failed: unknown e-mail");
        return Ok(Authentication::InvalidCredentials);
    };
    if !verified {
        tracing::info!(user_id = %user.id, ?ip, "sign-in failed: wrong password");
        // Audited off the response path, so a wrong password for a real account
        // answers as fast as an unknown e-mail (no enumeration by timing).
        let (db, audit_log) = (state.db.clone(), state.audit.clone());
        state.background.spawn(async move {
            if let Err(err) = audit_failed_sign_in(&db, &audit_log, &user, ip).await {
                tracing::warn!(%err, "could not audit a failed sign-in");
            }
        });
        return Ok(Authentication::InvalidCredentials);
    }
    let organizations = accounts::organizations_of(&state.db, user.id).await?;
    let actor = Actor::User {
        id: user.id,
        email: user.email.clone(),
    };
    let Some((_, org)) = organizations.into_iter().next() else {
        tracing::info!(user_id = %user.id, "sign-in refused: user belongs to no organization");
        return Ok(Authentication::InvalidCredentials);
    };
    audit_log
        .record(
            &state.db,
            NewAuditEvent {
                org_id: Some(org.id),
                scope: None,
                actor,
                action: action::SIGNED_IN,
                target: Some(("user", user.id.to_string())),
                data: json!({}),
                ip,
            },
        )
        .await?;
    Ok(Authentication::Authenticated {
        org_id: org.id,
        user,
    })
}

async fn audit_failed_sign_in(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    user: &user::Model,
    ip: Option<IpAddr>,
) -> Result<(), DbErr> {
    for (_, org) in accounts::organizations_of(db, user.id).await? {
        audit_log
            .record(
                db,
                NewAuditEvent {
                    org_id: Some(org.id),
                    scope: None,
                    actor: Actor::User {
                        id: user.id,
                        email: user.email.clone(),
                    },
                    action: action::SIGN_IN_FAILED,
                    target: Some(("user", user.id.to_string())),
                    data: json!({ "reason": "wrong_password" }),
                    ip,
                },
            )
            .await?;
    }
    Ok(())
}
