//! Suspicious-activity signals: what the background detector noticed about a key, with
//! the evidence, as the key list, the key page and the Signals page show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Mode, Refusal, Scope, vocabulary::closed_vocabulary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum SignalKind {
    NewAddress,
    FailureSpike,
    OffHours,
    PresentedAfterEnd,
    DeniedScope,
    UnusedScopes,
    RotationDue,
}

closed_vocabulary!(SignalKind, "signal kind", {
    NewAddress => ("new_address", "New address"),
    FailureSpike => ("failure_spike", "Failure spike"),
    OffHours => ("off_hours", "Off-hours use"),
    PresentedAfterEnd => ("presented_after_end", "Used after revocation"),
    DeniedScope => ("denied_scope", "Denied scope"),
    UnusedScopes => ("unused_scopes", "Unused scopes"),
    RotationDue => ("rotation_due", "Rotation due"),
});

impl SignalKind {
    /// What the signal means and the rule that raises it: the UI's help text.
    pub fn rule(self) -> &'static str {
        match self {
            SignalKind::NewAddress => {
                "A request came from an address (an IPv4 address or an IPv6 /64) this key \
                 was not used from in the previous 30 days, after the key's first day of use."
            }
            SignalKind::FailureSpike => {
                "In the current and previous UTC hour at least 20 requests failed, at least \
                 half of all requests failed, and that share is at least three times the \
                 key's share over the 7 days before."
            }
            SignalKind::OffHours => {
                "The key was used outside the organization's business hours (set on the \
                 Signals page; off until set)."
            }
            SignalKind::PresentedAfterEnd => {
                "Someone still presents this key after it was revoked or expired: an \
                 integration not yet updated, or a leaked copy."
            }
            SignalKind::DeniedScope => {
                "Requests were refused because the key lacks the scope they need."
            }
            SignalKind::UnusedScopes => {
                "The key is at least 30 days old and holds scopes none of its requests \
                 needed in 30 days: narrow it to what it uses."
            }
            SignalKind::RotationDue => {
                "Live keys are due for rotation after 90 days, test keys after 180; a key \
                 expiring within 7 days needs its successor."
            }
        }
    }

    /// Kinds that describe the key's current state: they resolve by themselves when the
    /// state changes (the key is narrowed, rolled or revoked). The others record events
    /// and stay open until dismissed.
    pub fn is_state(self) -> bool {
        matches!(self, SignalKind::UnusedScopes | SignalKind::RotationDue)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
pub enum SignalStatus {
    #[default]
    Open,
    /// An Owner or Admin looked at it; it reopens only on newer evidence.
    Dismissed,
    /// A state signal whose state is gone.
    Resolved,
}

closed_vocabulary!(SignalStatus, "signal status", {
    Open => ("open", "Open"),
    Dismissed => ("dismissed", "Dismissed"),
    Resolved => ("resolved", "Resolved"),
});

/// Why a rotation is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RotationReason {
    Age { age_days: i64, limit_days: i64 },
    Expiring { expires_at: DateTime<Utc> },
}

/// What the detector saw. Stored as JSON with the signal and in its audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignalEvidence {
    NewAddress {
        network: String,
        first_seen: DateTime<Utc>,
        requests: i64,
    },
    FailureSpike {
        since: DateTime<Utc>,
        requests: i64,
        failed: i64,
        baseline_requests: i64,
        baseline_failed: i64,
    },
    OffHours {
        requests: i64,
        first_at: DateTime<Utc>,
        last_at: DateTime<Utc>,
        time_zone: String,
    },
    PresentedAfterEnd {
        refusal: Refusal,
        requests: i64,
        first_at: DateTime<Utc>,
        last_at: DateTime<Utc>,
        /// Up to 10 networks the refused requests came from, most recent first.
        networks: Vec<String>,
    },
    DeniedScope {
        scope: Scope,
        denied: i64,
        last_denied_at: DateTime<Utc>,
    },
    UnusedScopes {
        unused: Vec<Scope>,
        narrowed: Vec<Scope>,
    },
    RotationDue(RotationReason),
}

impl SignalEvidence {
    pub fn kind(&self) -> SignalKind {
        match self {
            SignalEvidence::NewAddress { .. } => SignalKind::NewAddress,
            SignalEvidence::FailureSpike { .. } => SignalKind::FailureSpike,
            SignalEvidence::OffHours { .. } => SignalKind::OffHours,
            SignalEvidence::PresentedAfterEnd { .. } => SignalKind::PresentedAfterEnd,
            SignalEvidence::DeniedScope { .. } => SignalKind::DeniedScope,
            SignalEvidence::UnusedScopes { .. } => SignalKind::UnusedScopes,
            SignalEvidence::RotationDue(_) => SignalKind::RotationDue,
        }
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        let scopes = |list: &[Scope]| {
            list.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            SignalEvidence::NewAddress {
                network, requests, ..
            } => format!("{requests} request(s) from {network}, new for this key"),
            SignalEvidence::FailureSpike {
                requests,
                failed,
                baseline_requests,
                baseline_failed,
                ..
            } => format!(
                "{failed} of {requests} requests failed ({}%); 7-day baseline {}%",
                percent(*failed, *requests),
                percent(*baseline_failed, *baseline_requests)
            ),
            SignalEvidence::OffHours {
                requests,
                time_zone,
                ..
            } => format!("{requests} request(s) outside business hours ({time_zone})"),
            SignalEvidence::PresentedAfterEnd {
                refusal,
                requests,
                networks,
                ..
            } => format!(
                "{requests} request(s) refused as “{}” from {}",
                refusal.label(),
                if networks.is_empty() {
                    "unknown addresses".to_owned()
                } else {
                    networks.join(", ")
                }
            ),
            SignalEvidence::DeniedScope { scope, denied, .. } => {
                format!("{denied} request(s) denied for lack of {}", scope.as_str())
            }
            SignalEvidence::UnusedScopes { unused, narrowed } => format!(
                "Unused in 30 days: {}. Narrow to {}?",
                scopes(unused),
                scopes(narrowed)
            ),
            SignalEvidence::RotationDue(RotationReason::Age {
                age_days,
                limit_days,
            }) => format!("{age_days} days old (rotate every {limit_days} days)"),
            SignalEvidence::RotationDue(RotationReason::Expiring { expires_at }) => {
                format!("Expires {}", crate::components::format::exact(*expires_at))
            }
        }
    }
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { part * 100 / whole }
}

/// One signal as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalRow {
    pub id: Uuid,
    pub key_id: Uuid,
    pub key_name: String,
    pub key_mode: Mode,
    pub kind: SignalKind,
    pub status: SignalStatus,
    pub evidence: SignalEvidence,
    /// The newest evidence.
    pub evidence_at: DateTime<Utc>,
    /// When it was last opened (first detection or reopening).
    pub opened_at: DateTime<Utc>,
    pub dismissed_at: Option<DateTime<Utc>>,
    pub dismissed_by_email: Option<String>,
}

/// The Signals page's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalListing {
    pub rows: Vec<SignalRow>,
    pub next_cursor: Option<String>,
    /// Owners and Admins may dismiss.
    pub can_dismiss: bool,
}

/// When the organization works: the off-hours signal fires on use outside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// An IANA zone name (`Europe/Berlin`); the server lists the ones it knows.
    pub time_zone: String,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// Local hours `start_hour..end_hour` (0–23, 1–24).
    pub start_hour: u8,
    pub end_hour: u8,
}

impl BusinessHours {
    pub const WEEKDAYS: [&'static str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    /// Monday to Friday, 9 to 18, in the zone given.
    pub fn office(time_zone: &str) -> Self {
        BusinessHours {
            time_zone: time_zone.to_owned(),
            days: vec![1, 2, 3, 4, 5],
            start_hour: 9,
            end_hour: 18,
        }
    }

    /// The shape's rules (the zone is checked against the server's list).
    pub fn check(&self) -> Result<(), String> {
        if self.days.is_empty() || self.days.iter().any(|day| !(1..=7).contains(day)) {
            return Err("days: choose at least one day of the week".to_owned());
        }
        if self.start_hour > 23 || !(1..=24).contains(&self.end_hour) {
            return Err("hours: from 0–23 to 1–24".to_owned());
        }
        if self.start_hour >= self.end_hour {
            return Err("hours: the end must be after the start".to_owned());
        }
        Ok(())
    }

    /// Whether local weekday `day` (1 = Monday) and `hour` are inside.
    pub fn covers(&self, day: u8, hour: u8) -> bool {
        self.days.contains(&day) && (self.start_hour..self.end_hour).contains(&hour)
    }
}

/// The Signals page's business-hours form: the current setting and the zones to pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHoursView {
    pub hours: Option<BusinessHours>,
    pub time_zones: Vec<String>,
    pub can_edit: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_evidence_round_trips_through_json_with_its_kind() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let evidence = [
            SignalEvidence::NewAddress {
                network: "203.0.113.9".into(),
                first_seen: at,
                requests: 3,
            },
            SignalEvidence::PresentedAfterEnd {
                refusal: Refusal::Revoked,
                requests: 2,
                first_at: at,
                last_at: at,
                networks: vec!["203.0.113.9".into()],
            },
            SignalEvidence::RotationDue(RotationReason::Expiring { expires_at: at }),
        ];
        for item in evidence {
            let json = serde_json::to_value(&item).unwrap();
            assert_eq!(json["kind"], item.kind().as_str());
            assert_eq!(
                serde_json::from_value::<SignalEvidence>(json).unwrap(),
                item
            );
        }
    }

    #[test]
    fn business_hours_cover_their_days_and_hours_only() {
        let hours = BusinessHours::office("UTC");
        assert!(hours.check().is_ok());
        assert!(hours.covers(1, 9) && hours.covers(5, 17));
        assert!(!hours.covers(1, 18) && !hours.covers(1, 8) && !hours.covers(6, 12));
        let backwards = BusinessHours {
            start_hour: 18,
            end_hour: 9,
            ..hours.clone()
        };
        assert!(backwards.check().is_err());
        let no_days = BusinessHours {
            days: vec![],
            ..hours.clone()
        };
        assert!(no_days.check().is_err());
        let day_eight = BusinessHours {
            days: vec![8],
            ..hours
        };
        assert!(day_eight.check().is_err());
    }

    #[test]
    fn only_unused_scopes_and_rotation_are_states() {
        let states: Vec<_> = SignalKind::ALL.iter().filter(|k| k.is_state()).collect();
        assert_eq!(
            states,
            [&SignalKind::UnusedScopes, &SignalKind::RotationDue]
        );
    }
}
