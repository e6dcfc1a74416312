//! Writing what the meter counted: the periodic flusher (which also prunes the request
//! log about once a minute) and the one transaction each flush is.

use std::time::{Duration, Instant};

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{Flushed, PRUNE_EVERY, Pending, UsageMeter};
use crate::ssr::{
    entities::{api_key, api_key_usage},
    services::{
        footprint,
        request_log::{self, RequestLogLimits},
    },
};

impl UsageMeter {
    /// Flushes every `every`, and prunes the request log about once a minute, until
    /// [`Flusher::stop`], which lets a flush in progress finish (aborting it could drop
    /// the batch it holds).
    pub fn spawn_flusher(
        &self,
        db: DatabaseConnection,
        every: Duration,
        limits: RequestLogLimits,
    ) -> Flusher {
        let meter = self.clone();
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_prune = Instant::now();
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => return,
                }
                if last_prune.elapsed() >= PRUNE_EVERY {
                    last_prune = Instant::now();
                    if let Err(err) = meter.prune_log(&db, limits).await {
                        tracing::warn!(%err, "could not prune the request log; trying again later");
                    }
                }
                let started = std::time::Instant::now();
                match meter.flush(&db).await {
                    Ok(_) => metrics::histogram!("keyward_usage_flush_seconds")
                        .record(started.elapsed().as_secs_f64()),
                    Err(err) => {
                        metrics::counter!("keyward_usage_flush_failures_total").increment(1);
                        tracing::warn!(%err, "could not write usage counts; keeping them for the next flush");
                    }
                }
            }
        });
        Flusher { stop, task }
    }
}

/// The periodic flush task.
pub struct Flusher {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Flusher {
    /// Stops after the flush in progress, if any.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(%err, "the usage flusher failed");
        }
    }
}

pub(super) async fn write(db: &DatabaseConnection, batch: &Pending) -> Result<Flushed, DbErr> {
    let txn = db.begin().await?;
    let mut flushed = Flushed::default();
    if !batch.hours.is_empty() {
        let rows = batch
            .hours
            .iter()
            .map(|((key_id, hour), (subject, tally))| {
                flushed.requests += tally.total;
                api_key_usage::ActiveModel {
                    key_id: Set(*key_id),
                    hour_start: Set(*hour),
                    org_id: Set(subject.org_id),
                    mode: Set(subject.mode),
                    total: Set(tally.total),
                    succeeded: Set(tally.succeeded),
                    failed: Set(tally.failed),
                }
            })
            .collect::<Vec<_>>();
        flushed.buckets = rows.len();
        let mut on_conflict = OnConflict::columns([
            api_key_usage::Column::KeyId,
            api_key_usage::Column::HourStart,
        ]);
        for (column, name) in [
            (api_key_usage::Column::Total, "total"),
            (api_key_usage::Column::Succeeded, "succeeded"),
            (api_key_usage::Column::Failed, "failed"),
        ] {
            on_conflict.value(
                column,
                Expr::col((api_key_usage::Entity, column))
                    .add(Expr::cust(format!("excluded.{name}"))),
            );
        }
        api_key_usage::Entity::insert_many(rows)
            .on_conflict(on_conflict)
            .exec_without_returning(&txn)
            .await?;
    }
    for (key_id, last) in &batch.last_used {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(last.at))
            .col_expr(
                api_key::Column::LastUsedIp,
                Expr::value(last.ip.map(|ip| ip.to_string())),
            )
            .filter(api_key::Column::Id.eq(*key_id))
            .filter(
                Condition::any()
                    .add(api_key::Column::LastUsedAt.is_null())
                    .add(api_key::Column::LastUsedAt.lt(last.at)),
            )
            .exec(&txn)
            .await?;
    }
    flushed.logged = request_log::write(&txn, &batch.log).await?;
    footprint::write(&txn, batch.log.footprints()).await?;
    txn.commit().await?;
    Ok(flushed)
}
