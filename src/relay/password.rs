//! Room passwords at rest: a salted hash, compared in constant time.
//!
//! Stored as `"<saltHex>:<keyHex>"` like the deployed relay: a 64-byte key whose salt
//! input is the hex string of 16 random bytes. The plaintext is never stored, logged
//! or echoed.
//!
//! - The relay server (native): scrypt (N = 2^log_n, r = 8, p = 1), memory-hard, as
//!   deployed.
//! - `MockRelay` (the wasm module): SHA-256 of the salt and the password. Its rooms live
//!   in the memory of the page that also holds every client's plaintext password (the
//!   client core keeps it to rejoin), so a memory-hard hash protects nothing there and
//!   would only stall the page ~50 ms per create or join. The deployed mock transport
//!   compares plaintext.

use crate::validate::digest::hex;

/// A room password's salted hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    salt_hex: String,
    key: [u8; 64],
    log_n: u8,
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// The 64-byte key of `password` under `salt_hex` at cost `log_n`: the slow part,
/// which the relay server runs off its core thread ([`crate::relay::HashJob`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn derive(password: &str, salt_hex: &str, log_n: u8) -> [u8; 64] {
    let mut key = [0u8; 64];
    // Params are in range for every log_n the settings allow (1..=20, r=8, p=1, 64 bytes),
    // and 64 is a valid output length, so neither call can fail; a failure leaves a zero
    // key that matches nothing derived.
    if let Ok(params) = scrypt::Params::new(log_n, 8, 1, 64) {
        let _ = scrypt::scrypt(password.as_bytes(), salt_hex.as_bytes(), &params, &mut key);
    }
    key
}

/// `SHA-256(salt ":" password)`, then `SHA-256(that, salt)`: 64 bytes (see the module doc).
#[cfg(target_arch = "wasm32")]
pub fn derive(password: &str, salt_hex: &str, _log_n: u8) -> [u8; 64] {
    use sha2::{Digest, Sha256};
    let first = Sha256::new()
        .chain_update(salt_hex)
        .chain_update(":")
        .chain_update(password)
        .finalize();
    let second = Sha256::new()
        .chain_update(first)
        .chain_update(salt_hex)
        .finalize();
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&first);
    key[32..].copy_from_slice(&second);
    key
}

/// The hex string of 16 salt bytes: the salt input of [`derive`].
pub fn salt_hex(salt: [u8; 16]) -> String {
    hex(&salt)
}

impl PasswordHash {
    /// Hashes `password` with a 16-byte random salt.
    pub fn new(password: &str, salt: [u8; 16], log_n: u8) -> PasswordHash {
        let salt_hex = salt_hex(salt);
        let key = derive(password, &salt_hex, log_n);
        PasswordHash::from_key(salt_hex, key, log_n)
    }

    /// The hash whose key was derived elsewhere: `key == derive(password, &salt_hex, log_n)`.
    pub fn from_key(salt_hex: String, key: [u8; 64], log_n: u8) -> PasswordHash {
        PasswordHash {
            salt_hex,
            key,
            log_n,
        }
    }

    /// The salt input, to derive a candidate key with [`derive`].
    pub fn salt(&self) -> &str {
        &self.salt_hex
    }

    /// The cost the key was derived at.
    pub fn log_n(&self) -> u8 {
        self.log_n
    }

    /// Whether `password` is the one hashed, compared in constant time.
    pub fn verify(&self, password: &str) -> bool {
        self.matches(&derive(password, &self.salt_hex, self.log_n))
    }

    /// Whether a candidate key (derived with this salt and cost) is this one,
    /// compared in constant time.
    pub fn matches(&self, key: &[u8; 64]) -> bool {
        key.iter()
            .zip(self.key.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// The stored form, `"<saltHex>:<keyHex>"`.
    pub fn stored(&self) -> String {
        format!("{}:{}", self.salt_hex, hex(&self.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What holds for the hash of either build (scrypt natively, SHA-256 in wasm).
    fn hashes_and_verifies(log_n: u8) {
        let h = PasswordHash::new("s3cret", [7; 16], log_n);
        assert!(h.verify("s3cret"));
        assert!(!h.verify("s3cret "));
        assert!(!h.verify(""));
        let stored = h.stored();
        assert!(!stored.contains("s3cret"));
        assert_eq!(stored.len(), 32 + 1 + 128);
        // Another salt, another key; the same salt, the same key.
        assert_ne!(PasswordHash::new("s3cret", [8; 16], log_n).stored(), stored);
        assert_eq!(PasswordHash::new("s3cret", [7; 16], log_n).stored(), stored);
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
        // A key derived elsewhere (the relay server's hash workers) is the same hash.
        assert!(h.matches(&derive("s3cret", h.salt(), h.log_n())));
        assert!(!h.matches(&derive("other", h.salt(), h.log_n())));
        let again =
            PasswordHash::from_key(salt_hex([7; 16]), derive("s3cret", h.salt(), log_n), log_n);
        assert_eq!(again.stored(), stored);
    }

    #[test]
    fn scrypt_hashes_and_verifies() {
        hashes_and_verifies(4);
    }

    /// The module's hash (`cargo test --target wasm32-unknown-unknown --lib`).
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_modules_hash_hashes_and_verifies() {
        hashes_and_verifies(14);
    }
}
