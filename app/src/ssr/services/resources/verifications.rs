//! `/v1/verifications`: identity or document checks of a client. They start pending;
//! a pending check can be cancelled.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{ResourceError, Tenancy, Tenanted, find_within, invalid, tenanted, unknown_client};
use crate::{
    model::Page,
    ssr::{
        entities::verification::{self, VerificationKind, VerificationStatus},
        services::pagination::{PageRequest, fetch_page},
    },
};

tenanted!(verification::Entity);

pub async fn list(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    page: PageRequest,
) -> Result<Page<verification::Model>, ResourceError> {
    Ok(fetch_page(
        db,
        verification::Entity::within(tenancy),
        verification::Column::Id,
        verification::Entity::id_of,
        page,
    )
    .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<verification::Model, ResourceError> {
    find_within::<verification::Entity>(db, tenancy, id).await
}

pub async fn create(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    client_id: Option<Uuid>,
    kind: Option<VerificationKind>,
) -> Result<verification::Model, ResourceError> {
    let client_id = client_id.ok_or_else(|| invalid("clientId: required"))?;
    let kind = kind.ok_or_else(|| invalid("kind: required (identity or document)"))?;
    let now = Utc::now();
    verification::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(tenancy.org_id),
        workspace_id: Set(tenancy.workspace_id),
        mode: Set(tenancy.mode),
        client_id: Set(client_id),
        kind: Set(kind),
        status: Set(VerificationStatus::Pending),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(unknown_client)
}

/// Pending → cancelled; 409 from any other status.
pub async fn cancel(
    db: &impl ConnectionTrait,
    tenancy: &Tenancy,
    id: Uuid,
) -> Result<verification::Model, ResourceError> {
    let changed = verification::Entity::update_many()
        .col_expr(
            verification::Column::Status,
            Expr::value(VerificationStatus::Cancelled),
        )
        .col_expr(verification::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(verification::Entity::one_in_tenancy(tenancy, id))
        .filter(verification::Column::Status.eq(VerificationStatus::Pending))
        .exec(db)
        .await?
        .rows_affected
        > 0;
    let current = get(db, tenancy, id).await?;
    if changed {
        Ok(current)
    } else {
        Err(ResourceError::Conflict(
            "only pending verifications can be cancelled".to_owned(),
        ))
    }
}
