use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Plan, UsageCounts};

/// What the Billing page shows: the plan, who may change it, and this month's usage
/// with live (billable) and test (not billed) requests apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub plan: Plan,
    /// Only Owners change the plan.
    pub can_change_plan: bool,
    /// 00:00 UTC on the first of the current month.
    pub period_start: DateTime<Utc>,
    pub live: UsageCounts,
    pub test: UsageCounts,
    /// The `/v1` quotas in force on this server (configurable, so not `Plan::limits`):
    /// requests per key and per organization in each window, per plan.
    pub rate_limits: Vec<(Plan, Option<u32>)>,
    pub rate_window_seconds: u64,
}

impl BillingOverview {
    /// The quota in force for `plan` (`None`: no API access).
    pub fn requests_allowed(&self, plan: Plan) -> Option<u32> {
        self.rate_limits
            .iter()
            .find(|(listed, _)| *listed == plan)
            .and_then(|(_, requests)| *requests)
    }

    /// "15 min", "1 h", "90 s": the window the quotas refill over.
    pub fn rate_window_label(&self) -> String {
        let seconds = self.rate_window_seconds;
        if seconds.is_multiple_of(3600) {
            format!("{} h", seconds / 3600)
        } else if seconds.is_multiple_of(60) {
            format!("{} min", seconds / 60)
        } else {
            format!("{seconds} s")
        }
    }
}
