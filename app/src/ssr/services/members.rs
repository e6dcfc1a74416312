//! Adding people to an organization. A new e-mail becomes a user with the given
//! password; an existing user just joins. (Invitations by link come with the Members
//! page; the admin CLI uses this directly.)

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, SqlErr, TransactionTrait};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use super::{
    accounts,
    audit::{self, Actor, NewAuditEvent, action},
    onboarding::{OnboardingError, validate_email, validate_password},
};
use crate::{
    model::Role,
    ssr::{
        auth::password::{PasswordError, PasswordHasher},
        entities::{membership, user},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    /// 422.
    #[error("{0}")]
    Invalid(String),
    /// 409.
    #[error("{0} is already a member of this organization")]
    AlreadyMember(String),
    /// 404: the organization does not exist.
    #[error("no such organization")]
    NoSuchOrganization,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

impl From<OnboardingError> for MemberError {
    fn from(err: OnboardingError) -> Self {
        match err {
            OnboardingError::Invalid(message) => MemberError::Invalid(message),
            OnboardingError::EmailTaken(email) => MemberError::AlreadyMember(email),
            OnboardingError::Database(err) => MemberError::Database(err),
            OnboardingError::Password(err) => MemberError::Password(err),
        }
    }
}

/// Adds `email` to the organization with `role`. `new_password` is required (and
/// used) only when no user has this e-mail yet. Returns the user's id.
#[allow(clippy::too_many_arguments)]
pub async fn add_member(
    db: &DatabaseConnection,
    passwords: &PasswordHasher,
    org_id: Uuid,
    email: &str,
    role: Role,
    new_password: Option<String>,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<Uuid, MemberError> {
    let email = validate_email(email)?;
    let existing = accounts::find_user_by_email(db, &email).await?;
    let new_user = match &existing {
        Some(_) => None,
        None => {
            let password = new_password.ok_or_else(|| {
                MemberError::Invalid("password: required for a new user".to_owned())
            })?;
            validate_password(&password)?;
            // Hash before the transaction: it takes tens of milliseconds.
            Some(passwords.hash(SecretString::from(password)).await?)
        }
    };
    let now = Utc::now();
    let txn = db.begin().await?;
    let user_id = match (existing, new_user) {
        (Some(user), _) => user.id,
        (None, None) => {
            return Err(MemberError::Invalid(
                "password: required for a new user".to_owned(),
            ));
        }
        (None, Some(password_hash)) => {
            let id = Uuid::now_v7();
            user::Entity::insert(user::ActiveModel {
                id: Set(id),
                email: Set(email.clone()),
                password_hash: Set(password_hash),
                created_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            id
        }
    };
    let inserted = membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        user_id: Set(user_id),
        role: Set(role),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await;
    if let Err(err) = inserted {
        return Err(match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => MemberError::AlreadyMember(email),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => MemberError::NoSuchOrganization,
            _ => MemberError::Database(err),
        });
    }
    audit::record(
        &txn,
        NewAuditEvent {
            org_id: Some(org_id),
            actor,
            action: action::MEMBER_ADDED,
            target: Some(("user", user_id.to_string())),
            data: json!({ "email": email, "role": role.as_str() }),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(user_id)
}
