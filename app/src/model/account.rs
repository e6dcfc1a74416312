use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Plan, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    /// The signed-in user's role in this organization.
    pub role: Role,
}

/// Who is signed in, in which organization, and which others they may switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub user_id: Uuid,
    pub email: String,
    pub org: OrgSummary,
    pub other_orgs: Vec<OrgSummary>,
}

/// A wrong password is a normal outcome, not a server error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginOutcome {
    SignedIn,
    InvalidCredentials,
    Throttled { retry_after_seconds: u64 },
}

/// Result of the first-run setup form; field problems are outcomes, not errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupOutcome {
    Completed,
    Rejected { message: String },
}
