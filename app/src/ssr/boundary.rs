//! Glue for server functions: reach the shared state, the session and the client
//! address, and turn internal errors into `AppError` (logged here, once).

use std::net::IpAddr;

use axum::Extension;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use sea_orm::DbErr;
use tower_sessions::Session;

use crate::{
    error::AppError,
    ssr::{
        auth::{
            password::PasswordError,
            session::{self, CurrentUser, SessionError},
        },
        client_ip::ClientIp,
        db,
        state::AppState,
    },
};

/// Sets the HTTP status of the server-function response to match the error.
pub fn fail(error: AppError) -> AppError {
    if let Some(response) = use_context::<ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status_code())
    {
        response.set_status(status);
    }
    error
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server-function context");
        fail(AppError::Internal)
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(%err, "session layer missing");
        fail(AppError::Internal)
    })
}

/// The client's address as the server's client-address layer decided it (the peer, or
/// the forwarded address when the peer is a trusted proxy).
pub async fn client_ip() -> Option<IpAddr> {
    match leptos_axum::extract::<Extension<ClientIp>>().await {
        Ok(Extension(ClientIp(ip))) => ip,
        Err(err) => {
            // Only a router built without the layer gets here; the throttle then has
            // no per-address bucket, so say so loudly.
            tracing::error!(%err, "client-address layer missing");
            None
        }
    }
}

pub fn database_error(err: DbErr) -> AppError {
    if db::is_unavailable(&err) {
        tracing::error!(%err, "database unavailable");
        fail(AppError::Unavailable)
    } else {
        tracing::error!(%err, "database error");
        fail(AppError::Internal)
    }
}

pub fn session_error(err: SessionError) -> AppError {
    match err {
        SessionError::Database(err) => database_error(err),
        SessionError::Store(err) => {
            tracing::error!(%err, "session store error");
            fail(AppError::Unavailable)
        }
    }
}

pub fn password_error(err: PasswordError) -> AppError {
    tracing::error!(%err, "password hashing error");
    fail(AppError::Internal)
}

/// The signed-in user, or 401.
pub async fn require_user() -> Result<(AppState, Session, CurrentUser), AppError> {
    let state = state()?;
    let session = session().await?;
    match session::current_user(&state, &session)
        .await
        .map_err(session_error)?
    {
        Some(user) => Ok((state, session, user)),
        None => Err(fail(AppError::Unauthenticated)),
    }
}

/// A key-service error as the browser may see it (logged here when internal).
pub fn key_error(err: crate::ssr::services::keys::KeyError) -> AppError {
    use crate::ssr::services::keys::KeyError;
    match err {
        KeyError::Invalid(message) => fail(AppError::Invalid(message)),
        KeyError::PlanWithoutApiAccess(_) | KeyError::PlanLimitReached { .. } => {
            fail(AppError::Refused(capitalized(&err.to_string())))
        }
        KeyError::NotFound => fail(AppError::NotFound),
        KeyError::Conflict(message) => fail(AppError::Conflict(capitalized(&message))),
        KeyError::Randomness => {
            tracing::error!("the operating system's random number generator failed");
            fail(AppError::Internal)
        }
        KeyError::Database(err) => database_error(err),
    }
}

fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

/// The signed-in user, if their role may manage keys (Owner, Admin); else 403.
pub async fn require_key_manager() -> Result<(AppState, CurrentUser), AppError> {
    let (state, _, user) = require_user().await?;
    if user.membership.role.can_manage_keys() {
        Ok((state, user))
    } else {
        Err(fail(AppError::Forbidden))
    }
}

/// The signed-in user, if their role may manage members (Owner, Admin); else 403.
/// The services check again, against the role read inside their transaction.
pub async fn require_member_manager() -> Result<(AppState, CurrentUser), AppError> {
    let (state, _, user) = require_user().await?;
    if user.membership.role.can_manage_members() {
        Ok((state, user))
    } else {
        Err(fail(AppError::Forbidden))
    }
}

/// A members-service error as the browser may see it (logged here when internal).
pub fn member_error(err: crate::ssr::services::members::MemberError) -> AppError {
    use crate::ssr::services::members::MemberError;
    match err {
        MemberError::Invalid(message) => fail(AppError::Invalid(message)),
        MemberError::AlreadyMember(_) | MemberError::HasAccount(_) | MemberError::LastOwner => {
            fail(AppError::Conflict(capitalized(&err.to_string())))
        }
        MemberError::NoSuchOrganization | MemberError::NotFound => fail(AppError::NotFound),
        MemberError::Forbidden => fail(AppError::Forbidden),
        MemberError::Database(err) => database_error(err),
        MemberError::Password(err) => password_error(err),
    }
}

/// An invitations-service error as the browser may see it (logged here when internal).
pub fn invitation_error(err: crate::ssr::services::invitations::InvitationError) -> AppError {
    use crate::ssr::services::invitations::InvitationError;
    match err {
        InvitationError::Invalid(message) => fail(AppError::Invalid(message)),
        InvitationError::AlreadyMember(_) | InvitationError::AlreadyInvited(_) => {
            fail(AppError::Conflict(capitalized(&err.to_string())))
        }
        InvitationError::Forbidden => fail(AppError::Forbidden),
        InvitationError::NotFound => fail(AppError::NotFound),
        InvitationError::Randomness => {
            tracing::error!("the operating system's random number generator failed");
            fail(AppError::Internal)
        }
        InvitationError::Database(err) => database_error(err),
        InvitationError::Password(err) => password_error(err),
        InvitationError::Undeliverable(_) => fail(AppError::Invalid(capitalized(&err.to_string()))),
        InvitationError::Mail(err) => {
            tracing::error!(%err, "an invitation e-mail was not sent; the invitation was withdrawn");
            fail(AppError::Upstream(
                "The invitation e-mail could not be sent, so the invitation was withdrawn. \
                 Try again later; if it keeps failing, check the mail server settings."
                    .to_owned(),
            ))
        }
    }
}
