//! Reading signals: the organization's Signals page, a key's page and the key list's
//! badges.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::lookup::{chunks, distinct, keys_among};
use crate::{
    model::{Page, SignalEvidence, SignalKind, SignalRow, SignalStatus},
    ssr::{
        entities::{api_key_signal, user},
        services::{
            FastMap,
            pagination::{PageRequest, fetch_page},
        },
    },
};

/// A key's signals listed on its page, at most.
const PER_KEY: u64 = 100;

/// One page of the organization's signals in `status`, newest first.
pub async fn list_for_org(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    status: SignalStatus,
    page: PageRequest,
) -> Result<Page<SignalRow>, DbErr> {
    let select = api_key_signal::Entity::find()
        .filter(api_key_signal::Column::OrgId.eq(org_id))
        .filter(api_key_signal::Column::Status.eq(status));
    let Page { data, next_cursor } =
        fetch_page(db, select, api_key_signal::Column::Id, |row| row.id, page).await?;
    Ok(Page {
        data: rows(db, data).await?,
        next_cursor,
    })
}

/// A key's signals, open first, then newest first.
pub async fn list_for_key(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    key_id: Uuid,
) -> Result<Vec<SignalRow>, DbErr> {
    let found = api_key_signal::Entity::find()
        .filter(api_key_signal::Column::OrgId.eq(org_id))
        .filter(api_key_signal::Column::KeyId.eq(key_id))
        .order_by_desc(api_key_signal::Column::Id)
        .limit(PER_KEY)
        .all(db)
        .await?;
    let mut rows = rows(db, found).await?;
    rows.sort_by_key(|row| row.status != SignalStatus::Open);
    Ok(rows)
}

/// The kinds of the open signals of each key among `key_ids` (the key list's badges).
pub async fn open_kinds(
    db: &impl ConnectionTrait,
    key_ids: &[Uuid],
) -> Result<FastMap<Uuid, Vec<SignalKind>>, DbErr> {
    let mut kinds: FastMap<Uuid, Vec<SignalKind>> = FastMap::default();
    for ids in chunks(key_ids) {
        let open: Vec<(Uuid, SignalKind)> = api_key_signal::Entity::find()
            .select_only()
            .column(api_key_signal::Column::KeyId)
            .column(api_key_signal::Column::Kind)
            .filter(api_key_signal::Column::KeyId.is_in(ids))
            .filter(api_key_signal::Column::Status.eq(SignalStatus::Open))
            .into_tuple()
            .all(db)
            .await?;
        for (key_id, kind) in open {
            let list = kinds.entry(key_id).or_default();
            if !list.contains(&kind) {
                list.push(kind);
            }
        }
    }
    for list in kinds.values_mut() {
        list.sort();
    }
    Ok(kinds)
}

async fn rows(
    db: &impl ConnectionTrait,
    found: Vec<api_key_signal::Model>,
) -> Result<Vec<SignalRow>, DbErr> {
    let key_ids = distinct(found.iter().map(|row| row.key_id).collect());
    let keys = keys_among(db, &key_ids, Condition::all()).await?;
    let dismissers: Vec<Uuid> = found.iter().filter_map(|row| row.dismissed_by).collect();
    let emails: FastMap<Uuid, String> = if dismissers.is_empty() {
        FastMap::default()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(dismissers))
            .all(db)
            .await?
            .into_iter()
            .map(|user| (user.id, user.email))
            .collect()
    };
    Ok(found
        .into_iter()
        .filter_map(|row| {
            let key = keys.get(&row.key_id)?;
            let evidence = serde_json::from_value::<SignalEvidence>(row.evidence).ok()?;
            Some(SignalRow {
                id: row.id,
                key_id: row.key_id,
                key_name: key.name.clone(),
                key_mode: key.mode,
                kind: row.kind,
                status: row.status,
                evidence,
                evidence_at: row.evidence_at,
                opened_at: row.opened_at,
                dismissed_at: row.dismissed_at,
                dismissed_by_email: row.dismissed_by.and_then(|id| emails.get(&id).cloned()),
            })
        })
        .collect())
}
