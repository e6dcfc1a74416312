//! Reading keys: one key, or a filtered page of an organization's keys.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use super::{KeyError, count_active_keys, members_of, summary, works_at};
use crate::{
    model::{ApiKeySummary, KeyDetails, KeyRow, KeyStatus, Mode, Page},
    ssr::{
        entities::{api_key, membership, user, workspace},
        services::{
            pagination::{PageRequest, fetch_page},
            signals,
        },
    },
};

/// What the key list can be narrowed to. Everything is optional; the default lists
/// every key, revoked ones included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyFilter {
    pub status: Option<KeyStatus>,
    pub mode: Option<Mode>,
    pub workspace_id: Option<Uuid>,
    /// Matches the name (case-insensitive, anywhere) or the start of the key prefix.
    pub search: Option<String>,
}

fn status_condition(status: KeyStatus, org_id: Uuid, now: DateTime<Utc>) -> Condition {
    let usable = works_at(now);
    match status {
        KeyStatus::Revoked => Condition::all().add(api_key::Column::RevokedAt.is_not_null()),
        KeyStatus::Expired => Condition::all()
            .add(api_key::Column::RevokedAt.is_null())
            .add(api_key::Column::ExpiresAt.lte(now)),
        KeyStatus::Active => usable.add(api_key::Column::CreatedBy.in_subquery(members_of(org_id))),
        KeyStatus::Inactive => {
            usable.add(api_key::Column::CreatedBy.not_in_subquery(members_of(org_id)))
        }
    }
}

/// The organization's current members, to tell active keys from inactive ones.
async fn member_ids(db: &impl ConnectionTrait, org_id: Uuid) -> Result<HashSet<Uuid>, DbErr> {
    Ok(membership::Entity::find()
        .select_only()
        .column(membership::Column::UserId)
        .filter(membership::Column::OrgId.eq(org_id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The summary, with `Inactive` when the member the key acts for has left.
fn listed(key: &api_key::Model, members: &HashSet<Uuid>, now: DateTime<Utc>) -> ApiKeySummary {
    let mut listed = summary(key, now);
    if listed.status == KeyStatus::Active && !members.contains(&key.created_by) {
        listed.status = KeyStatus::Inactive;
    }
    listed
}

/// `LIKE` pattern text with its wildcards escaped (`\` is the escape character).
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn search_condition(search: &str) -> Condition {
    let needle = like_literal(&search.to_lowercase());
    Condition::any()
        .add(
            Expr::expr(Func::lower(Expr::col(api_key::Column::Name)))
                .like(sea_orm::sea_query::LikeExpr::new(format!("%{needle}%")).escape('\\')),
        )
        .add(Expr::col(api_key::Column::DisplayPrefix).like(
            sea_orm::sea_query::LikeExpr::new(format!("{}%", like_literal(search))).escape('\\'),
        ))
}

/// A page of the organization's keys, newest first.
pub async fn list_keys(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    filter: &KeyFilter,
    page: PageRequest,
) -> Result<Page<ApiKeySummary>, DbErr> {
    let now = Utc::now();
    let mut condition = Condition::all().add(api_key::Column::OrgId.eq(org_id));
    if let Some(status) = filter.status {
        condition = condition.add(status_condition(status, org_id, now));
    }
    if let Some(mode) = filter.mode {
        condition = condition.add(api_key::Column::Mode.eq(mode));
    }
    if let Some(workspace_id) = filter.workspace_id {
        condition = condition.add(api_key::Column::WorkspaceId.eq(workspace_id));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        condition = condition.add(search_condition(search));
    }
    let page = fetch_page(
        db,
        api_key::Entity::find().filter(condition),
        api_key::Column::Id,
        |key: &api_key::Model| key.id,
        page,
    )
    .await?;
    let members = member_ids(db, org_id).await?;
    Ok(page.map(|key| listed(&key, &members, now)))
}

/// A page of keys with the names the list shows (creator e-mail, workspace).
pub async fn list_rows(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    filter: &KeyFilter,
    page: PageRequest,
) -> Result<Page<KeyRow>, DbErr> {
    let keys = list_keys(db, org_id, filter, page).await?;
    let ids: Vec<Uuid> = keys.data.iter().map(|key| key.id).collect();
    let mut signals = signals::open_kinds(db, &ids).await?;
    let replaced: HashSet<Uuid> = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::RolledFrom)
        .filter(api_key::Column::OrgId.eq(org_id))
        .filter(api_key::Column::RolledFrom.is_in(ids))
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let creators: Vec<Uuid> = keys.data.iter().map(|key| key.created_by).collect();
    let emails: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(creators))
        .all(db)
        .await?
        .into_iter()
        .map(|user| (user.id, user.email))
        .collect();
    let workspaces: HashMap<Uuid, String> = workspace::Entity::find()
        .filter(workspace::Column::OrgId.eq(org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|workspace| (workspace.id, workspace.name))
        .collect();
    Ok(keys.map(|key| KeyRow {
        created_by_email: emails.get(&key.created_by).cloned(),
        workspace_name: workspaces
            .get(&key.workspace_id)
            .cloned()
            .unwrap_or_default(),
        replaced: replaced.contains(&key.id),
        signals: signals.remove(&key.id).unwrap_or_default(),
        key,
    }))
}

/// Keys counting against the plan's limit right now.
pub async fn active_key_count(db: &impl ConnectionTrait, org_id: Uuid) -> Result<u64, DbErr> {
    count_active_keys(db, org_id, Utc::now()).await
}

/// One key of the organization.
pub async fn get_key(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    key_id: Uuid,
) -> Result<ApiKeySummary, KeyError> {
    let key = api_key::Entity::find_by_id(key_id)
        .filter(api_key::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .ok_or(KeyError::NotFound)?;
    let members = member_ids(db, org_id).await?;
    Ok(listed(&key, &members, Utc::now()))
}

/// Per workspace: `(usable, total)` keys, where usable is neither revoked nor expired.
pub async fn key_counts_by_workspace(
    db: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<HashMap<Uuid, (i64, i64)>, DbErr> {
    let count = |condition: Condition| {
        api_key::Entity::find()
            .select_only()
            .column(api_key::Column::WorkspaceId)
            .column_as(
                Expr::from(Func::count(Expr::col(api_key::Column::Id))),
                "keys",
            )
            .filter(api_key::Column::OrgId.eq(org_id))
            .filter(condition)
            .group_by(api_key::Column::WorkspaceId)
            .into_tuple::<(Uuid, i64)>()
            .all(db)
    };
    let now = Utc::now();
    let usable = works_at(now);
    let mut counts: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for (workspace_id, total) in count(Condition::all()).await? {
        counts.entry(workspace_id).or_default().1 = total;
    }
    for (workspace_id, usable) in count(usable).await? {
        counts.entry(workspace_id).or_default().0 = usable;
    }
    Ok(counts)
}

/// One key with everything its details page shows.
pub async fn get_details(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    key_id: Uuid,
) -> Result<KeyDetails, KeyError> {
    let key = api_key::Entity::find_by_id(key_id)
        .filter(api_key::Column::OrgId.eq(org_id))
        .one(db)
        .await?
        .ok_or(KeyError::NotFound)?;
    let members = member_ids(db, org_id).await?;
    let creator = user::Entity::find_by_id(key.created_by).one(db).await?;
    let workspace = workspace::Entity::find_by_id(key.workspace_id)
        .one(db)
        .await?;
    let rolled_into = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::Id)
        .filter(api_key::Column::OrgId.eq(org_id))
        .filter(api_key::Column::RolledFrom.eq(key_id))
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(KeyDetails {
        row: KeyRow {
            key: listed(&key, &members, Utc::now()),
            created_by_email: creator.map(|user| user.email),
            workspace_name: workspace.map(|w| w.name).unwrap_or_default(),
            replaced: rolled_into.is_some(),
            signals: signals::open_kinds(db, &[key_id])
                .await?
                .remove(&key_id)
                .unwrap_or_default(),
        },
        last_used_ip: key.last_used_ip,
        revoke_reason: key.revoke_reason,
        rolled_into,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_cannot_smuggle_wildcards() {
        assert_eq!(like_literal("100%_sure\\"), "100\\%\\_sure\\\\");
    }
}
