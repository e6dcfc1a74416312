//! The change feed: how every server process learns that verification may decide
//! differently, and how it proves that it has not missed anything.
//!
//! A service that changes something records the change inside its own transaction
//! ([`Invalidator::commit`]): on PostgreSQL a `pg_notify` (delivered to every listener at
//! commit), on SQLite a row in `key_changes`. After the commit it voids its own process's
//! snapshots at once, so the very next request there sees the change.
//!
//! Other processes: on PostgreSQL each server listens on a connection of its own and
//! notifies itself every [`PROOF_INTERVAL`]; receiving its own heartbeat proves that every
//! change committed before it was delivered. On SQLite the server polls the table every
//! [`PROOF_INTERVAL`]; a successful poll proves the same. The cache is trusted for
//! [`TRUST_WINDOW`] after the last proof, so a change made elsewhere is seen within
//! `TRUST_WINDOW` in the worst case (the feed silently broken), and at once normally.

use std::{sync::Arc, time::Duration};

use chrono::{TimeDelta, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    sqlx::postgres::{PgListener, PgPoolOptions},
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::generations::Generations;
use crate::ssr::entities::key_change;

/// The PostgreSQL channel every server listens on.
pub const CHANNEL: &str = "keyward_key_changes";
/// How often the feed proves itself (heartbeat or poll).
pub const PROOF_INTERVAL: Duration = Duration::from_millis(200);
/// How long one proof is trusted: the worst-case staleness of the cache.
pub const TRUST_WINDOW: Duration = Duration::from_millis(750);
/// A listener that hears nothing (not even its heartbeat) this long reconnects.
const QUIET_LIMIT: Duration = Duration::from_secs(2);
/// Change rows older than this have been seen by every poller; they are pruned.
const CHANGE_RETENTION: TimeDelta = TimeDelta::minutes(10);
const HEARTBEAT_PREFIX: &str = "heartbeat:";
const EVERYTHING: &str = "*";

/// Handed to every service that changes what verification decides.
#[derive(Debug, Clone, Default)]
pub struct Invalidator {
    generations: Option<Arc<Generations>>,
}

impl Invalidator {
    /// For a process with no cache of its own (the admin CLI): its changes still reach
    /// every server through the feed.
    pub fn detached() -> Self {
        Self::default()
    }

    pub(super) fn attached(generations: Arc<Generations>) -> Self {
        Invalidator {
            generations: Some(generations),
        }
    }

    /// Records that keys of `org_id` (`None`: of every organization) may verify
    /// differently, commits `txn`, then voids this process's snapshots of them.
    pub async fn commit(
        &self,
        txn: DatabaseTransaction,
        org_id: Option<Uuid>,
    ) -> Result<(), DbErr> {
        announce(&txn, org_id).await?;
        txn.commit().await?;
        if let Some(generations) = &self.generations {
            match org_id {
                Some(org_id) => generations.org_changed(org_id),
                None => generations.everything_changed(),
            }
        }
        Ok(())
    }
}

async fn announce(txn: &DatabaseTransaction, org_id: Option<Uuid>) -> Result<(), DbErr> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            let payload = org_id.map_or_else(|| EVERYTHING.to_owned(), |id| id.to_string());
            notify(txn, payload).await
        }
        _ => {
            key_change::Entity::insert(key_change::ActiveModel {
                id: NotSet,
                org_id: Set(org_id),
                created_at: Set(Utc::now()),
            })
            .exec_without_returning(txn)
            .await?;
            Ok(())
        }
    }
}

async fn notify(db: &impl ConnectionTrait, payload: String) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await
    .map(|_| ())
}

/// Which feed a server runs, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedMode {
    Notify,
    Poll,
}

/// The running feed tasks; stopped with the server.
pub struct Feed {
    pub mode: FeedMode,
    tasks: Vec<JoinHandle<()>>,
}

impl Feed {
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

pub(super) fn spawn(db: DatabaseConnection, generations: Arc<Generations>) -> Feed {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let replica = Uuid::new_v4();
            Feed {
                mode: FeedMode::Notify,
                tasks: vec![
                    tokio::spawn(listen(db.clone(), generations.clone(), replica)),
                    tokio::spawn(heartbeat(db, generations, replica)),
                ],
            }
        }
        _ => Feed {
            mode: FeedMode::Poll,
            tasks: vec![tokio::spawn(poll(db, generations))],
        },
    }
}

async fn connect_listener(db: &DatabaseConnection) -> Result<PgListener, sea_orm::sqlx::Error> {
    // A connection of its own, not one borrowed from the pool, named so operators can
    // find it (and tests can cut it).
    let options = db
        .get_postgres_connection_pool()
        .connect_options()
        .as_ref()
        .clone()
        .application_name("keyward-listener");
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn listen(db: DatabaseConnection, generations: Arc<Generations>, replica: Uuid) {
    let mine = format!("{HEARTBEAT_PREFIX}{replica}:");
    loop {
        let mut listener = match connect_listener(&db).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(%err, "cannot listen for key changes; the key cache is off until it can");
                generations.distrust();
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // Changes made while no connection listened are lost: nothing loaded before
        // this subscription can be trusted.
        generations.everything_changed();
        tracing::debug!("listening for key changes");
        loop {
            match tokio::time::timeout(QUIET_LIMIT, listener.try_recv()).await {
                Ok(Ok(Some(notification))) => {
                    apply(&generations, notification.payload(), &mine);
                }
                Ok(Ok(None)) => {
                    tracing::warn!("the key-change listener lost its connection; reconnecting");
                    break;
                }
                Ok(Err(err)) => {
                    tracing::warn!(%err, "the key-change listener failed; reconnecting");
                    break;
                }
                Err(_) => {
                    tracing::warn!(
                        "the key-change listener heard nothing, not even its heartbeat; reconnecting"
                    );
                    break;
                }
            }
        }
        generations.distrust();
        generations.everything_changed();
    }
}

fn apply(generations: &Generations, payload: &str, my_heartbeat: &str) {
    if let Some(sent_at) = payload.strip_prefix(my_heartbeat) {
        if let Ok(sent_at_ms) = sent_at.parse::<u64>() {
            generations.proven_at(sent_at_ms, TRUST_WINDOW);
        }
    } else if payload.starts_with(HEARTBEAT_PREFIX) {
        // Another replica's heartbeat.
    } else if let Ok(org_id) = payload.parse::<Uuid>() {
        generations.org_changed(org_id);
    } else {
        generations.everything_changed();
    }
}

async fn heartbeat(db: DatabaseConnection, generations: Arc<Generations>, replica: Uuid) {
    let mut tick = tokio::time::interval(PROOF_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Taken before sending: the proof covers changes committed before this instant.
        let sent_at = generations.now_millis();
        if let Err(err) = notify(&db, format!("{HEARTBEAT_PREFIX}{replica}:{sent_at}")).await {
            tracing::debug!(%err, "could not send the key-change heartbeat");
        }
    }
}

async fn poll(db: DatabaseConnection, generations: Arc<Generations>) {
    let mut seen = None;
    let mut tick = tokio::time::interval(PROOF_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut polls: u64 = 0;
    loop {
        tick.tick().await;
        let started_at = generations.now_millis();
        match poll_once(&db, &generations, seen).await {
            Ok(latest) => {
                seen = Some(latest);
                generations.proven_at(started_at, TRUST_WINDOW);
            }
            Err(err) => {
                tracing::debug!(%err, "could not read key changes; the key cache lapses");
            }
        }
        polls += 1;
        if polls.is_multiple_of(300) {
            prune(&db).await;
        }
    }
}

/// Applies the changes after `seen` (the first poll only learns where the feed stands:
/// nothing is cached before the first proof). Returns the latest change id.
async fn poll_once(
    db: &DatabaseConnection,
    generations: &Generations,
    seen: Option<i64>,
) -> Result<i64, DbErr> {
    let Some(seen) = seen else {
        let latest: Option<Option<i64>> = key_change::Entity::find()
            .select_only()
            .column_as(key_change::Column::Id.max(), "latest")
            .into_tuple()
            .one(db)
            .await?;
        return Ok(latest.flatten().unwrap_or(0));
    };
    let changes = key_change::Entity::find()
        .filter(key_change::Column::Id.gt(seen))
        .order_by_asc(key_change::Column::Id)
        .all(db)
        .await?;
    let mut latest = seen;
    for change in changes {
        match change.org_id {
            Some(org_id) => generations.org_changed(org_id),
            None => generations.everything_changed(),
        }
        latest = latest.max(change.id);
    }
    Ok(latest)
}

async fn prune(db: &DatabaseConnection) {
    let cutoff = Utc::now() - CHANGE_RETENTION;
    let pruned = key_change::Entity::delete_many()
        .filter(key_change::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await;
    if let Err(err) = pruned {
        tracing::debug!(%err, "could not prune old key changes");
    }
}
