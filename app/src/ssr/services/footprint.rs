//! Each key's footprint over the last 30 days: the networks it was used from and the
//! scopes its requests needed (allowed or denied). Collected in memory beside the
//! request log, from every request (the log's cap does not hide an address), written
//! with the usage counts, pruned with the log. The key page shows it; the
//! suspicious-activity signals read it.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{FastMap, usage::UsageSubject};
use crate::{
    model::{AddressSeen, KeyFootprint, Scope, ScopeSeen},
    ssr::entities::{api_key_address, api_key_scope_use},
};

/// How far back the footprint looks.
pub const FOOTPRINT_DAYS: i64 = 30;

/// Distinct networks kept per key and flush; a key used from more (a botnet, say) has
/// the rest counted in `keyward_footprint_networks_dropped_total`.
const MAX_NETWORKS_PER_FLUSH: usize = 1_000;

/// Where a request came from, as the footprint groups it: an IPv4 address, or the /64
/// network of an IPv6 one (one host, or one customer network, usually holds a /64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Network {
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Network::V4(v4),
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                Network::V6(Ipv6Addr::from(prefix))
            }
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Network::V4(v4) => write!(f, "{v4}"),
            Network::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// How a request's route scope was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeCheck {
    Allowed(Scope),
    Denied(Scope),
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    requests: i64,
    refused: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct ScopeTally {
    allowed: i64,
    denied: i64,
    last_allowed: Option<DateTime<Utc>>,
    last_denied: Option<DateTime<Utc>>,
}

/// One key's footprint since the last flush.
#[derive(Debug, Default)]
pub(super) struct PendingFootprint {
    networks: FastMap<Network, Seen>,
    /// Few per key: a linear scan beats hashing.
    scopes: Vec<(Scope, ScopeTally)>,
}

impl PendingFootprint {
    /// `refused`: turned away at verification or by the rate limit (still a use of the
    /// key's secret from that address).
    pub(super) fn note(
        &mut self,
        ip: Option<IpAddr>,
        at: DateTime<Utc>,
        refused: bool,
        scope: Option<ScopeCheck>,
    ) {
        if let Some(ip) = ip {
            let network = Network::of(ip);
            let kept = self.networks.len() < MAX_NETWORKS_PER_FLUSH;
            match self.networks.get_mut(&network) {
                Some(seen) => {
                    seen.last = seen.last.max(at);
                    seen.first = seen.first.min(at);
                    seen.requests += 1;
                    seen.refused += i64::from(refused);
                }
                None if kept => {
                    self.networks.insert(
                        network,
                        Seen {
                            first: at,
                            last: at,
                            requests: 1,
                            refused: i64::from(refused),
                        },
                    );
                }
                None => {
                    metrics::counter!("keyward_footprint_networks_dropped_total").increment(1);
                }
            }
        }
        if let Some(check) = scope {
            let scope = match check {
                ScopeCheck::Allowed(scope) | ScopeCheck::Denied(scope) => scope,
            };
            let index = match self.scopes.iter().position(|(known, _)| *known == scope) {
                Some(index) => index,
                None => {
                    self.scopes.push((scope, ScopeTally::default()));
                    self.scopes.len() - 1
                }
            };
            let tally = &mut self.scopes[index].1;
            match check {
                ScopeCheck::Allowed(_) => {
                    tally.allowed += 1;
                    tally.last_allowed = tally.last_allowed.max(Some(at));
                }
                ScopeCheck::Denied(_) => {
                    tally.denied += 1;
                    tally.last_denied = tally.last_denied.max(Some(at));
                }
            }
        }
    }

    /// Adds a batch that could not be written.
    pub(super) fn merge(&mut self, other: PendingFootprint) {
        for (network, seen) in other.networks {
            match self.networks.get_mut(&network) {
                Some(mine) => {
                    mine.first = mine.first.min(seen.first);
                    mine.last = mine.last.max(seen.last);
                    mine.requests += seen.requests;
                    mine.refused += seen.refused;
                }
                None => {
                    self.networks.insert(network, seen);
                }
            }
        }
        for (scope, tally) in other.scopes {
            match self.scopes.iter_mut().find(|(known, _)| *known == scope) {
                Some((_, mine)) => {
                    mine.allowed += tally.allowed;
                    mine.denied += tally.denied;
                    mine.last_allowed = mine.last_allowed.max(tally.last_allowed);
                    mine.last_denied = mine.last_denied.max(tally.last_denied);
                }
                None => self.scopes.push((scope, tally)),
            }
        }
    }
}

/// `column = CASE WHEN excluded.column <op> table.column THEN excluded ELSE table END`:
/// the earliest or latest of the stored and the new time, on both backends.
fn keep(table: &str, column: &str, newer_wins: bool) -> sea_orm::sea_query::SimpleExpr {
    let op = if newer_wins { ">" } else { "<" };
    Expr::cust(format!(
        "CASE WHEN {table}.{column} IS NULL OR excluded.{column} {op} {table}.{column} \
         THEN excluded.{column} ELSE {table}.{column} END"
    ))
}

fn add(table: &str, column: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!("{table}.{column} + excluded.{column}"))
}

/// Writes one flush's footprints (part of the usage meter's transaction).
pub(super) async fn write<'a>(
    db: &impl ConnectionTrait,
    batch: impl Iterator<Item = (&'a UsageSubject, &'a PendingFootprint)> + Clone,
) -> Result<(), DbErr> {
    use api_key_address::Column as A;
    use api_key_scope_use::Column as S;

    let addresses: Vec<api_key_address::ActiveModel> = batch
        .clone()
        .flat_map(|(subject, footprint)| {
            footprint
                .networks
                .iter()
                .map(move |(network, seen)| api_key_address::ActiveModel {
                    key_id: Set(subject.key_id),
                    network: Set(network.to_string()),
                    org_id: Set(subject.org_id),
                    first_seen: Set(seen.first),
                    last_seen: Set(seen.last),
                    requests: Set(seen.requests),
                    refused: Set(seen.refused),
                })
        })
        .collect();
    for chunk in addresses.chunks(1_000) {
        let table = "api_key_addresses";
        let mut on_conflict = OnConflict::columns([A::KeyId, A::Network]);
        on_conflict.value(A::FirstSeen, keep(table, "first_seen", false));
        on_conflict.value(A::LastSeen, keep(table, "last_seen", true));
        on_conflict.value(A::Requests, add(table, "requests"));
        on_conflict.value(A::Refused, add(table, "refused"));
        api_key_address::Entity::insert_many(chunk.to_vec())
            .on_conflict(on_conflict)
            .exec_without_returning(db)
            .await?;
    }

    let scopes: Vec<api_key_scope_use::ActiveModel> = batch
        .flat_map(|(subject, footprint)| {
            footprint
                .scopes
                .iter()
                .map(move |(scope, tally)| api_key_scope_use::ActiveModel {
                    key_id: Set(subject.key_id),
                    scope: Set(scope.as_str().to_owned()),
                    org_id: Set(subject.org_id),
                    allowed: Set(tally.allowed),
                    denied: Set(tally.denied),
                    last_allowed_at: Set(tally.last_allowed),
                    last_denied_at: Set(tally.last_denied),
                })
        })
        .collect();
    for chunk in scopes.chunks(1_000) {
        let table = "api_key_scope_use";
        let mut on_conflict = OnConflict::columns([S::KeyId, S::Scope]);
        on_conflict.value(S::Allowed, add(table, "allowed"));
        on_conflict.value(S::Denied, add(table, "denied"));
        on_conflict.value(S::LastAllowedAt, keep(table, "last_allowed_at", true));
        on_conflict.value(S::LastDeniedAt, keep(table, "last_denied_at", true));
        api_key_scope_use::Entity::insert_many(chunk.to_vec())
            .on_conflict(on_conflict)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Forgets networks and scopes not seen for [`FOOTPRINT_DAYS`]: an address that comes
/// back after that is new again. Returns the rows deleted.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use api_key_scope_use::Column as S;

    let cutoff = now - TimeDelta::days(FOOTPRINT_DAYS);
    let networks = api_key_address::Entity::delete_many()
        .filter(api_key_address::Column::LastSeen.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected;
    let stale = |column: S| {
        Condition::any()
            .add(column.is_null())
            .add(column.lt(cutoff))
    };
    let scopes = api_key_scope_use::Entity::delete_many()
        .filter(stale(S::LastAllowedAt))
        .filter(stale(S::LastDeniedAt))
        .exec(db)
        .await?
        .rows_affected;
    Ok(networks + scopes)
}

/// A key's footprint for its page: networks by last use, then every scope its requests
/// needed and, for the scopes it was granted, whether they were used.
pub async fn of_key(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    key_id: Uuid,
) -> Result<KeyFootprint, DbErr> {
    let networks = api_key_address::Entity::find()
        .filter(api_key_address::Column::OrgId.eq(org_id))
        .filter(api_key_address::Column::KeyId.eq(key_id))
        .order_by_desc(api_key_address::Column::LastSeen)
        .all(db)
        .await?;
    let scopes = api_key_scope_use::Entity::find()
        .filter(api_key_scope_use::Column::OrgId.eq(org_id))
        .filter(api_key_scope_use::Column::KeyId.eq(key_id))
        .all(db)
        .await?;
    let mut scopes: Vec<ScopeSeen> = scopes
        .into_iter()
        .filter_map(|row| {
            Some(ScopeSeen {
                scope: row.scope.parse().ok()?,
                allowed: row.allowed,
                denied: row.denied,
                last_allowed_at: row.last_allowed_at,
                last_denied_at: row.last_denied_at,
            })
        })
        .collect();
    scopes.sort_by_key(|seen| seen.scope);
    Ok(KeyFootprint {
        days: FOOTPRINT_DAYS,
        addresses: networks
            .into_iter()
            .map(|row| AddressSeen {
                network: row.network,
                first_seen: row.first_seen,
                last_seen: row.last_seen,
                requests: row.requests,
                refused: row.refused,
            })
            .collect(),
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_addresses_stand_alone_and_ipv6_ones_group_by_their_64() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(Network::of(v4).to_string(), "203.0.113.7");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(Network::of(mapped), Network::of(v4));
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Network::of(a), Network::of(b));
        assert_ne!(Network::of(a), Network::of(other));
        assert_eq!(Network::of(a).to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn a_flush_keeps_first_and_last_sight_counts_and_scope_checks() {
        let mut footprint = PendingFootprint::default();
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let t0: DateTime<Utc> = "2026-11-30T10:00:00Z".parse().unwrap();
        let t1 = t0 + TimeDelta::seconds(5);
        footprint.note(
            Some(ip),
            t1,
            false,
            Some(ScopeCheck::Allowed(Scope::ClientsRead)),
        );
        footprint.note(Some(ip), t0, true, None);
        footprint.note(None, t1, false, Some(ScopeCheck::Denied(Scope::AuditRead)));
        let seen = footprint.networks[&Network::of(ip)];
        assert_eq!(
            (seen.first, seen.last, seen.requests, seen.refused),
            (t0, t1, 2, 1)
        );
        assert_eq!(footprint.scopes.len(), 2);
        let mut later = PendingFootprint::default();
        later.note(
            Some(ip),
            t1 + TimeDelta::seconds(1),
            false,
            Some(ScopeCheck::Allowed(Scope::ClientsRead)),
        );
        footprint.merge(later);
        let seen = footprint.networks[&Network::of(ip)];
        assert_eq!((seen.first, seen.requests), (t0, 3));
        let (_, clients) = footprint.scopes[0];
        assert_eq!((clients.allowed, clients.denied), (2, 0));
    }

    #[test]
    fn networks_per_flush_are_bounded() {
        let mut footprint = PendingFootprint::default();
        let at = Utc::now();
        for n in 0..(MAX_NETWORKS_PER_FLUSH as u32 + 5) {
            footprint.note(Some(IpAddr::V4(Ipv4Addr::from(n))), at, false, None);
        }
        assert_eq!(footprint.networks.len(), MAX_NETWORKS_PER_FLUSH);
    }
}
