use std::{net::IpAddr, sync::Arc};

use app::ssr::{
    key_cache::record::KeySnapshot,
    services::{audit::Actor, resources::Tenancy, verification::VerifiedKey},
};
use axum::{extract::FromRequestParts, http::request::Parts};

use crate::v1::error::ApiError;

/// The verified key a request is made with, for handlers: everything they need about
/// the key, its organization and workspace comes from the verified snapshot.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: Arc<KeySnapshot>,
    pub tenancy: Tenancy,
    pub ip: Option<IpAddr>,
}

impl Caller {
    pub(super) fn new(verified: VerifiedKey, ip: Option<IpAddr>) -> Self {
        Caller {
            tenancy: Tenancy {
                org_id: verified.key.organization.id,
                workspace_id: verified.key.workspace.id,
                mode: verified.key.mode,
            },
            key: verified.key,
            ip,
        }
    }

    #[cfg(feature = "bench")]
    pub(in crate::v1) fn for_bench(verified: VerifiedKey) -> Self {
        Self::new(verified, None)
    }

    /// Audit events written on this key's behalf name the key.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey {
            id: self.key.id,
            name: self.key.name.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            tracing::error!("a /v1 handler ran without the access guard");
            ApiError::Internal
        })
    }
}
