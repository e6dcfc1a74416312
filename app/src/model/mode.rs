use super::vocabulary::closed_vocabulary;
use serde::{Deserialize, Serialize};

/// Live keys touch real data and are billed; test keys only see sandbox records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "lowercase")
)]
pub enum Mode {
    Live,
    Test,
}

closed_vocabulary!(Mode, "mode", {
    Live => ("live", "Live"),
    Test => ("test", "Test"),
});
