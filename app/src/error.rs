//! The error type of every server function: what the browser may learn about a failure.
//! Messages are written for humans and never carry internals (database text, paths).

use serde::{Deserialize, Serialize};
use server_fn::{
    Bytes, Encodes,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401: no valid session.
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    /// 403: signed in, but the role does not allow this.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// 403 with the reason (a plan limit, a plan without API access).
    #[error("{0}")]
    Refused(String),
    /// 409: the record's state forbids it (a revoked key cannot be edited).
    #[error("{0}")]
    Conflict(String),
    /// 404: absent, or not visible to this user.
    #[error("Not found.")]
    NotFound,
    /// 422: the input was rejected; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// 502: a server we rely on (the mail server) refused or did not answer; the
    /// message says what that means for the request.
    #[error("{0}")]
    Upstream(String),
    /// 503: a dependency (the database) is unavailable.
    #[error("The service is temporarily unavailable. Please try again shortly.")]
    Unavailable,
    /// 500: anything else; details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::Refused(_) => 403,
            AppError::Conflict(_) => 409,
            AppError::NotFound => 404,
            AppError::Invalid(_) => 422,
            AppError::Upstream(_) => 502,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not decode are the client's fault: 422, not 500.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => {
                AppError::Invalid("The form is incomplete or malformed.".to_owned())
            }
            ServerFnErrorErr::Request(_) => AppError::Unavailable,
            _ => AppError::Internal,
        }
    }

    /// Every error a server function returns is encoded here, on the server inside the
    /// call's reactive owner: the one place that gives the response the error's status,
    /// so no return path can forget it.
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = http::StatusCode::from_u16(self.status_code())
        {
            response.set_status(status);
        }
        <JsonEncoding as Encodes<Self>>::encode(self)
            .unwrap_or_else(|_| Bytes::from_static(br#""Internal""#))
    }
}
