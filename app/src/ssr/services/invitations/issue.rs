//! Issuing an invitation, and delivering its link.

use std::net::IpAddr;

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    INVITATION_LIFETIME_DAYS, InvitationError, close_open, from_onboarding, invitation_path,
    token_hash,
};
use crate::{
    model::Role,
    ssr::{
        entities::invitation,
        keys::{
            format::{base62_fixed, random_bytes},
            hash::KeyHasher,
        },
        mail::{InvitationLetter, Mailer},
        services::{
            accounts,
            audit::{Actor, AuditLog, NewAuditEvent, action},
            members::{acting_role, lock_organization},
            onboarding::validate_email,
        },
    },
};

/// Who is invited, where, with which role.
#[derive(Debug, Clone, Copy)]
pub struct NewInvitation<'a> {
    pub org_id: Uuid,
    pub email: &'a str,
    pub role: Role,
}

/// How the link reaches the invitee.
#[derive(Debug, Clone, Copy)]
pub enum Delivery<'a> {
    /// No mail server: the inviter is shown the link once and passes it on, so whoever
    /// receives it can claim a new account (the inviter is told so).
    ToInviter,
    /// E-mailed to the invitee: the inviter never sees the link.
    Mail {
        mailer: &'a Mailer,
        org_name: &'a str,
        inviter: &'a str,
    },
}

impl<'a> Delivery<'a> {
    /// By e-mail when a mail server is configured, otherwise through the inviter.
    pub fn through(mailer: Option<&'a Mailer>, org_name: &'a str, inviter: &'a str) -> Self {
        match mailer {
            Some(mailer) => Delivery::Mail {
                mailer,
                org_name,
                inviter,
            },
            None => Delivery::ToInviter,
        }
    }
}

/// A new invitation, and its token when the inviter is the one to pass it on (never
/// stored, and never returned once it was e-mailed).
pub struct IssuedInvitation {
    pub invitation: invitation::Model,
    pub token: Option<String>,
}

impl std::fmt::Debug for IssuedInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedInvitation")
            .field("invitation", &self.invitation)
            .finish_non_exhaustive()
    }
}

/// Invites an e-mail into the organization with a role and delivers the link. An
/// e-mail that cannot be sent withdraws the invitation before the error is returned, so
/// no link the inviter never received stays open.
pub async fn invite(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    hasher: &KeyHasher,
    new: NewInvitation<'_>,
    delivery: Delivery<'_>,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<IssuedInvitation, InvitationError> {
    let email = validate_email(new.email).map_err(from_onboarding)?;
    let mailed = matches!(delivery, Delivery::Mail { .. });
    if mailed && Mailer::recipient(&email).is_err() {
        return Err(InvitationError::Undeliverable(email));
    }
    let token = base62_fixed(&random_bytes::<32>().map_err(|_| InvitationError::Randomness)?);
    let invitation = record(
        db,
        audit_log,
        hasher,
        new,
        &email,
        &token,
        mailed,
        actor.clone(),
        ip,
    )
    .await?;
    let Delivery::Mail {
        mailer,
        org_name,
        inviter,
    } = delivery
    else {
        return Ok(IssuedInvitation {
            invitation,
            token: Some(token),
        });
    };
    let letter = InvitationLetter {
        to: &email,
        org_name,
        inviter,
        role: new.role,
        path: &invitation_path(&token),
        expires_at: invitation.expires_at,
    };
    match mailer.send_invitation(letter).await {
        Ok(()) => Ok(IssuedInvitation {
            invitation,
            token: None,
        }),
        Err(err) => {
            withdraw_undelivered(db, audit_log, &invitation, actor, ip).await?;
            Err(InvitationError::Mail(err))
        }
    }
}

/// The invitation row and its audit event, in one transaction.
#[allow(clippy::too_many_arguments)] // the parts of one invitation, all needed here
async fn record(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    hasher: &KeyHasher,
    new: NewInvitation<'_>,
    email: &str,
    token: &str,
    mailed: bool,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<invitation::Model, InvitationError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    if !lock_organization(&txn, new.org_id).await? {
        return Err(InvitationError::NotFound);
    }
    let allowed = acting_role(&txn, new.org_id, &actor)
        .await?
        .is_some_and(|acting| acting.can_manage_members() && acting.can_manage_role(new.role));
    if !allowed {
        return Err(InvitationError::Forbidden);
    }
    if accounts::member_by_email(&txn, new.org_id, email)
        .await?
        .is_some()
    {
        return Err(InvitationError::AlreadyMember(email.to_owned()));
    }
    let open = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(new.org_id))
        .filter(invitation::Column::Email.eq(email))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(InvitationError::AlreadyInvited(email.to_owned()));
    }
    let invited_by = match &actor {
        Actor::User { id, .. } => Some(*id),
        Actor::ApiKey { .. } | Actor::System { .. } => None,
    };
    let model = invitation::Model {
        id: Uuid::now_v7(),
        org_id: new.org_id,
        email: email.to_owned(),
        role: new.role,
        token_hash: token_hash(hasher, token).to_vec(),
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
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(new.org_id),
                scope: None,
                actor,
                action: action::MEMBER_INVITED,
                target: Some(("invitation", model.id.to_string())),
                data: json!({
                    "email": email,
                    "role": new.role.as_str(),
                    "expiresAt": model.expires_at,
                    "delivery": if mailed { "email" } else { "link" },
                }),
                ip,
            },
        )
        .await?;
    txn.commit().await?;
    Ok(model)
}

/// Closes an invitation whose e-mail never left, audited with the reason.
async fn withdraw_undelivered(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    invitation: &invitation::Model,
    actor: Actor,
    ip: Option<IpAddr>,
) -> Result<(), InvitationError> {
    let txn = db.begin().await?;
    close_open(
        &txn,
        audit_log,
        invitation,
        actor,
        ip,
        Some("email_not_sent"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            token: Some("secret-token-value".into()),
        };
        assert!(!format!("{issued:?}").contains("secret-token-value"));
    }
}
