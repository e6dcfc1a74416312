//! `/v1/clients`: customer records.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, SqlErr,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{ResourceError, Tenancy, Tenanted, email, find_within, invalid, tenanted, text};
use crate::{
    model::Page,
    ssr::{
        entities::client,
        services::pagination::{PageRequest, fetch_page},
    },
};

tenanted!(client::Entity);

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EXTERNAL_REF_CHARS: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub name: Option<String>,
    pub email: Option<String>,
    /// `Some(None)` clears it.
    pub external_ref: Option<Option<String>>,
}

fn external_ref(value: Option<String>) -> Result<Option<String>, ResourceError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| text("externalRef", &v, MAX_EXTERNAL_REF_CHARS))
        .transpose()
}

pub async fn list(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    page: PageRequest,
) -> Result<Page<client::Model>, ResourceError> {
    Ok(fetch_page(
        db,
        client::Entity::within(tenancy),
        client::Column::Id,
        client::Entity::id_of,
        page,
    )
    .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<client::Model, ResourceError> {
    find_within::<client::Entity>(db, tenancy, id).await
}

pub async fn create(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    input: ClientInput,
) -> Result<client::Model, ResourceError> {
    let name = text(
        "name",
        input
            .name
            .as_deref()
            .ok_or_else(|| invalid("name: required"))?,
        MAX_NAME_CHARS,
    )?;
    let email = email(
        "email",
        input
            .email
            .as_deref()
            .ok_or_else(|| invalid("email: required"))?,
    )?;
    let external_ref = external_ref(input.external_ref.flatten())?;
    let now = Utc::now();
    Ok(client::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(tenancy.org_id),
        workspace_id: Set(tenancy.workspace_id),
        mode: Set(tenancy.mode),
        name: Set(name),
        email: Set(email),
        external_ref: Set(external_ref),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

pub async fn update(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
    input: ClientInput,
) -> Result<client::Model, ResourceError> {
    let mut update = client::Entity::update_many()
        .col_expr(client::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(client::Entity::one_in_tenancy(tenancy, id));
    if let Some(name) = input.name {
        update = update.col_expr(
            client::Column::Name,
            Expr::value(text("name", &name, MAX_NAME_CHARS)?),
        );
    }
    if let Some(value) = input.email {
        update = update.col_expr(client::Column::Email, Expr::value(email("email", &value)?));
    }
    if let Some(value) = input.external_ref {
        update = update.col_expr(
            client::Column::ExternalRef,
            Expr::value(external_ref(value)?),
        );
    }
    if update.exec(db).await?.rows_affected == 0 {
        return Err(ResourceError::NotFound);
    }
    get(db, tenancy, id).await
}

/// Deletes a client that no envelope or verification refers to.
pub async fn delete(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<(), ResourceError> {
    let deleted = client::Entity::delete_many()
        .filter(client::Entity::one_in_tenancy(tenancy, id))
        .exec(db)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => ResourceError::Conflict(
                "the client has envelopes or verifications, which keep it in use".to_owned(),
            ),
            _ => ResourceError::Database(err),
        })?;
    if deleted.rows_affected == 0 {
        return Err(ResourceError::NotFound);
    }
    Ok(())
}
