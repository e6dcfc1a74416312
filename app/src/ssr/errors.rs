//! How the services' errors reach the browser: one `From` per service error, so a
//! server function writes `?`. Internal failures are logged here, once, and the browser
//! learns only the `AppError` (its status is set when it is encoded, in `error.rs`).

use sea_orm::DbErr;

use crate::{
    error::AppError,
    ssr::{
        auth::{password::PasswordError, session::SessionError},
        db,
        services::{
            alerts::AlertError, authentication::AuthenticationError, billing::BillingError,
            invitations::InvitationError, keys::KeyError, members::MemberError,
            signals::SignalError, workspaces::WorkspaceError,
        },
    },
};

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if db::is_unavailable(&err) {
            tracing::error!(%err, "database unavailable");
            AppError::Unavailable
        } else {
            tracing::error!(%err, "database error");
            AppError::Internal
        }
    }
}

impl From<SessionError> for AppError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::Database(err) => err.into(),
            SessionError::Store(err) => {
                tracing::error!(%err, "session store error");
                AppError::Unavailable
            }
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        SessionError::from(err).into()
    }
}

impl From<PasswordError> for AppError {
    fn from(err: PasswordError) -> Self {
        tracing::error!(%err, "password hashing error");
        AppError::Internal
    }
}

impl From<AuthenticationError> for AppError {
    fn from(err: AuthenticationError) -> Self {
        match err {
            AuthenticationError::Database(err) => err.into(),
            AuthenticationError::Password(err) => err.into(),
        }
    }
}

impl From<KeyError> for AppError {
    fn from(err: KeyError) -> Self {
        match err {
            KeyError::Invalid(message) => AppError::Invalid(message),
            KeyError::PlanWithoutApiAccess(_) | KeyError::PlanLimitReached { .. } => {
                AppError::Refused(sentence(&err.to_string()))
            }
            KeyError::NotFound => AppError::NotFound,
            KeyError::Conflict(message) => AppError::Conflict(sentence(&message)),
            KeyError::Randomness => randomness_failed(),
            KeyError::Database(err) => err.into(),
        }
    }
}

impl From<MemberError> for AppError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Invalid(message) => AppError::Invalid(message),
            MemberError::AlreadyMember(_) | MemberError::HasAccount(_) | MemberError::LastOwner => {
                AppError::Conflict(sentence(&err.to_string()))
            }
            MemberError::NoSuchOrganization | MemberError::NotFound => AppError::NotFound,
            MemberError::Forbidden => AppError::Forbidden,
            MemberError::Database(err) => err.into(),
            MemberError::Password(err) => err.into(),
        }
    }
}

impl From<InvitationError> for AppError {
    fn from(err: InvitationError) -> Self {
        match err {
            InvitationError::Invalid(message) => AppError::Invalid(message),
            InvitationError::AlreadyMember(_) | InvitationError::AlreadyInvited(_) => {
                AppError::Conflict(sentence(&err.to_string()))
            }
            InvitationError::Forbidden => AppError::Forbidden,
            InvitationError::NotFound => AppError::NotFound,
            InvitationError::Randomness => randomness_failed(),
            InvitationError::Database(err) => err.into(),
            InvitationError::Password(err) => err.into(),
            InvitationError::Undeliverable(_) => AppError::Invalid(sentence(&err.to_string())),
            InvitationError::Mail(err) => {
                tracing::error!(%err, "an invitation e-mail was not sent; the invitation was withdrawn");
                AppError::Upstream(
                    "The invitation e-mail could not be sent, so the invitation was withdrawn. \
                     Try again later; if it keeps failing, check the mail server settings."
                        .to_owned(),
                )
            }
        }
    }
}

impl From<WorkspaceError> for AppError {
    fn from(err: WorkspaceError) -> Self {
        match err {
            WorkspaceError::Invalid(message) => AppError::Invalid(message),
            WorkspaceError::NotFound => AppError::NotFound,
            WorkspaceError::Database(err) => err.into(),
        }
    }
}

impl From<BillingError> for AppError {
    fn from(err: BillingError) -> Self {
        match err {
            BillingError::NoSuchOrganization => AppError::NotFound,
            BillingError::Conflict => AppError::Conflict(
                "The plan was changed at the same time. Reload and try again.".to_owned(),
            ),
            BillingError::Database(err) => err.into(),
        }
    }
}

fn randomness_failed() -> AppError {
    tracing::error!("the operating system's random number generator failed");
    AppError::Internal
}

/// A service's lower-case message as a sentence: capitalised, with a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

impl From<SignalError> for AppError {
    fn from(err: SignalError) -> Self {
        match err {
            SignalError::NotFound => AppError::NotFound,
            SignalError::NotOpen => AppError::Conflict(err.to_string()),
            SignalError::Invalid(message) => AppError::Invalid(message),
            SignalError::Database(err) => err.into(),
        }
    }
}

impl From<AlertError> for AppError {
    fn from(err: AlertError) -> Self {
        match err {
            AlertError::Invalid(message) => AppError::Invalid(message),
            AlertError::TooMany => AppError::Conflict(err.to_string()),
            AlertError::NotFound => AppError::NotFound,
            AlertError::Randomness => {
                tracing::error!("the random number generator failed");
                AppError::Internal
            }
            AlertError::Database(err) => err.into(),
        }
    }
}
