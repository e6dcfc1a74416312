//! What Settings ▸ Members and the invitation page exchange with their server functions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// An invitation nobody has accepted or revoked yet (it may have expired).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// `None` when the inviting user no longer exists.
    pub invited_by_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl InvitationRow {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }
}

/// The page in one read: members, open invitations, and who is looking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersOverview {
    pub members: Vec<MemberRow>,
    /// Empty for roles that cannot manage members.
    pub invitations: Vec<InvitationRow>,
    pub my_user_id: Uuid,
    pub my_role: Role,
    /// Invitations are e-mailed (a mail server is configured) rather than handed to the
    /// inviter as a link.
    pub invitations_emailed: bool,
    /// The server's clock, so SSR and hydration label expiry the same way.
    pub now: DateTime<Utc>,
}

/// The invite form: who, and with which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteForm {
    pub email: String,
    pub role: Role,
}

/// The answer to an invitation: the only response that can carry its token (only its
/// hash is stored), and only when no mail server delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvitation {
    pub invitation: InvitationRow,
    /// `None`: the link was e-mailed to the invitee and is shown to no one else.
    pub link: Option<InvitationLink>,
}

/// An invitation link the inviter passes on, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub token: String,
    /// `/invite/<token>`; the page prefixes its own origin.
    pub path: String,
}

/// What an invitation link leads to. Dead links are outcomes with a reason, not errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationPreview {
    Open {
        org_name: String,
        email: String,
        role: Role,
        /// A user with this e-mail exists: they sign in instead of choosing a password.
        account_exists: bool,
        /// The current session already belongs to that user: one click joins.
        signed_in_as_invitee: bool,
        expires_at: DateTime<Utc>,
    },
    Expired,
    Used,
    Revoked,
    Unknown,
}

impl InvitationPreview {
    /// Why a link cannot be used, for the person holding it.
    pub fn dead_end_message(&self) -> Option<&'static str> {
        match self {
            InvitationPreview::Open { .. } => None,
            InvitationPreview::Expired => Some("This invitation has expired. Ask for a new one."),
            InvitationPreview::Used => Some("This invitation has already been used."),
            InvitationPreview::Revoked => {
                Some("This invitation was withdrawn. Ask for a new one if you still need access.")
            }
            InvitationPreview::Unknown => Some("This invitation link is not valid."),
        }
    }
}

/// The result of accepting. Expected refusals (wrong password, dead link) are outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcceptOutcome {
    Joined,
    /// The form was rejected (password too short, confirmation differs…).
    Rejected {
        message: String,
    },
    InvalidCredentials,
    Throttled {
        retry_after_seconds: u64,
    },
    /// The link expired, was used or revoked meanwhile.
    NoLongerValid {
        message: String,
    },
}
