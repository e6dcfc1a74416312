//! The records `/v1` integrations manage: clients, envelopes, verifications and
//! webhooks. Every read and write is confined to one [`Tenancy`] (organization,
//! workspace and mode): a record outside it is indistinguishable from a missing one.

pub mod clients;
pub mod envelopes;
pub mod verifications;
pub mod webhooks;

use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Select, SqlErr};
use uuid::Uuid;

use super::pagination::InvalidPage;
use crate::model::Mode;

/// Where a key's requests live: its organization, its workspace and its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenancy {
    pub org_id: Uuid,
    pub workspace_id: Uuid,
    pub mode: Mode,
}

#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// 422: the input was rejected; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// 404: absent, or outside the caller's tenancy.
    #[error("not found")]
    NotFound,
    /// 409: the record's state does not allow this.
    #[error("{0}")]
    Conflict(String),
    /// 500.
    #[error("the operating system's random number generator failed")]
    Randomness,
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<InvalidPage> for ResourceError {
    fn from(err: InvalidPage) -> Self {
        ResourceError::Invalid(err.0)
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> ResourceError {
    ResourceError::Invalid(message.into())
}

/// An entity with the tenancy columns.
pub(crate) trait Tenanted: EntityTrait {
    const ID: Self::Column;
    const ORG_ID: Self::Column;
    const WORKSPACE_ID: Self::Column;
    const MODE: Self::Column;

    fn id_of(model: &Self::Model) -> Uuid;

    /// The condition "inside `tenancy`", for reads, updates and deletes alike.
    fn in_tenancy(tenancy: &Tenancy) -> Condition {
        Condition::all()
            .add(Self::ORG_ID.eq(tenancy.org_id))
            .add(Self::WORKSPACE_ID.eq(tenancy.workspace_id))
            .add(Self::MODE.eq(tenancy.mode))
    }

    /// The one record `id`, if it is inside `tenancy`.
    fn one_in_tenancy(tenancy: &Tenancy, id: Uuid) -> Condition {
        Self::in_tenancy(tenancy).add(Self::ID.eq(id))
    }

    /// Rows of this entity inside `tenancy`.
    fn within(tenancy: &Tenancy) -> Select<Self> {
        Self::find().filter(Self::in_tenancy(tenancy))
    }
}

macro_rules! tenanted {
    ($entity:path) => {
        impl $crate::ssr::services::resources::Tenanted for $entity {
            const ID: Self::Column = <Self as sea_orm::EntityTrait>::Column::Id;
            const ORG_ID: Self::Column = <Self as sea_orm::EntityTrait>::Column::OrgId;
            const WORKSPACE_ID: Self::Column = <Self as sea_orm::EntityTrait>::Column::WorkspaceId;
            const MODE: Self::Column = <Self as sea_orm::EntityTrait>::Column::Mode;

            fn id_of(model: &Self::Model) -> uuid::Uuid {
                model.id
            }
        }
    };
}
pub(crate) use tenanted;

/// One record inside `tenancy`, or `NotFound`.
pub(crate) async fn find_within<E: Tenanted>(
    db: &impl sea_orm::ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<E::Model, ResourceError> {
    E::find()
        .filter(E::one_in_tenancy(tenancy, id))
        .one(db)
        .await?
        .ok_or(ResourceError::NotFound)
}

/// Trimmed text of 1 to `max` characters, without control or invisible characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<String, ResourceError> {
    super::text::plain_text(value, max).ok_or_else(|| invalid(super::text::rule(field, max)))
}

/// A plausible e-mail address: one `@`, a dotted domain, no spaces. Whether it
/// receives mail is not ours to decide here.
pub(crate) fn email(field: &str, value: &str) -> Result<String, ResourceError> {
    let value = value.trim();
    let plausible = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if plausible {
        Ok(value.to_owned())
    } else {
        Err(invalid(format!("{field}: must be an e-mail address")))
    }
}

/// A write that named a client outside the tenancy fails its foreign key.
pub(crate) fn unknown_client(err: DbErr) -> ResourceError {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => invalid("clientId: no such client"),
        _ => ResourceError::Database(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(email("email", " ada@example.com ").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@example.com.",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(text("name", "  Acme ", 10).unwrap(), "Acme");
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "elevenchars", 10).is_err());
        assert!(text("name", "tab\there", 10).is_err());
    }
}
