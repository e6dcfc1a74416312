//! The one-time first-run setup link (`/setup?token=…`).
//!
//! The token lives only in this process's memory: it is printed at start-up when the
//! database has no organization, accepted once, and forgotten on restart.

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use subtle::ConstantTimeEq;
use tokio::sync::{Mutex, MutexGuard};

#[derive(Clone, Default)]
pub struct SetupGate {
    token: Arc<Mutex<Option<String>>>,
}

/// Exclusive access to the gate while a setup runs, so two submissions cannot both use it.
pub struct HeldSetupGate<'a>(MutexGuard<'a, Option<String>>);

impl SetupGate {
    /// A gate that accepts nothing (the instance is already set up).
    pub fn closed() -> Self {
        Self::default()
    }

    /// A gate with a fresh random token (32 bytes from the OS CSPRNG); returns the token.
    pub fn open() -> (Self, String) {
        let bytes: [u8; 32] = rand::random();
        let token = URL_SAFE_NO_PAD.encode(bytes);
        (
            Self {
                token: Arc::new(Mutex::new(Some(token.clone()))),
            },
            token,
        )
    }

    pub async fn accepts(&self, candidate: &str) -> bool {
        self.hold().await.accepts(candidate)
    }

    pub async fn hold(&self) -> HeldSetupGate<'_> {
        HeldSetupGate(self.token.lock().await)
    }
}

impl HeldSetupGate<'_> {
    pub fn accepts(&self, candidate: &str) -> bool {
        self.0
            .as_deref()
            .is_some_and(|token| bool::from(token.as_bytes().ct_eq(candidate.as_bytes())))
    }

    /// Closes the gate for good.
    pub fn close(&mut self) {
        *self.0 = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_open_gate_accepts_only_its_token_until_closed() {
        let (gate, token) = SetupGate::open();
        assert!(gate.accepts(&token).await);
        assert!(!gate.accepts("not-the-token").await);
        assert!(!gate.accepts("").await);
        gate.hold().await.close();
        assert!(!gate.accepts(&token).await);
    }

    #[tokio::test]
    async fn a_closed_gate_accepts_nothing() {
        assert!(!SetupGate::closed().accepts("").await);
    }
}
