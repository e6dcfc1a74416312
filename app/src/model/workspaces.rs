use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A workspace as the Workspaces section lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceRow {
    pub id: Uuid,
    pub name: String,
    /// Fixed at creation: the CLI and integrations refer to the workspace by it.
    pub slug: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    /// Keys neither revoked nor expired.
    pub usable_keys: i64,
    pub total_keys: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspacesView {
    pub rows: Vec<WorkspaceRow>,
    /// Owners and Admins add and rename workspaces.
    pub can_manage: bool,
}
