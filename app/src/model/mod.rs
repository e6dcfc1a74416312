//! Types shared by the WASM UI and the server: the contract of the server functions.

mod account;
mod alerts;
mod api_key;
mod audit_log;
mod billing;
mod footprint;
mod key_admin;
mod key_details;
mod members;
mod mode;
mod page;
mod plan;
mod request_log;
mod role;
mod scope;
mod signals;
mod vocabulary;
mod workspaces;

pub use account::{LoginOutcome, OrgSummary, SetupOutcome, SignedInUser};
pub use alerts::{
    AlertDestinationRow, AlertKind, AlertsOverview, CreatedDestination, DeliveryRow,
    DeliveryStatus, NewDestination,
};
pub use api_key::{ApiKeySummary, KeyStatus};
pub use audit_log::{
    ActorOption, ActorRef, AuditEntry, AuditFilterChoices, AuditListing, AuditQuery, ChainStatus,
    MAX_ACTION_FILTER_CHARS,
};
pub use billing::BillingOverview;
pub use footprint::{
    AddressSeen, KeyFootprint, ScopeSeen, narrowed_scopes, needed_scopes, unused_grants,
};
pub use key_admin::{
    CreatedKey, ExpiryChoice, KeyEdit, KeyListing, KeyQuery, KeyRow, KeysOverview,
    MAX_KEY_SEARCH_CHARS, NewKeyForm, WorkspaceOption, expiry_label,
};
pub use key_details::{KeyDetails, KeyDetailsView, KeyUsage, UsageBucket, UsageCounts, UsageRange};
pub use members::{
    AcceptOutcome, CreatedInvitation, InvitationLink, InvitationPreview, InvitationRow, InviteForm,
    MemberRow, MembersOverview,
};
pub use mode::Mode;
pub use page::Page;
pub use plan::{Plan, PlanLimits};
pub use request_log::{
    REQUEST_LOG_ROWS_PER_FLUSH, Refusal, RequestListing, RequestLogEntry, StatusClass,
};
pub use role::Role;
pub use scope::{Scope, key_allows, scopes_grant};
pub use signals::{
    BusinessHours, BusinessHoursView, RotationReason, SignalEvidence, SignalKind, SignalListing,
    SignalRow, SignalStatus,
};
pub use workspaces::{WorkspaceRow, WorkspacesView};

/// A closed vocabulary stored as text could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}
