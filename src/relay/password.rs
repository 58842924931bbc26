//! Room passwords at rest: a salted scrypt hash, compared in constant time.
//!
//! Stored as `"<saltHex>:<keyHex>"` like the deployed relay: a 64-byte scrypt key
//! (N = 2^log_n, r = 8, p = 1) whose salt input is the hex string of 16 random bytes.
//! The plaintext is never stored, logged or echoed.

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

fn derive(password: &str, salt_hex: &str, log_n: u8) -> [u8; 64] {
    let mut key = [0u8; 64];
    // Params are in range for every log_n the settings allow (1..=20, r=8, p=1, 64 bytes),
    // and 64 is a valid output length, so neither call can fail; a failure leaves a zero
    // key that matches nothing derived.
    if let Ok(params) = scrypt::Params::new(log_n, 8, 1, 64) {
        let _ = scrypt::scrypt(password.as_bytes(), salt_hex.as_bytes(), &params, &mut key);
    }
    key
}

impl PasswordHash {
    /// Hashes `password` with a 16-byte random salt.
    pub fn new(password: &str, salt: [u8; 16], log_n: u8) -> PasswordHash {
        let salt_hex = hex(&salt);
        let key = derive(password, &salt_hex, log_n);
        PasswordHash {
            salt_hex,
            key,
            log_n,
        }
    }

    /// Whether `password` is the one hashed, compared in constant time.
    pub fn verify(&self, password: &str) -> bool {
        let key = derive(password, &self.salt_hex, self.log_n);
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

    #[test]
    fn verifies_only_the_right_password() {
        let h = PasswordHash::new("s3cret", [7; 16], 4);
        assert!(h.verify("s3cret"));
        assert!(!h.verify("s3cret "));
        assert!(!h.verify(""));
        let stored = h.stored();
        assert!(!stored.contains("s3cret"));
        assert_eq!(stored.len(), 32 + 1 + 128);
        assert_ne!(PasswordHash::new("s3cret", [8; 16], 4).stored(), stored);
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }
}
