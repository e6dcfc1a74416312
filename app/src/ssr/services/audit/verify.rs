//! Walking a chain: the genesis seal, then every link in order, then the head. The
//! first thing that does not match is reported; a chain that matches is verified up to
//! its newest event. The Audit Log page walks on from where this process last verified
//! the chain ([`AuditLog::verify_recent`]), so a visit reads only the newer events.

use std::{collections::HashMap, sync::PoisonError, time::Instant};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::chain::{AuditLog, canonical, chain_of, unchained};
use crate::ssr::entities::{audit_chain_head, audit_event};

/// Links checked per query.
const PAGE: u64 = 1_000;

/// The first thing found wrong in a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("the chain has events but no head")]
    NoHead,
    #[error(
        "the events written before the chain began were changed, or an event without a position was added or removed ({found} found, {sealed} sealed)"
    )]
    Genesis { sealed: i64, found: i64 },
    #[error("event #{expected} is missing (the next one found is {found:?})")]
    Missing { expected: i64, found: Option<Uuid> },
    #[error("event #{seq} ({id}) does not match its seal: changed, moved or forged")]
    Changed { seq: i64, id: Uuid },
    #[error(
        "the newest events were removed: the head is at #{head}, the last event found is #{last}"
    )]
    Truncated { head: i64, last: i64 },
    #[error("the chain's head does not match its newest event")]
    HeadChanged,
}

/// What a walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events written before the chain began (sealed as its genesis).
    pub genesis_events: i64,
    /// Events checked link by link (all of them when the chain holds).
    pub linked_events: i64,
    /// The newest event up to which the chain holds.
    pub verified_up_to: Option<DateTime<Utc>>,
    pub broken: Option<ChainBreak>,
}

/// The newest link a walk verified, and what the walk had found up to it.
#[derive(Debug, Clone)]
pub(super) struct Checkpoint {
    link: Link,
    genesis_events: i64,
    linked_events: i64,
    verified_up_to: Option<DateTime<Utc>>,
    /// When the chain was last walked from its genesis.
    walked_whole_at: Instant,
}

/// A position in a chain and the HMAC there (position 0: the genesis seal).
#[derive(Debug, Clone)]
struct Link {
    seq: i64,
    mac: String,
}

impl AuditLog {
    /// Walks the chain of `org_id` (`None`: the system chain) from its genesis.
    pub async fn verify(
        &self,
        db: &impl ConnectionTrait,
        org_id: Option<Uuid>,
    ) -> Result<ChainReport, DbErr> {
        let chain = chain_of(org_id);
        let walked_at = Instant::now();
        let (report, last) = self.walk_whole(db, org_id, &chain).await?;
        self.remember(&chain, &report, last, walked_at);
        Ok(report)
    }

    /// What the Audit Log page shows, without reading every event on every visit: walks
    /// only the links after the newest one this process verified, if it walked the chain
    /// whole within `full_walk_every` (an hour), and the whole chain otherwise. An event
    /// changed before that link is found by the next whole walk, and by
    /// `server audit verify` at any time.
    pub async fn verify_recent(
        &self,
        db: &impl ConnectionTrait,
        org_id: Option<Uuid>,
    ) -> Result<ChainReport, DbErr> {
        let chain = chain_of(org_id);
        let checkpoint = self
            .checkpoints()
            .get(&chain)
            .filter(|checkpoint| checkpoint.walked_whole_at.elapsed() < self.full_walk_every)
            .cloned();
        let Some(checkpoint) = checkpoint else {
            return self.verify(db, org_id).await;
        };
        let head = audit_chain_head::Entity::find_by_id(chain.clone())
            .one(db)
            .await?;
        let Some(head) = head else {
            return self.verify(db, org_id).await;
        };
        if checkpoint.link.seq > 0 {
            let anchor = audit_event::Entity::find()
                .filter(org_filter(org_id))
                .filter(audit_event::Column::ChainSeq.eq(checkpoint.link.seq))
                .one(db)
                .await?;
            // The link walked from must still be there as verified; if not, the whole
            // walk says precisely what changed.
            if anchor.and_then(|event| event.chain_mac).as_deref()
                != Some(checkpoint.link.mac.as_str())
            {
                return self.verify(db, org_id).await;
            }
        }
        let mut report = ChainReport {
            genesis_events: checkpoint.genesis_events,
            linked_events: checkpoint.linked_events,
            verified_up_to: checkpoint.verified_up_to,
            broken: None,
        };
        let last = self
            .walk_links(db, org_id, &head, checkpoint.link, &mut report)
            .await?;
        self.remember(&chain, &report, last, checkpoint.walked_whole_at);
        Ok(report)
    }

    fn checkpoints(&self) -> std::sync::MutexGuard<'_, HashMap<String, Checkpoint>> {
        // A checkpoint is replaced whole, so a panic elsewhere cannot leave one half-written.
        self.checkpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps where a walk that held ended; forgets the chain's checkpoint after one
    /// that broke, so the next visit walks it whole again.
    fn remember(
        &self,
        chain: &str,
        report: &ChainReport,
        last: Option<Link>,
        walked_whole_at: Instant,
    ) {
        let mut checkpoints = self.checkpoints();
        match last {
            Some(link) if report.broken.is_none() => {
                checkpoints.insert(
                    chain.to_owned(),
                    Checkpoint {
                        link,
                        genesis_events: report.genesis_events,
                        linked_events: report.linked_events,
                        verified_up_to: report.verified_up_to,
                        walked_whole_at,
                    },
                );
            }
            _ => {
                checkpoints.remove(chain);
            }
        }
    }

    /// The genesis seal, then every link; the last link verified when the chain holds.
    async fn walk_whole(
        &self,
        db: &impl ConnectionTrait,
        org_id: Option<Uuid>,
        chain: &str,
    ) -> Result<(ChainReport, Option<Link>), DbErr> {
        let mut report = ChainReport {
            genesis_events: 0,
            linked_events: 0,
            verified_up_to: None,
            broken: None,
        };
        let before = unchained(db, chain).await?;
        let Some(head) = audit_chain_head::Entity::find_by_id(chain.to_owned())
            .one(db)
            .await?
        else {
            let any_linked = audit_event::Entity::find()
                .filter(org_filter(org_id))
                .filter(audit_event::Column::ChainSeq.is_not_null())
                .one(db)
                .await?
                .is_some();
            // A chain nothing was written to yet (its genesis is sealed at start-up).
            if any_linked || !before.is_empty() {
                report.broken = Some(ChainBreak::NoHead);
            }
            return Ok((report, None));
        };
        let (count, genesis) = self.genesis(chain, &before)?;
        report.genesis_events = head.genesis_events;
        if (count, genesis.as_str()) != (head.genesis_events, head.genesis_mac.as_str()) {
            report.broken = Some(ChainBreak::Genesis {
                sealed: head.genesis_events,
                found: count,
            });
            return Ok((report, None));
        }
        report.verified_up_to = before.last().map(|event| event.created_at);
        let genesis = Link {
            seq: 0,
            mac: genesis,
        };
        let last = self
            .walk_links(db, org_id, &head, genesis, &mut report)
            .await?;
        Ok((report, last))
    }

    /// Checks every link after `from` up to the head read before the walk; returns the
    /// last one when the chain holds to the head.
    async fn walk_links(
        &self,
        db: &impl ConnectionTrait,
        org_id: Option<Uuid>,
        head: &audit_chain_head::Model,
        from: Link,
        report: &mut ChainReport,
    ) -> Result<Option<Link>, DbErr> {
        let Link {
            seq: mut last,
            mac: mut previous,
        } = from;
        loop {
            let page = audit_event::Entity::find()
                .filter(org_filter(org_id))
                .filter(audit_event::Column::ChainSeq.gt(last))
                // Events chained after the head was read are the next walk's.
                .filter(audit_event::Column::ChainSeq.lte(head.seq))
                .order_by_asc(audit_event::Column::ChainSeq)
                .limit(PAGE)
                .all(db)
                .await?;
            if page.is_empty() {
                break;
            }
            for event in page {
                let seq = event.chain_seq.unwrap_or_default();
                if seq != last + 1 {
                    report.broken = Some(ChainBreak::Missing {
                        expected: last + 1,
                        found: Some(event.id),
                    });
                    return Ok(None);
                }
                let mac = self.link(&previous, &canonical(&event, Some(seq))?);
                if event.chain_mac.as_deref() != Some(mac.as_str()) {
                    report.broken = Some(ChainBreak::Changed { seq, id: event.id });
                    return Ok(None);
                }
                previous = mac;
                last = seq;
                report.linked_events += 1;
                report.verified_up_to = Some(event.created_at);
            }
        }
        if last < head.seq {
            report.broken = Some(ChainBreak::Truncated {
                head: head.seq,
                last,
            });
            return Ok(None);
        }
        if previous != head.mac {
            report.broken = Some(ChainBreak::HeadChanged);
            return Ok(None);
        }
        Ok(Some(Link {
            seq: last,
            mac: previous,
        }))
    }
}

fn org_filter(org_id: Option<Uuid>) -> sea_orm::Condition {
    match org_id {
        Some(org) => sea_orm::Condition::all().add(audit_event::Column::OrgId.eq(org)),
        None => sea_orm::Condition::all().add(audit_event::Column::OrgId.is_null()),
    }
}
