//! The people of an organization: adding (the admin CLI; the Members page invites
//! through `invitations`), listing, changing roles and removing.
//!
//! Who may do what: Owners anything; Admins everything except touching an Owner or
//! making one (`Role::can_manage_role`); Members and Viewers nothing. The organization
//! always keeps at least one Owner. Changes run in a transaction that first writes the
//! organization's row, so concurrent changes in one organization run one after the
//! other (a row lock on PostgreSQL, the write lock on SQLite) and the Owner count they
//! check cannot go stale: two Owners demoting each other at once leave one Owner.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, SqlErr, TransactionTrait,
    sea_query::Expr,
};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use super::{
    accounts,
    audit::{Actor, AuditLog, NewAuditEvent, action},
    keys,
    onboarding::{OnboardingError, validate_email, validate_password},
};
use crate::ssr::key_cache::feed::Invalidator;
use crate::{
    model::{MemberRow, Role},
    ssr::{
        auth::password::{PasswordError, PasswordHasher},
        entities::{membership, organization, session, user},
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
    /// 409: an existing account joins only by accepting an invitation (its consent).
    #[error(
        "{0} already has an account: they join only by accepting an invitation while signed in as themselves"
    )]
    HasAccount(String),
    /// 404: the organization does not exist.
    #[error("no such organization")]
    NoSuchOrganization,
    /// 404: no such member in this organization.
    #[error("no such member")]
    NotFound,
    /// 403: the acting role may not do this to this member or grant this role.
    #[error("your role does not allow this change")]
    Forbidden,
    /// 409: the change would leave the organization without an Owner.
    #[error("an organization must keep at least one Owner")]
    LastOwner,
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

/// Creates a user for `email` with `password` and adds them to the organization with
/// `role` (the admin CLI). An e-mail that already has an account is refused: an
/// existing person joins another organization only by accepting an invitation as
/// themselves, never by being attached to it. Returns the new user's id.
#[allow(clippy::too_many_arguments)]
pub async fn add_member(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    passwords: &PasswordHasher,
    org_id: Uuid,
    email: &str,
    role: Role,
    password: String,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<Uuid, MemberError> {
    let email = validate_email(email)?;
    if accounts::find_user_by_email(db, &email).await?.is_some() {
        return Err(MemberError::HasAccount(email));
    }
    validate_password(&password)?;
    // Hash before the transaction: it takes tens of milliseconds.
    let password_hash = passwords.hash(SecretString::from(password)).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let user_id = Uuid::now_v7();
    let created = user::Entity::insert(user::ActiveModel {
        id: Set(user_id),
        email: Set(email.clone()),
        password_hash: Set(password_hash),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await;
    if let Err(err) = created {
        return Err(match err.sql_err() {
            // Created since the check above.
            Some(SqlErr::UniqueConstraintViolation(_)) => MemberError::HasAccount(email),
            _ => MemberError::Database(err),
        });
    }
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
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::MEMBER_ADDED,
                target: Some(("user", user_id.to_string())),
                data: json!({ "email": email, "role": role.as_str() }),
                ip,
            },
        )
        .await?;
    invalidator.commit(txn, Some(org_id)).await?;
    Ok(user_id)
}

/// Serializes membership changes within one organization (see the module comment).
/// `false` when the organization does not exist.
pub(super) async fn lock_organization(
    txn: &DatabaseTransaction,
    org_id: Uuid,
) -> Result<bool, DbErr> {
    let locked = organization::Entity::update_many()
        .col_expr(
            organization::Column::Plan,
            Expr::col(organization::Column::Plan),
        )
        .filter(organization::Column::Id.eq(org_id))
        .exec(txn)
        .await?;
    Ok(locked.rows_affected > 0)
}

/// The role the actor acts with, read inside the transaction (it may have changed
/// since the request began). The admin CLI acts with an Owner's rights; API keys never
/// manage members. `None`: no rights here.
pub(super) async fn acting_role(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    actor: &Actor,
) -> Result<Option<Role>, DbErr> {
    match actor {
        Actor::User { id, .. } => Ok(membership_of(db, org_id, *id).await?.map(|m| m.role)),
        Actor::System { .. } => Ok(Some(Role::Owner)),
        Actor::ApiKey { .. } => Ok(None),
    }
}

async fn membership_of(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<Option<membership::Model>, DbErr> {
    membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::UserId.eq(user_id))
        .one(db)
        .await
}

async fn owner_count(db: &impl ConnectionTrait, org_id: Uuid) -> Result<u64, DbErr> {
    membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::Role.eq(Role::Owner))
        .count(db)
        .await
}

/// The organization's members, earliest first.
pub async fn list_members(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Vec<MemberRow>, DbErr> {
    let rows = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .order_by_asc(membership::Column::CreatedAt)
        .order_by_asc(membership::Column::Id)
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(membership, user)| {
            user.map(|user| MemberRow {
                user_id: user.id,
                email: user.email,
                role: membership.role,
                joined_at: membership.created_at,
            })
        })
        .collect())
}

/// The member and the actor's right to act on them, checked inside `txn`.
async fn target_for_change(
    txn: &DatabaseTransaction,
    org_id: Uuid,
    member_id: Uuid,
    actor: &Actor,
) -> Result<(Role, membership::Model, user::Model), MemberError> {
    if !lock_organization(txn, org_id).await? {
        return Err(MemberError::NoSuchOrganization);
    }
    let Some(acting) = acting_role(txn, org_id, actor).await? else {
        return Err(MemberError::Forbidden);
    };
    if !acting.can_manage_members() {
        return Err(MemberError::Forbidden);
    }
    let membership = membership_of(txn, org_id, member_id)
        .await?
        .ok_or(MemberError::NotFound)?;
    if !acting.can_manage_role(membership.role) {
        return Err(MemberError::Forbidden);
    }
    let user = user::Entity::find_by_id(member_id)
        .one(txn)
        .await?
        .ok_or(MemberError::NotFound)?;
    Ok((acting, membership, user))
}

/// Gives the member `member_id` the role `role` and, in the same transaction, ends
/// their sessions in the organization: they sign in again and work with the new role
/// from then on (a page left open with the old role's controls cannot act). Setting the
/// role they already have changes nothing and writes no audit event.
// The writers (database, audit chain, key cache), the change, and who made it from where.
#[allow(clippy::too_many_arguments)]
pub async fn change_role(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    org_id: Uuid,
    member_id: Uuid,
    role: Role,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), MemberError> {
    let txn = db.begin().await?;
    let (acting, membership, user) = target_for_change(&txn, org_id, member_id, &actor).await?;
    if !acting.can_manage_role(role) {
        return Err(MemberError::Forbidden);
    }
    if membership.role == role {
        return Ok(());
    }
    if membership.role == Role::Owner && owner_count(&txn, org_id).await? <= 1 {
        return Err(MemberError::LastOwner);
    }
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role.as_str()))
        .filter(membership::Column::Id.eq(membership.id))
        .exec(&txn)
        .await?;
    let ended = end_sessions_in(&txn, org_id, member_id).await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::MEMBER_ROLE_CHANGED,
                target: Some(("user", member_id.to_string())),
                data: json!({
                    "email": user.email,
                    "from": membership.role.as_str(),
                    "to": role.as_str(),
                    "sessionsEnded": ended,
                }),
                ip,
            },
        )
        .await?;
    invalidator.commit(txn, Some(org_id)).await?;
    Ok(())
}

/// Deletes `member_id`'s sessions in the organization: their next request there is
/// anonymous. Returns how many ended.
async fn end_sessions_in(
    txn: &DatabaseTransaction,
    org_id: Uuid,
    member_id: Uuid,
) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(member_id))
        .filter(session::Column::OrgId.eq(org_id))
        .exec(txn)
        .await?
        .rows_affected)
}

/// Removes the member `member_id` from the organization and, in the same transaction,
/// deletes their sessions in it (their next request is anonymous) and revokes every
/// key that acts for them, audited with the reason. Revoked is final: adding the person
/// back later revives none of those keys.
pub async fn remove_member(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invalidator: &Invalidator,
    org_id: Uuid,
    member_id: Uuid,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), MemberError> {
    let txn = db.begin().await?;
    let (_, membership, user) = target_for_change(&txn, org_id, member_id, &actor).await?;
    if membership.role == Role::Owner && owner_count(&txn, org_id).await? <= 1 {
        return Err(MemberError::LastOwner);
    }
    membership::Entity::delete_by_id(membership.id)
        .exec(&txn)
        .await?;
    let ended = end_sessions_in(&txn, org_id, member_id).await?;
    let keys_revoked =
        keys::revoke_keys_acting_for(&txn, audit_log, org_id, member_id, &actor, ip).await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::MEMBER_REMOVED,
                target: Some(("user", member_id.to_string())),
                data: json!({
                    "email": user.email,
                    "role": membership.role.as_str(),
                    "sessionsEnded": ended,
                    "keysRevoked": keys_revoked,
                }),
                ip,
            },
        )
        .await?;
    invalidator.commit(txn, Some(org_id)).await?;
    Ok(())
}
