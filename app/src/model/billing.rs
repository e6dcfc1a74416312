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
}
