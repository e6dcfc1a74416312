//! Keyed hashing of API keys: HMAC-SHA256 with the server's pepper. Keys carry 256
//! bits of entropy, so a fast keyed hash is right (a slow one would be a self-inflicted
//! DoS on every request), and without the pepper a stolen table is useless.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const KEY_HASH_BYTES: usize = 32;

/// Hashes keys under one pepper version. The HMAC key schedule is computed once.
#[derive(Clone)]
pub struct KeyHasher {
    mac: Hmac<Sha256>,
    version: i32,
}

#[derive(Debug, thiserror::Error)]
#[error("the key pepper cannot be used as an HMAC key")]
pub struct InvalidPepper;

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyHasher")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl KeyHasher {
    pub fn new(pepper: &SecretString, version: i32) -> Result<Self, InvalidPepper> {
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(pepper.expose_secret().as_bytes())
            .map_err(|_| InvalidPepper)?;
        Ok(Self { mac, version })
    }

    /// The version stored beside each hash, so keys survive a pepper rotation.
    pub fn version(&self) -> i32 {
        self.version
    }

    pub fn hash(&self, key: &str) -> [u8; KEY_HASH_BYTES] {
        let mut mac = self.mac.clone();
        mac.update(key.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; KEY_HASH_BYTES];
        out.copy_from_slice(digest.as_slice());
        out
    }

    /// A secret the server can recompute but never stores (webhook signing secrets):
    /// HMAC of `purpose` and `salt` under the pepper. Inputs start with `keyward/`, a
    /// character no API key contains, so a derivation can never equal a key hash.
    pub fn derive(&self, purpose: &str, salt: &[u8]) -> [u8; KEY_HASH_BYTES] {
        let mut mac = self.mac.clone();
        mac.update(b"keyward/");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(salt);
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; KEY_HASH_BYTES];
        out.copy_from_slice(digest.as_slice());
        out
    }

    /// Constant-time comparison of a stored hash with a freshly computed one.
    pub fn matches(stored: &[u8], computed: &[u8; KEY_HASH_BYTES]) -> bool {
        stored.ct_eq(computed.as_slice()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(pepper: &str) -> KeyHasher {
        KeyHasher::new(&SecretString::from(pepper), 1).unwrap()
    }

    #[test]
    fn the_hash_depends_on_the_key_and_on_the_pepper() {
        let a = hasher("pepper one, long enough to be real");
        let b = hasher("pepper two, long enough to be real");
        assert_eq!(a.hash("kw_test_x"), a.hash("kw_test_x"));
        assert_ne!(a.hash("kw_test_x"), a.hash("kw_test_y"));
        assert_ne!(a.hash("kw_test_x"), b.hash("kw_test_x"));
    }

    #[test]
    fn matching_compares_whole_hashes() {
        let a = hasher("pepper one, long enough to be real");
        let hash = a.hash("kw_live_key");
        assert!(KeyHasher::matches(&hash, &hash));
        assert!(!KeyHasher::matches(&hash[..31], &hash));
        let mut other = hash;
        other[31] ^= 1;
        assert!(!KeyHasher::matches(&other, &hash));
    }

    #[test]
    fn derived_secrets_depend_on_purpose_and_salt() {
        let a = hasher("pepper one, long enough to be real");
        assert_eq!(a.derive("webhook", b"salt"), a.derive("webhook", b"salt"));
        assert_ne!(a.derive("webhook", b"salt"), a.derive("webhook", b"other"));
        assert_ne!(a.derive("webhook", b"salt"), a.derive("other", b"salt"));
        assert_ne!(a.derive("webhook", b""), a.hash("keyward/webhook"));
    }

    #[test]
    fn debug_output_hides_the_pepper() {
        assert!(
            !format!("{:?}", hasher("pepper one, long enough to be real")).contains("pepper one")
        );
    }
}
