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
    /// JS `trim().toUpperCase()`, computed only as far as a valid code can need it:
    /// ASCII, plus the few letters whose uppercase is ASCII ([`ascii_uppercase`]).
    /// Every other character stays non-ASCII in uppercase and makes the code invalid
    /// either way, so the module does without Unicode's uppercase tables.
    pub fn normalize(raw: &str) -> Option<SessionCode> {
        let mut up = String::with_capacity(9);
        for c in super::js::js_trim(raw).chars() {
            match c {
                c if c.is_ascii() => up.push(c.to_ascii_uppercase()),
                c => up.push_str(ascii_uppercase(c)?),
            }
        }
        let b = up.as_bytes();
        let ok = b.len() == 9
            && b[4] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_uppercase() || c.is_ascii_digit());
        ok.then_some(SessionCode(up))
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

/// The uppercase of a non-ASCII character whose uppercase is all ASCII (Unicode's
/// `SpecialCasing`, as JS `toUpperCase` applies it): `ß` is `SS`, `ﬁ` is `FI`.
/// `None` for every other non-ASCII character.
fn ascii_uppercase(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "SS",
        'ı' => "I",
        'ſ' => "S",
        'ﬀ' => "FF",
        'ﬁ' => "FI",
        'ﬂ' => "FL",
        'ﬃ' => "FFI",
        'ﬄ' => "FFL",
        'ﬅ' | 'ﬆ' => "ST",
        _ => return None,
    })
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
    fn uppercase_is_unicode_where_it_gives_ascii() {
        // Every non-ASCII character whose full uppercase is ASCII is in the table, with
        // that uppercase; any other keeps a non-ASCII character and cannot make a code.
        for c in (0x80..=0x10_ffff).filter_map(char::from_u32) {
            let full: String = c.to_uppercase().collect();
            assert_eq!(
                ascii_uppercase(c),
                full.is_ascii().then_some(full.as_str()),
                "{c:?}"
            );
        }
        for (raw, code) in [
            ("ßab-cdef", "SSAB-CDEF"),
            (" ﬁne-ﬃx ", "FINE-FFIX"),
            ("ﬁne-ﬃx9", "FINE-FFIX9"),
            ("ıſbd-ﬅ23", "ISBD-ST23"),
        ] {
            let want = raw.trim().to_uppercase();
            let got = SessionCode::normalize(raw).map(|c| c.as_str().to_string());
            let valid = SessionCode::normalize(&want).is_some();
            assert_eq!(got.as_deref(), valid.then_some(want.as_str()), "{raw:?}");
            if valid {
                assert_eq!(got.as_deref(), Some(code));
            }
        }
        // KELVIN SIGN is already uppercase (JS lowercases it to `k`, never uppercases it).
        assert!(SessionCode::normalize("\u{212a}abc-defg").is_none());
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
