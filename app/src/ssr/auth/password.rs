use std::sync::{
    Arc, Mutex, OnceLock, PoisonError,
    atomic::{AtomicU64, Ordering},
    mpsc,
};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version,
    password_hash::{PasswordHasher as _, SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

/// Passwords shorter than this are refused; longer than the maximum are refused before
/// hashing so that a huge input cannot be used to burn CPU.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("password hashing pool closed")]
    Closed,
}

/// How much lower the hashing threads' scheduling priority is than the threads that
/// serve requests (added to their "nice" value, capped at 19). Under CFS a thread 10
/// nice levels below another gets about a tenth of its weight: while `/v1` and the
/// admin site are busy they win the cores and sign-ins queue; when idle, sign-ins use
/// all of it.
pub const HASHING_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// argon2id (m = 19456 KiB, t = 2, p = 1), run on threads of its own at a lower
/// scheduling priority, as many as configured: a burst of logins queues instead of
/// exhausting memory and threads, and never takes the cores from request handling.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    verifications: Arc<AtomicU64>,
}

/// The calling thread's nice value (Linux: `nice` is per thread).
#[cfg(target_os = "linux")]
fn this_threads_nice() -> i32 {
    // SAFETY: getpriority only reads its integer arguments; the id is this thread's.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
}

/// Lowers the calling thread's priority. Best effort: a system that refuses keeps
/// hashing at normal priority, which is only slower for `/v1`.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    {
        let lower = (this_threads_nice() + HASHING_NICENESS).min(19);
        // SAFETY: setpriority only reads its integer arguments; the id is this thread's.
        let refused =
            unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, lower) }
                != 0;
        if refused {
            tracing::warn!(
                err = %std::io::Error::last_os_error(),
                "password hashing runs at normal priority"
            );
        }
    }
}

fn spawn_workers(count: usize) -> mpsc::Sender<Job> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for index in 0..count.max(1) {
        let queue = queue.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("keyward-argon2-{index}"))
            .spawn(move || {
                lower_this_threads_priority();
                loop {
                    // The lock is held only while waiting for the next job.
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match next {
                        Ok(job) => job(),
                        Err(mpsc::RecvError) => return,
                    }
                }
            });
        if let Err(err) = spawned {
            tracing::error!(%err, "cannot start a password hashing thread");
        }
    }
    jobs
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
    /// Starts `threads` hashing threads (at least one); they end with the last clone.
    pub fn new(threads: usize) -> Self {
        Self {
            jobs: spawn_workers(threads),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Runs `work` on a hashing thread and waits for its result without blocking the runtime.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller may have gone (request cancelled): nothing to report then.
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| PasswordError::Closed)?;
        result.await.map_err(|_| PasswordError::Closed)?
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        self.run(move || hash_blocking(password.expose_secret()))
            .await
    }

    /// Verifies `password` against `stored` (a PHC string), or against a dummy hash
    /// when there is no stored hash. Returns false in the latter case.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let verifications = self.verifications.clone();
        self.run(move || {
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
        .await
    }

    /// How many argon2 verifications ran (dummy ones included): lets tests prove that
    /// an unknown e-mail costs a full verification.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Computes the dummy hash ahead of the first login so that it does not skew timing.
    pub async fn warm_up(&self) -> Result<(), PasswordError> {
        self.run(|| dummy_hash().map(|_| ())).await
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

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_runs_on_threads_of_lower_priority_than_request_handling() {
        let hasher = PasswordHasher::new(1);
        let request_thread = this_threads_nice();
        let hashing_thread = hasher.run(|| Ok(this_threads_nice())).await.unwrap();
        assert_eq!(hashing_thread, (request_thread + HASHING_NICENESS).min(19));
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
