//! Creating an organization together with its first Owner (first-run setup and
//! `server admin create-owner`). All rows are written in one transaction.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, SqlErr, TransactionTrait,
};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use super::{
    accounts,
    audit::{Actor, AuditLog, NewAuditEvent, action},
};
use crate::{
    model::{Plan, Role},
    ssr::{
        auth::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordError, PasswordHasher},
        entities::{membership, organization, user, workspace},
    },
};

pub const MAX_ORG_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;
const MAX_SLUG_CHARS: usize = 40;

pub struct NewOrganization {
    pub org_name: String,
    pub owner_email: String,
    pub owner_password: String,
    pub plan: Plan,
}

#[derive(Debug, Clone)]
pub struct CreatedOrganization {
    pub org_id: Uuid,
    pub slug: String,
    pub owner_id: Uuid,
}

/// How the organization came to be, for the audit log.
#[derive(Debug, Clone, Copy)]
pub enum Origin {
    SetupPage { ip: Option<IpAddr> },
    Cli,
}

#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// The input was rejected; the message is meant for the person who typed it.
    #[error("{0}")]
    Invalid(String),
    #[error("a user with the e-mail {0} already exists")]
    EmailTaken(String),
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// A plausible e-mail: one `@`, something on both sides, a dot in the domain, no spaces.
/// Deliverability is not checked here.
pub fn validate_email(email: &str) -> Result<String, OnboardingError> {
    let email = accounts::normalize_email(email);
    let plausible = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if plausible {
        Ok(email)
    } else {
        Err(OnboardingError::Invalid(
            "Enter a valid e-mail address.".to_owned(),
        ))
    }
}

pub fn validate_password(password: &str) -> Result<(), OnboardingError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(OnboardingError::Invalid(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters long."
        )));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(OnboardingError::Invalid(format!(
            "The password must be at most {MAX_PASSWORD_CHARS} characters long."
        )));
    }
    Ok(())
}

pub fn validate_org_name(name: &str) -> Result<String, OnboardingError> {
    super::text::plain_text(name, MAX_ORG_NAME_CHARS).ok_or_else(|| {
        OnboardingError::Invalid(format!(
            "The organization name must be 1 to {MAX_ORG_NAME_CHARS} characters, without control or invisible characters."
        ))
    })
}

/// `"Acme Corp."` → `"acme-corp"`; falls back to `"org"` when nothing usable is left.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= MAX_SLUG_CHARS {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "org".to_owned()
    } else {
        slug
    }
}

async fn free_slug(db: &impl ConnectionTrait, base: &str) -> Result<String, DbErr> {
    let mut candidate = base.to_owned();
    for n in 2.. {
        let taken = organization::Entity::find()
            .filter(organization::Column::Slug.eq(candidate.as_str()))
            .count(db)
            .await?
            > 0;
        if !taken {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

pub async fn create_organization_with_owner(
    db: &DatabaseConnection,
    audit_log: &AuditLog,
    passwords: &PasswordHasher,
    new: NewOrganization,
    origin: Origin,
) -> Result<CreatedOrganization, OnboardingError> {
    let org_name = validate_org_name(&new.org_name)?;
    let email = validate_email(&new.owner_email)?;
    validate_password(&new.owner_password)?;
    if accounts::find_user_by_email(db, &email).await?.is_some() {
        return Err(OnboardingError::EmailTaken(email));
    }
    // Hash before opening the transaction: it takes tens of milliseconds.
    let password_hash = passwords
        .hash(SecretString::from(new.owner_password))
        .await?;

    let now = Utc::now();
    let org_id = Uuid::now_v7();
    let owner_id = Uuid::now_v7();
    // The slug is chosen before the transaction and the organization row is its first
    // statement: on SQLite a transaction that reads before writing cannot take the
    // write lock under contention. Losing a race for the slug just means another try.
    let mut attempts = 0;
    let (txn, slug) = loop {
        attempts += 1;
        let slug = free_slug(db, &slugify(&org_name)).await?;
        let txn = db.begin().await?;
        let inserted = organization::Entity::insert(organization::ActiveModel {
            id: Set(org_id),
            name: Set(org_name.clone()),
            slug: Set(slug.clone()),
            plan: Set(new.plan),
            created_at: Set(now),
            business_hours: Set(None),
        })
        .exec_without_returning(&txn)
        .await;
        match inserted {
            Ok(_) => break (txn, slug),
            Err(err)
                if attempts < 3
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                txn.rollback().await?;
            }
            Err(err) => return Err(err.into()),
        }
    };
    workspace::Entity::insert(workspace::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        name: Set("Default".to_owned()),
        slug: Set("default".to_owned()),
        is_default: Set(true),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    let inserted_user = user::Entity::insert(user::ActiveModel {
        id: Set(owner_id),
        email: Set(email.clone()),
        password_hash: Set(password_hash),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await;
    if let Err(err) = inserted_user {
        // Lost a race with another creation of the same e-mail.
        return Err(match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => OnboardingError::EmailTaken(email),
            _ => OnboardingError::Database(err),
        });
    }
    membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org_id),
        user_id: Set(owner_id),
        role: Set(Role::Owner),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;

    let (actor, ip) = match origin {
        Origin::SetupPage { ip } => (
            Actor::User {
                id: owner_id,
                email: email.clone(),
            },
            ip,
        ),
        Origin::Cli => (Actor::System { label: "cli" }, None),
    };
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor: actor.clone(),
                action: action::ORGANIZATION_CREATED,
                target: Some(("organization", org_id.to_string())),
                data: json!({ "name": org_name, "slug": slug, "plan": new.plan.as_str() }),
                ip,
            },
        )
        .await?;
    audit_log
        .record(
            &txn,
            NewAuditEvent {
                org_id: Some(org_id),
                scope: None,
                actor,
                action: action::MEMBER_ADDED,
                target: Some(("user", owner_id.to_string())),
                data: json!({ "email": email, "role": Role::Owner.as_str() }),
                ip,
            },
        )
        .await?;
    txn.commit().await?;
    Ok(CreatedOrganization {
        org_id,
        slug,
        owner_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slugify("Acme Corp."), "acme-corp");
        assert_eq!(slugify("  Ünïcode & Co  "), "n-code-co");
        assert_eq!(slugify("!!!"), "org");
        assert!(slugify(&"x".repeat(500)).len() <= MAX_SLUG_CHARS);
    }

    #[test]
    fn email_validation_accepts_plausible_addresses_and_lowercases_them() {
        assert_eq!(
            validate_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_may_contain_spaces() {
        assert!(validate_password("short pass").is_err());
        assert!(validate_password("twelve chars").is_ok());
        assert!(validate_password(&"p".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }
}
