//! Read queries about users, organizations and memberships.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::ssr::entities::{membership, organization, user};

/// E-mails are compared and stored lowercased and trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(normalize_email(email)))
        .one(db)
        .await
}

pub async fn count_organizations(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    organization::Entity::find().count(db).await
}

/// The user's memberships with their organizations, oldest membership first.
pub async fn organizations_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<(membership::Model, organization::Model)>, DbErr> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::CreatedAt)
        .find_also_related(organization::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(membership, org)| org.map(|org| (membership, org)))
        .collect())
}

/// The user, their membership and the organization, if the user belongs to it.
pub async fn membership_with_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    org_id: Uuid,
) -> Result<Option<(user::Model, membership::Model, organization::Model)>, DbErr> {
    let Some((membership, Some(org))) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrgId.eq(org_id))
        .find_also_related(organization::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some((user, membership, org)))
}

pub async fn find_organization_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The member a key acts for when none is named: the organization's earliest Owner.
pub async fn earliest_owner(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Option<Uuid>, DbErr> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::Role.eq(crate::model::Role::Owner))
        .order_by_asc(membership::Column::CreatedAt)
        .one(db)
        .await?
        .map(|membership| membership.user_id))
}

/// The user with this e-mail, if they are a member of the organization.
pub async fn member_by_email(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    let Some(user) = find_user_by_email(db, email).await? else {
        return Ok(None);
    };
    Ok(is_member(db, org_id, user.id).await?.then_some(user))
}

/// Whether the user belongs to the organization (in any role).
pub async fn is_member(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::UserId.eq(user_id))
        .count(db)
        .await?
        > 0)
}
