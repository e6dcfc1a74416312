//! Walking a chain: the genesis seal, then every link in order, then the head. The
//! first thing that does not match is reported; a chain that matches is verified up to
//! its newest event.

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

impl AuditLog {
    /// Walks the chain of `org_id` (`None`: the system chain).
    pub async fn verify(
        &self,
        db: &impl ConnectionTrait,
        org_id: Option<Uuid>,
    ) -> Result<ChainReport, DbErr> {
        let chain = chain_of(org_id);
        let mut report = ChainReport {
            genesis_events: 0,
            linked_events: 0,
            verified_up_to: None,
            broken: None,
        };
        let before = unchained(db, &chain).await?;
        let Some(head) = audit_chain_head::Entity::find_by_id(chain.clone())
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
            return Ok(report);
        };
        let (count, genesis) = self.genesis(&chain, &before)?;
        report.genesis_events = head.genesis_events;
        if (count, genesis.as_str()) != (head.genesis_events, head.genesis_mac.as_str()) {
            report.broken = Some(ChainBreak::Genesis {
                sealed: head.genesis_events,
                found: count,
            });
            return Ok(report);
        }
        report.verified_up_to = before.last().map(|event| event.created_at);
        let mut previous = genesis;
        let mut last = 0;
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
                    return Ok(report);
                }
                let mac = self.link(&previous, &canonical(&event, Some(seq))?);
                if event.chain_mac.as_deref() != Some(mac.as_str()) {
                    report.broken = Some(ChainBreak::Changed { seq, id: event.id });
                    return Ok(report);
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
        } else if previous != head.mac {
            report.broken = Some(ChainBreak::HeadChanged);
        }
        Ok(report)
    }
}

fn org_filter(org_id: Option<Uuid>) -> sea_orm::Condition {
    match org_id {
        Some(org) => sea_orm::Condition::all().add(audit_event::Column::OrgId.eq(org)),
        None => sea_orm::Condition::all().add(audit_event::Column::OrgId.is_null()),
    }
}
