//! The audit hash chain. Every event of an organization (or, without one, of the
//! system chain) is written with its position and an HMAC over its predecessor's HMAC
//! and its own canonical content: RFC 8785 JSON (PostgreSQL's `jsonb` reorders keys,
//! so the stored text cannot be hashed as it is) with the time cut to the microseconds
//! both backends store. The key is derived from the pepper, so whoever can only write
//! to the database cannot forge a link. Writers advance the chain's head row with one
//! update first, which serializes them per chain until their transaction ends.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait as _, OnConflict},
};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use super::{Actor, NewAuditEvent, verify::Checkpoint};
use crate::ssr::{
    entities::{audit_chain_head, audit_event},
    keys::hash::KeyHasher,
};

/// The system chain's name (events without an organization).
pub const SYSTEM_CHAIN: &str = "system";

/// How long the Audit Log page trusts what a whole walk of its chain verified.
const FULL_WALK_EVERY: Duration = Duration::from_secs(3600);

/// Writes audit events into their chains and checks them. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    key: Arc<Hmac<Sha256>>,
    /// The newest link each chain was verified up to by this process (see
    /// [`AuditLog::verify_recent`]).
    pub(super) checkpoints: Arc<Mutex<HashMap<String, Checkpoint>>>,
    /// How long a checkpoint spares the walk what is before it.
    pub(super) full_walk_every: Duration,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog").finish_non_exhaustive()
    }
}

pub(super) fn chain_of(org_id: Option<Uuid>) -> String {
    org_id.map_or_else(|| SYSTEM_CHAIN.to_owned(), |id| id.to_string())
}

/// The time as both backends store it (PostgreSQL keeps microseconds).
fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// An event's canonical content at position `seq` (`None`: before the chain began).
pub(super) fn canonical(event: &audit_event::Model, seq: Option<i64>) -> Result<Vec<u8>, DbErr> {
    let content = json!({
        "id": event.id,
        "orgId": event.org_id,
        "workspaceId": event.workspace_id,
        "mode": event.mode.map(|mode| mode.as_str()),
        "actorKind": event.actor_kind,
        "actorId": event.actor_id,
        "actorLabel": event.actor_label,
        "action": event.action,
        "targetKind": event.target_kind,
        "targetId": event.target_id,
        "data": event.data,
        "ip": event.ip,
        "createdAt": event.created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "seq": seq,
    });
    serde_json_canonicalizer::to_vec(&content).map_err(|err| DbErr::Json(err.to_string()))
}

impl AuditLog {
    /// The chain key: derived from the pepper for this purpose only.
    pub fn new(hasher: &KeyHasher) -> Self {
        let key = hasher.derive("audit-chain/v1", b"");
        // Any key length is a valid HMAC key.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        AuditLog {
            key: Arc::new(mac),
            checkpoints: Arc::default(),
            full_walk_every: FULL_WALK_EVERY,
        }
    }

    /// The same log, walking each chain whole at most `every` apart in
    /// [`AuditLog::verify_recent`] (tests shorten it).
    pub fn with_full_walk_every(mut self, every: Duration) -> Self {
        self.full_walk_every = every;
        self
    }

    /// HMAC(previous ‖ "\n" ‖ content), hex.
    pub(super) fn link(&self, previous: &str, content: &[u8]) -> String {
        let mut mac = (*self.key).clone();
        mac.update(previous.as_bytes());
        mac.update(b"\n");
        mac.update(content);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The seal over the events written before the chain began, in id order.
    pub(super) fn genesis<'a>(
        &self,
        chain: &str,
        events: impl IntoIterator<Item = &'a audit_event::Model>,
    ) -> Result<(i64, String), DbErr> {
        let mut mac = self.link("genesis", chain.as_bytes());
        let mut count = 0;
        for event in events {
            mac = self.link(&mac, &canonical(event, None)?);
            count += 1;
        }
        Ok((count, mac))
    }

    /// Appends `event` to its chain, inside the caller's transaction when there is one
    /// (a savepoint), so the event and the change it records commit together.
    pub async fn record<C>(&self, db: &C, event: NewAuditEvent) -> Result<(), DbErr>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        let txn = db.begin().await?;
        let chain = chain_of(event.org_id);
        let (seq, previous) = self.advance(&txn, &chain).await?;
        let (actor_kind, actor_id, actor_label) = match event.actor {
            Actor::User { id, email } => ("user", Some(id), Some(email)),
            Actor::ApiKey { id, name } => ("api_key", Some(id), Some(name)),
            Actor::System { label } => ("system", None, Some(label.to_owned())),
        };
        let (target_kind, target_id) = match event.target {
            Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
            None => (None, None),
        };
        let mut model = audit_event::Model {
            // Time-ordered ids: the log pages by id, newest first.
            id: Uuid::now_v7(),
            org_id: event.org_id,
            workspace_id: event.scope.map(|scope| scope.workspace_id),
            mode: event.scope.map(|scope| scope.mode),
            actor_kind: actor_kind.to_owned(),
            actor_id,
            actor_label,
            action: event.action.to_owned(),
            target_kind,
            target_id,
            data: event.data,
            ip: event.ip.map(|ip| ip.to_string()),
            created_at: to_micros(Utc::now()),
            chain_seq: Some(seq),
            chain_mac: None,
        };
        let mac = self.link(&previous, &canonical(&model, Some(seq))?);
        model.chain_mac = Some(mac.clone());
        let sealed_at = model.created_at;
        audit_event::Entity::insert(model.into_active_model().reset_all())
            .exec_without_returning(&txn)
            .await?;
        audit_chain_head::Entity::update_many()
            .col_expr(audit_chain_head::Column::Mac, Expr::value(mac))
            .col_expr(audit_chain_head::Column::SealedAt, Expr::value(sealed_at))
            .filter(audit_chain_head::Column::Chain.eq(chain))
            .exec(&txn)
            .await?;
        txn.commit().await
    }

    /// Takes the chain's next position, holding its head until the transaction ends;
    /// returns the position and the HMAC it links to. Seals the genesis first for a
    /// chain that has no head yet.
    async fn advance(
        &self,
        txn: &impl ConnectionTrait,
        chain: &str,
    ) -> Result<(i64, String), DbErr> {
        for _ in 0..2 {
            let advanced = audit_chain_head::Entity::update_many()
                .col_expr(
                    audit_chain_head::Column::Seq,
                    Expr::col(audit_chain_head::Column::Seq).add(1),
                )
                .filter(audit_chain_head::Column::Chain.eq(chain))
                .exec_with_returning(txn)
                .await?;
            if let Some(head) = advanced.into_iter().next() {
                return Ok((head.seq, head.mac));
            }
            self.seal_genesis(txn, chain).await?;
        }
        Err(DbErr::Custom(format!(
            "the audit chain {chain} has no head"
        )))
    }

    /// Creates the chain's head over the events written before the chain began (none
    /// for a new organization). Idempotent: concurrent sealers compute the same seal.
    pub(super) async fn seal_genesis(
        &self,
        db: &impl ConnectionTrait,
        chain: &str,
    ) -> Result<(), DbErr> {
        let before = unchained(db, chain).await?;
        let (count, mac) = self.genesis(chain, &before)?;
        audit_chain_head::Entity::insert(audit_chain_head::ActiveModel {
            chain: Set(chain.to_owned()),
            genesis_events: Set(count),
            genesis_mac: Set(mac.clone()),
            seq: Set(0),
            mac: Set(mac),
            sealed_at: Set(None),
        })
        .on_conflict(
            OnConflict::column(audit_chain_head::Column::Chain)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        Ok(())
    }

    /// Seals the genesis of every chain that has events but no head yet: the server
    /// does this when it starts, right after the migrations, so the events written
    /// before chaining are sealed as they were.
    pub async fn seal_every_genesis<C>(&self, db: &C) -> Result<u64, DbErr>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        let orgs: Vec<Option<Uuid>> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::OrgId)
            .distinct()
            .filter(audit_event::Column::ChainSeq.is_null())
            .into_tuple()
            .all(db)
            .await?;
        let mut sealed = 0;
        for org in orgs {
            let chain = chain_of(org);
            let exists = audit_chain_head::Entity::find_by_id(chain.clone())
                .one(db)
                .await?
                .is_some();
            if !exists {
                let txn = db.begin().await?;
                self.seal_genesis(&txn, &chain).await?;
                txn.commit().await?;
                sealed += 1;
            }
        }
        Ok(sealed)
    }
}

/// The chain's events without a position (written before the chain began), by id.
pub(super) async fn unchained(
    db: &impl ConnectionTrait,
    chain: &str,
) -> Result<Vec<audit_event::Model>, DbErr> {
    let select = audit_event::Entity::find().filter(audit_event::Column::ChainSeq.is_null());
    let select = match Uuid::try_parse(chain) {
        Ok(org) => select.filter(audit_event::Column::OrgId.eq(org)),
        Err(_) => select.filter(audit_event::Column::OrgId.is_null()),
    };
    select.order_by_asc(audit_event::Column::Id).all(db).await
}
