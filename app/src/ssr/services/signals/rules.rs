//! The detection rules: each reads the aggregates the usage flusher keeps (hourly
//! usage, the footprint, the request log) and returns what it found, keyed by key.
//! Nothing here writes; `store` decides what is new.

use std::{net::IpAddr, str::FromStr};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait as _},
};
use uuid::Uuid;

use super::{
    Finding, hours,
    lookup::{chunks, distinct, keys_among},
};
use crate::{
    model::{
        BusinessHours, Mode, Refusal, RotationReason, Scope, ScopeSeen, SignalEvidence,
        narrowed_scopes, unused_grants,
    },
    ssr::{
        entities::{
            api_key, api_key_address, api_key_scope_use, api_key_usage, api_request, organization,
        },
        services::{
            FastMap,
            footprint::Network,
            keys::{replaced_keys, stored_scopes, works_at},
            usage::hour_of,
        },
    },
};

/// How far back the 30-day rules look (the footprint forgets after as long).
pub const LOOKBACK_DAYS: i64 = 30;
/// Failure spike: failures in the recent window, share of all, and ratio to baseline.
pub const SPIKE_MIN_FAILED: i64 = 20;
const SPIKE_MIN_PERCENT: i64 = 50;
const SPIKE_BASELINE_FACTOR: i64 = 3;
const SPIKE_BASELINE_DAYS: i64 = 7;
/// Rotation due after this many days (live, test), or this close to expiry.
pub const ROTATE_LIVE_DAYS: i64 = 90;
pub const ROTATE_TEST_DAYS: i64 = 180;
const EXPIRY_WARNING_DAYS: i64 = 7;
const NETWORKS_SHOWN: usize = 10;

/// Networks first seen since `since`, from which some request got past verification,
/// for keys whose first use was at least a day before.
pub async fn new_addresses(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<Finding>, DbErr> {
    let seen = api_key_address::Entity::find()
        .filter(api_key_address::Column::FirstSeen.gte(since))
        .filter(
            Expr::col(api_key_address::Column::Requests)
                .gt(Expr::col(api_key_address::Column::Refused)),
        )
        .all(db)
        .await?;
    let keys = distinct(seen.iter().map(|a| a.key_id).collect());
    let mut first_use: FastMap<Uuid, DateTime<Utc>> = FastMap::default();
    for ids in chunks(&keys) {
        let rows: Vec<(Uuid, DateTime<Utc>)> = api_key_usage::Entity::find()
            .select_only()
            .column(api_key_usage::Column::KeyId)
            .column_as(api_key_usage::Column::HourStart.min(), "first_hour")
            .filter(api_key_usage::Column::KeyId.is_in(ids))
            .group_by(api_key_usage::Column::KeyId)
            .into_tuple()
            .all(db)
            .await?;
        first_use.extend(rows);
    }
    Ok(seen
        .into_iter()
        .filter(|address| {
            first_use
                .get(&address.key_id)
                .is_some_and(|first| address.first_seen >= *first + TimeDelta::days(1))
        })
        .map(|address| Finding {
            key_id: address.key_id,
            subject: address.network.clone(),
            evidence_at: address.first_seen,
            evidence: SignalEvidence::NewAddress {
                network: address.network,
                first_seen: address.first_seen,
                requests: address.requests,
            },
        })
        .collect())
}

/// Keys still working whose failures in the current and previous UTC hour are many,
/// most of their requests, and far above their own share over the week before.
pub async fn failure_spikes(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<Finding>, DbErr> {
    let recent_from = hour_of(now) - TimeDelta::hours(1);
    let recent = api_key_usage::Entity::find()
        .filter(api_key_usage::Column::HourStart.gte(recent_from))
        .all(db)
        .await?;
    // Per key: requests, failures, and the newest hour with failures.
    let mut tallies: FastMap<Uuid, (i64, i64, DateTime<Utc>)> = FastMap::default();
    for hour in &recent {
        let tally = tallies.entry(hour.key_id).or_insert((0, 0, recent_from));
        tally.0 += hour.total;
        tally.1 += hour.failed;
        if hour.failed > 0 {
            tally.2 = Ord::max(tally.2, hour.hour_start);
        }
    }
    let candidates: Vec<Uuid> = distinct(
        tallies
            .iter()
            .filter(|(_, t)| t.1 >= SPIKE_MIN_FAILED)
            .map(|(id, _)| *id)
            .collect(),
    );
    let working = keys_among(db, &candidates, works_at(now)).await?;
    let mut baseline: FastMap<Uuid, (i64, i64)> = FastMap::default();
    for ids in chunks(&candidates) {
        for hour in api_key_usage::Entity::find()
            .filter(api_key_usage::Column::KeyId.is_in(ids))
            .filter(
                api_key_usage::Column::HourStart
                    .gte(recent_from - TimeDelta::days(SPIKE_BASELINE_DAYS)),
            )
            .filter(api_key_usage::Column::HourStart.lt(recent_from))
            .all(db)
            .await?
        {
            let sums = baseline.entry(hour.key_id).or_default();
            sums.0 += hour.total;
            sums.1 += hour.failed;
        }
    }
    Ok(candidates
        .into_iter()
        .filter(|id| working.contains_key(id))
        .filter_map(|key_id| {
            let (requests, failed, newest) = *tallies.get(&key_id)?;
            let (baseline_requests, baseline_failed) =
                baseline.get(&key_id).copied().unwrap_or_default();
            let spiking = spiking(requests, failed, baseline_requests, baseline_failed);
            spiking.then(|| Finding {
                key_id,
                subject: String::new(),
                evidence_at: newest,
                evidence: SignalEvidence::FailureSpike {
                    since: recent_from,
                    requests,
                    failed,
                    baseline_requests,
                    baseline_failed,
                },
            })
        })
        .collect())
}

/// The failure-spike rule: at least half failed, and a share at least three times the
/// baseline's (any share is, over a baseline without failures).
pub fn spiking(requests: i64, failed: i64, baseline_requests: i64, baseline_failed: i64) -> bool {
    let (requests, failed) = (i128::from(requests), i128::from(failed));
    let (baseline_requests, baseline_failed) =
        (i128::from(baseline_requests), i128::from(baseline_failed));
    failed >= i128::from(SPIKE_MIN_FAILED)
        && failed * 100 >= i128::from(SPIKE_MIN_PERCENT) * requests
        && failed * baseline_requests
            >= i128::from(SPIKE_BASELINE_FACTOR) * baseline_failed * requests
}

/// Requests served outside business hours in the last 24 hours, for organizations that
/// set them.
pub async fn off_hours(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<Finding>, DbErr> {
    let orgs = organization::Entity::find()
        .filter(organization::Column::BusinessHours.is_not_null())
        .all(db)
        .await?;
    let mut found = Vec::new();
    for org in orgs {
        let Some(hours) = org
            .business_hours
            .and_then(|json| serde_json::from_value::<BusinessHours>(json).ok())
        else {
            continue;
        };
        let Some(zone) = hours::zone(&hours.time_zone) else {
            continue;
        };
        let off = hours::off_hours_between(&hours, zone, now - TimeDelta::days(1), now);
        if off.is_empty() {
            continue;
        }
        let mut window = Condition::any();
        for (start, end) in off {
            window = window.add(
                Condition::all()
                    .add(api_request::Column::At.gte(start))
                    .add(api_request::Column::At.lt(end)),
            );
        }
        let rows: Vec<(Uuid, i64, DateTime<Utc>, DateTime<Utc>)> = api_request::Entity::find()
            .select_only()
            .column(api_request::Column::KeyId)
            .column_as(api_request::Column::Id.count(), "requests")
            .column_as(api_request::Column::At.min(), "first_at")
            .column_as(api_request::Column::At.max(), "last_at")
            .filter(api_request::Column::OrgId.eq(org.id))
            .filter(api_request::Column::Refusal.is_null())
            .filter(window)
            .group_by(api_request::Column::KeyId)
            .into_tuple()
            .all(db)
            .await?;
        found.extend(
            rows.into_iter()
                .map(|(key_id, requests, first_at, last_at)| Finding {
                    key_id,
                    subject: String::new(),
                    evidence_at: last_at,
                    evidence: SignalEvidence::OffHours {
                        requests,
                        first_at,
                        last_at,
                        time_zone: hours.time_zone.clone(),
                    },
                }),
        );
    }
    Ok(found)
}

/// A refused request of an ended key: key, time, refusal and address.
type Presentation = (Uuid, DateTime<Utc>, Option<Refusal>, Option<String>);

/// Keys presented after revocation or expiry since `since`, with everything the log
/// still holds about those presentations.
pub async fn presented_after_end(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<Finding>, DbErr> {
    let ended = [Refusal::Revoked, Refusal::Expired];
    let keys: Vec<Uuid> = api_request::Entity::find()
        .select_only()
        .column(api_request::Column::KeyId)
        .distinct()
        .filter(api_request::Column::Refusal.is_in(ended))
        .filter(api_request::Column::At.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let mut found = Vec::new();
    for ids in chunks(&distinct(keys)) {
        let rows: Vec<Presentation> = api_request::Entity::find()
            .select_only()
            .column(api_request::Column::KeyId)
            .column(api_request::Column::At)
            .column(api_request::Column::Refusal)
            .column(api_request::Column::Ip)
            .filter(api_request::Column::KeyId.is_in(ids))
            .filter(api_request::Column::Refusal.is_in(ended))
            .order_by_desc(api_request::Column::At)
            .into_tuple()
            .all(db)
            .await?;
        let mut per_key: FastMap<Uuid, SignalEvidence> = FastMap::default();
        for (key_id, at, refusal, ip) in rows {
            let network = ip
                .and_then(|ip| IpAddr::from_str(&ip).ok())
                .map(|ip| Network::of(ip).to_string());
            let entry =
                per_key
                    .entry(key_id)
                    .or_insert_with(|| SignalEvidence::PresentedAfterEnd {
                        refusal: refusal.unwrap_or(Refusal::Revoked),
                        requests: 0,
                        first_at: at,
                        last_at: at,
                        networks: Vec::new(),
                    });
            if let SignalEvidence::PresentedAfterEnd {
                requests,
                first_at,
                networks,
                ..
            } = entry
            {
                *requests += 1;
                *first_at = at;
                if let Some(network) = network
                    && networks.len() < NETWORKS_SHOWN
                    && !networks.contains(&network)
                {
                    networks.push(network);
                }
            }
        }
        found.extend(per_key.into_iter().filter_map(|(key_id, evidence)| {
            let SignalEvidence::PresentedAfterEnd { last_at, .. } = evidence else {
                return None;
            };
            Some(Finding {
                key_id,
                subject: String::new(),
                evidence_at: last_at,
                evidence,
            })
        }));
    }
    Ok(found)
}

/// Scopes requests were denied since `since`.
pub async fn denied_scopes(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<Finding>, DbErr> {
    let denied = api_key_scope_use::Entity::find()
        .filter(api_key_scope_use::Column::LastDeniedAt.gte(since))
        .filter(api_key_scope_use::Column::Denied.gt(0))
        .all(db)
        .await?;
    Ok(denied
        .into_iter()
        .filter_map(|row| {
            let scope = Scope::from_str(&row.scope).ok()?;
            let last_denied_at = row.last_denied_at?;
            Some(Finding {
                key_id: row.key_id,
                subject: row.scope,
                evidence_at: last_denied_at,
                evidence: SignalEvidence::DeniedScope {
                    scope,
                    denied: row.denied,
                    last_denied_at,
                },
            })
        })
        .collect())
}

/// The state signals of every working key that is not the old half of a roll: rotation
/// due, and scopes to narrow.
pub async fn states(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<Finding>, DbErr> {
    let keys = api_key::Entity::find()
        .filter(works_at(now))
        .filter(api_key::Column::Id.not_in_subquery(replaced_keys()))
        .all(db)
        .await?;
    let mut found: Vec<Finding> = keys.iter().filter_map(|key| rotation(key, now)).collect();
    let old: Vec<&api_key::Model> = keys
        .iter()
        .filter(|key| key.created_at <= now - TimeDelta::days(LOOKBACK_DAYS))
        .collect();
    let old_ids: Vec<Uuid> = old.iter().map(|key| key.id).collect();
    let mut seen: FastMap<Uuid, Vec<ScopeSeen>> = FastMap::default();
    for ids in chunks(&old_ids) {
        for row in api_key_scope_use::Entity::find()
            .filter(api_key_scope_use::Column::KeyId.is_in(ids))
            .all(db)
            .await?
        {
            if let Ok(scope) = Scope::from_str(&row.scope) {
                seen.entry(row.key_id).or_default().push(ScopeSeen {
                    scope,
                    allowed: row.allowed,
                    denied: row.denied,
                    last_allowed_at: row.last_allowed_at,
                    last_denied_at: row.last_denied_at,
                });
            }
        }
    }
    for key in old {
        let seen = seen.get(&key.id).map(Vec::as_slice).unwrap_or_default();
        let granted = stored_scopes(&key.scopes);
        if let Some(narrowed) = narrowed_scopes(&granted, key.created_at, seen, LOOKBACK_DAYS, now)
        {
            let subject = narrowed
                .iter()
                .map(|scope| scope.as_str())
                .collect::<Vec<_>>()
                .join(",");
            found.push(Finding {
                key_id: key.id,
                subject,
                evidence_at: key.created_at + TimeDelta::days(LOOKBACK_DAYS),
                evidence: SignalEvidence::UnusedScopes {
                    unused: unused_grants(&granted, seen),
                    narrowed,
                },
            });
        }
    }
    Ok(found)
}

fn rotation(key: &api_key::Model, now: DateTime<Utc>) -> Option<Finding> {
    if let Some(expires_at) = key.expires_at
        && expires_at - now <= TimeDelta::days(EXPIRY_WARNING_DAYS)
    {
        return Some(Finding {
            key_id: key.id,
            subject: "expiry".to_owned(),
            evidence_at: expires_at - TimeDelta::days(EXPIRY_WARNING_DAYS),
            evidence: SignalEvidence::RotationDue(RotationReason::Expiring { expires_at }),
        });
    }
    let limit_days = match key.mode {
        Mode::Live => ROTATE_LIVE_DAYS,
        Mode::Test => ROTATE_TEST_DAYS,
    };
    let age_days = (now - key.created_at).num_days();
    (age_days >= limit_days).then(|| Finding {
        key_id: key.id,
        subject: "age".to_owned(),
        evidence_at: key.created_at + TimeDelta::days(limit_days),
        evidence: SignalEvidence::RotationDue(RotationReason::Age {
            age_days,
            limit_days,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_needs_many_failures_most_requests_and_three_times_the_baseline() {
        assert!(
            spiking(30, 20, 0, 0),
            "no baseline: any share is far above it"
        );
        assert!(!spiking(30, 19, 0, 0), "too few failures");
        assert!(!spiking(50, 24, 0, 0), "less than half failed");
        assert!(spiking(40, 40, 1000, 300), "100% against 30%");
        assert!(
            !spiking(40, 40, 1000, 400),
            "100% against 40%: under three times"
        );
        assert!(
            spiking(i64::MAX / 2, i64::MAX / 2, i64::MAX / 2, 1),
            "no overflow"
        );
    }
}
