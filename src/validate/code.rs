//! Session codes: normalize, validate, generate.

use crate::error::Code;
use std::fmt;

/// The alphabet of generated codes: no look-alikes (no I, O, 0, 1).
pub const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A verified session code: trimmed, uppercase, `^[A-Z0-9]{4}-[A-Z0-9]{4}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionCode(String);

impl SessionCode {
    /// Normalizes (trim, uppercase) and validates a code.
    ///
    /// # Errors
    /// `missing-session-code` when empty after trimming, `invalid-session-code` when malformed.
    pub fn parse(raw: &str) -> Result<SessionCode, Code> {
        let t = super::js::js_trim(raw);
        if t.is_empty() {
            return Err(Code::MissingSessionCode);
        }
        SessionCode::normalize(t).ok_or(Code::InvalidSessionCode)
    }

    /// The relay's normalization: a valid code, or `None` (the relay's empty string).
    ///
    /// JS `trim().toUpperCase()`, Unicode's full uppercase as the deployed client and
    /// relay apply it, so `ßab-cdef` is the code `SSAB-CDEF`, then
    /// `^[A-Z0-9]{4}-[A-Z0-9]{4}$`.
    pub fn normalize(raw: &str) -> Option<SessionCode> {
        let up = super::js::js_upper_case(super::js::js_trim(raw));
        has_code_shape(&up).then_some(SessionCode(up))
    }

    /// A new code from 8 random bytes (each taken mod 32, as the deployed client does).
    pub fn generate(random: [u8; 8]) -> SessionCode {
        let mut s = String::with_capacity(9);
        for (i, r) in random.iter().enumerate() {
            if i == 4 {
                s.push('-');
            }
            s.push(CODE_ALPHABET[usize::from(*r) % 32] as char);
        }
        SessionCode(s)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `^[A-Z0-9]{4}-[A-Z0-9]{4}$`.
fn has_code_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl fmt::Display for SessionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_validates() {
        assert_eq!(
            SessionCode::parse("  abcd-ef01 ").unwrap().as_str(),
            "ABCD-EF01"
        );
        assert_eq!(SessionCode::parse("   "), Err(Code::MissingSessionCode));
        assert_eq!(SessionCode::parse(""), Err(Code::MissingSessionCode));
        for bad in [
            "ABCD-EFG",
            "ABCD-EFGHI",
            "ABCDEFGHI",
            "ABCD_EFGH",
            "ÀBCD-EFGH",
            "AB\u{0}D-EFGH",
            "ABCD--EFG",
        ] {
            assert_eq!(
                SessionCode::parse(bad),
                Err(Code::InvalidSessionCode),
                "{bad:?}"
            );
        }
        assert!(SessionCode::normalize("ABCD-EFGH").is_some());
        assert!(SessionCode::normalize("abcd efgh").is_none());
    }

    #[test]
    fn uppercase_is_unicodes_as_in_js() {
        // Codes that are valid only under Unicode uppercasing (JS `toUpperCase`), and
        // would be refused by an ASCII-only one.
        for (raw, code) in [
            ("ßab-cdef", "SSAB-CDEF"),
            (" ﬁne-ﬃx ", "FINE-FFIX"),
            ("ıſbd-ﬅ23", "ISBD-ST23"),
            ("ﬀ12-3456", "FF12-3456"),
        ] {
            assert!(!has_code_shape(&raw.trim().to_ascii_uppercase()), "{raw:?}");
            assert_eq!(
                SessionCode::normalize(raw).map(|c| c.as_str().to_string()),
                Some(code.to_string()),
                "{raw:?}"
            );
        }
        // `ß` is two letters in uppercase: this one makes a group of five.
        assert!(SessionCode::normalize("abcß-efgh").is_none());
        assert!(SessionCode::normalize("abcd-efgß").is_none());
        // KELVIN SIGN is already uppercase (JS lowercases it to `k`, never uppercases it).
        assert!(SessionCode::normalize("\u{212a}abc-defg").is_none());
        // Dotted capital I stays non-ASCII.
        assert!(SessionCode::normalize("İbcd-efgh").is_none());
    }

    #[test]
    fn generated_codes_are_valid_and_avoid_look_alikes() {
        for seed in 0..=255u8 {
            let c = SessionCode::generate([
                seed,
                seed.wrapping_mul(7),
                3,
                250,
                31,
                32,
                63,
                seed ^ 0x55,
            ]);
            assert!(SessionCode::normalize(c.as_str()).is_some());
            assert!(!c.as_str().contains(['I', 'O', '0', '1']));
        }
    }
}
