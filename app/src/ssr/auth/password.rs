use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU64, Ordering},
};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version,
    password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Passwords shorter than this are refused; longer than the maximum are refused before
/// hashing so that a huge input cannot be used to burn CPU.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("password hashing pool closed")]
    Closed,
}

/// argon2id (m = 19456 KiB, t = 2, p = 1), run on the blocking pool with bounded
/// concurrency: a burst of logins queues instead of exhausting memory and threads.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    verifications: Arc<AtomicU64>,
}

fn argon2() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// A valid hash of a random password, verified against when the e-mail is unknown so
/// that "no such user" costs the same time as "wrong password".
fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let random: [u8; 16] = rand::random();
    let hash = hash_blocking(&format!("{random:?}"))?;
    Ok(DUMMY.get_or_init(|| hash))
}

impl PasswordHasher {
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        tokio::task::spawn_blocking(move || hash_blocking(password.expose_secret())).await?
    }

    /// Verifies `password` against `stored` (a PHC string), or against a dummy hash
    /// when there is no stored hash. Returns false in the latter case.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        let verifications = self.verifications.clone();
        tokio::task::spawn_blocking(move || {
            let (phc, real) = match &stored {
                Some(phc) => (phc.as_str(), true),
                None => (dummy_hash()?, false),
            };
            let parsed =
                PasswordHash::new(phc).map_err(|e| PasswordError::Hashing(e.to_string()))?;
            let matches = argon2()?
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            verifications.fetch_add(1, Ordering::Relaxed);
            Ok(real && matches)
        })
        .await?
    }

    /// How many argon2 verifications ran (dummy ones included): lets tests prove that
    /// an unknown e-mail costs a full verification.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Computes the dummy hash ahead of the first login so that it does not skew timing.
    pub async fn warm_up(&self) -> Result<(), PasswordError> {
        tokio::task::spawn_blocking(|| dummy_hash().map(|_| ())).await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_different_one_does_not() {
        let hasher = PasswordHasher::new(2);
        let hash = hasher
            .hash(SecretString::from("correct horse battery"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse battery!".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn verifying_without_a_stored_hash_is_always_false() {
        let hasher = PasswordHasher::new(1);
        assert!(!hasher.verify("anything at all".into(), None).await.unwrap());
        assert_eq!(
            hasher.verifications(),
            1,
            "the dummy hash was really verified"
        );
    }
}
