use super::vocabulary::closed_vocabulary;
use serde::{Deserialize, Serialize};

/// Subscription plans. Their limits are defined here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase")
)]
pub enum Plan {
    Starter,
    Professional,
    Business,
    Enterprise,
}

/// What a plan includes. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    pub api_access: bool,
    pub max_active_keys: Option<u32>,
    pub requests_per_15_minutes: Option<u32>,
}

closed_vocabulary!(Plan, "plan", {
    Starter => ("starter", "Starter"),
    Professional => ("professional", "Professional"),
    Business => ("business", "Business"),
    Enterprise => ("enterprise", "Enterprise"),
});

impl Plan {
    /// Starter has no API access (as in the Athenty docs); key counts follow the PDF-API tiers,
    /// request rates the Penvio docs.
    pub fn limits(self) -> PlanLimits {
        match self {
            Plan::Starter => PlanLimits {
                api_access: false,
                max_active_keys: Some(0),
                requests_per_15_minutes: Some(0),
            },
            Plan::Professional => PlanLimits {
                api_access: true,
                max_active_keys: Some(5),
                requests_per_15_minutes: Some(1_000),
            },
            Plan::Business => PlanLimits {
                api_access: true,
                max_active_keys: Some(25),
                requests_per_15_minutes: Some(2_000),
            },
            Plan::Enterprise => PlanLimits {
                api_access: true,
                max_active_keys: None,
                requests_per_15_minutes: Some(10_000),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_round_trips_through_its_stored_text() {
        for &plan in Plan::ALL {
            assert_eq!(plan.as_str().parse::<Plan>(), Ok(plan));
        }
    }

    #[test]
    fn starter_has_no_api_access_and_the_others_do() {
        assert!(!Plan::Starter.limits().api_access);
        assert!(Plan::ALL[1..].iter().all(|plan| plan.limits().api_access));
    }
}
