//! The delivery worker: claims due deliveries (a lease, so a crashed worker's claim
//! expires and replicas never send one delivery at once), sends each signed, and
//! records the outcome: delivered, retried later with backoff, or failed for good
//! after the last attempt. The queue is a table, so a restart loses nothing.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Statement, sea_query::Expr,
};
use sha2::Sha256;

use super::{Sender, signing_secret};
use crate::{
    model::DeliveryStatus,
    ssr::{
        entities::{alert_destination, delivery, webhook},
        keys::hash::KeyHasher,
        services::resources::webhooks,
    },
};

/// Seconds to wait after failed attempt 1, 2, …: eight attempts over about a day.
pub const RETRY_AFTER_SECONDS: [i64; 7] = [60, 300, 900, 3_600, 10_800, 21_600, 43_200];
/// Deliveries claimed per pass; they are sent one after the other.
const BATCH: u64 = 10;
/// How long a claimed delivery is reserved for the worker that claimed it: longer than
/// a whole batch can take (10 attempts of at most 10 s each), so no other worker sends
/// a row while it still waits its turn in this one.
const LEASE: TimeDelta = TimeDelta::minutes(5);
/// At most this much of an error is stored.
const ERROR_CHARS: usize = 300;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    pub delivered: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`.
pub fn signature(secret: &str, at: DateTime<Utc>, body: &str) -> String {
    let timestamp = at.timestamp();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Sends the due deliveries. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Deliverer {
    pub db: DatabaseConnection,
    pub hasher: KeyHasher,
    pub sender: Sender,
}

impl Deliverer {
    /// Claims the deliveries due at `now` and tries each once.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliveryPass, DbErr> {
        let mut pass = DeliveryPass::default();
        for delivery in claim(&self.db, now).await? {
            // Gone (its deliveries went with it) or deactivated since it was queued.
            let Some((url, secret)) = self.endpoint(&delivery).await? else {
                continue;
            };
            let signed = signature(&secret, Utc::now(), &delivery.body);
            let outcome = self.sender.send(&url, &delivery.body, &signed).await;
            let attempts = delivery.attempts;
            let update = delivery::Entity::update_many()
                .col_expr(delivery::Column::LastAttemptAt, Expr::value(now))
                .filter(delivery::Column::Id.eq(delivery.id));
            let update = match outcome {
                Ok(status) => {
                    pass.delivered += 1;
                    update
                        .col_expr(
                            delivery::Column::Status,
                            Expr::value(DeliveryStatus::Delivered),
                        )
                        .col_expr(delivery::Column::DeliveredAt, Expr::value(Utc::now()))
                        .col_expr(delivery::Column::LastStatus, Expr::value(i32::from(status)))
                        .col_expr(
                            delivery::Column::LastError,
                            Expr::value(Option::<String>::None),
                        )
                }
                Err(err) => {
                    let retry = usize::try_from(attempts - 1)
                        .ok()
                        .and_then(|index| RETRY_AFTER_SECONDS.get(index));
                    let error: String = err.to_string().chars().take(ERROR_CHARS).collect();
                    let update = update
                        .col_expr(
                            delivery::Column::LastStatus,
                            Expr::value(err.status().map(i32::from)),
                        )
                        .col_expr(delivery::Column::LastError, Expr::value(error));
                    match retry {
                        Some(seconds) => {
                            pass.retrying += 1;
                            update.col_expr(
                                delivery::Column::NextAttemptAt,
                                Expr::value(now + TimeDelta::seconds(*seconds)),
                            )
                        }
                        None => {
                            pass.failed += 1;
                            update.col_expr(
                                delivery::Column::Status,
                                Expr::value(DeliveryStatus::Failed),
                            )
                        }
                    }
                }
            };
            update.exec(&self.db).await?;
        }
        Ok(pass)
    }
}

impl Deliverer {
    /// The URL a delivery goes to and the secret it is signed with.
    async fn endpoint(
        &self,
        delivery: &delivery::Model,
    ) -> Result<Option<(String, String)>, DbErr> {
        if let Some(id) = delivery.destination_id {
            let destination = alert_destination::Entity::find_by_id(id)
                .one(&self.db)
                .await?;
            return Ok(destination.map(|d| (d.url.clone(), signing_secret(&self.hasher, &d))));
        }
        let Some(id) = delivery.webhook_id else {
            return Ok(None);
        };
        let Some(hook) = webhook::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        if !hook.active {
            // Deactivated after the event was queued: nothing more goes to it.
            delivery::Entity::update_many()
                .col_expr(
                    delivery::Column::Status,
                    Expr::value(DeliveryStatus::Failed),
                )
                .col_expr(
                    delivery::Column::LastError,
                    Expr::value("the webhook was deactivated"),
                )
                .filter(delivery::Column::Id.eq(delivery.id))
                .exec(&self.db)
                .await?;
            return Ok(None);
        }
        Ok(Some((
            hook.url.clone(),
            webhooks::signing_secret(&self.hasher, &hook),
        )))
    }
}

/// Takes up to `BATCH` due deliveries: each gets its attempt counted and a lease (its
/// `next_attempt_at` moves past the attempt), in one statement, so two workers never
/// claim the same one. PostgreSQL skips rows another worker is claiming.
async fn claim(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<delivery::Model>, DbErr> {
    let lease_end = now + LEASE;
    let backend = db.get_database_backend();
    let (sql, values): (&str, Vec<sea_orm::Value>) = match backend {
        DbBackend::Postgres => (
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $1 \
             WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' \
             AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING *",
            vec![
                lease_end.into(),
                now.into(),
                i64::try_from(BATCH).unwrap_or(10).into(),
            ],
        ),
        _ => (
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ? \
             WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' \
             AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?) \
             RETURNING *",
            vec![
                lease_end.into(),
                now.into(),
                i64::try_from(BATCH).unwrap_or(10).into(),
            ],
        ),
    };
    delivery::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

/// Delivers every `every` until [`Delivering::stop`].
pub fn spawn_deliverer(deliverer: Deliverer, every: Duration) -> Delivering {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => return,
            }
            match deliverer.deliver_due(Utc::now()).await {
                Ok(pass) => {
                    metrics::counter!("keyward_alerts_delivered_total").increment(pass.delivered);
                    metrics::counter!("keyward_alert_attempts_failed_total")
                        .increment(pass.retrying + pass.failed);
                }
                Err(err) => tracing::warn!(%err, "could not deliver alerts; trying again"),
            }
        }
    });
    Delivering { stop, task }
}

/// The delivery task.
pub struct Delivering {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Delivering {
    /// Stops after the pass in progress.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(%err, "the alert deliverer failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_an_hmac_of_the_time_and_the_body() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let signed = signature("whsec_test", at, r#"{"id":1}"#);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"whsec_test").unwrap();
        mac.update(br#"1700000000.{"id":1}"#);
        assert_eq!(
            signed,
            format!(
                "t=1700000000,v1={}",
                hex::encode(mac.finalize().into_bytes())
            )
        );
    }

    #[test]
    fn eight_attempts_span_about_a_day() {
        let total: i64 = RETRY_AFTER_SECONDS.iter().sum();
        assert_eq!(RETRY_AFTER_SECONDS.len() + 1, 8);
        assert!((20 * 3_600..=26 * 3_600).contains(&total), "{total}");
    }
}
