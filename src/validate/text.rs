//! Free text, client ids, display names and passwords.

use super::js::{cut_utf16, js_string, js_trim, utf16_len};
use crate::error::Code;
use serde_json::Value;

/// The deployed relay's `sanitizeText`: control characters U+0000-001F and U+007F
/// removed, trimmed, then cut to `max` UTF-16 units.
pub fn sanitize_text(raw: &str, max: usize) -> String {
    let cleaned: String = raw.chars().filter(|c| !is_control(*c)).collect();
    cut_utf16(js_trim(&cleaned), max).to_string()
}

/// [`sanitize_text`] of `String(v)`, or `default` when the result is empty.
pub fn sanitize_value(v: Option<&Value>, max: usize, default: &str) -> String {
    let s = sanitize_text(&js_text_or_empty(v), max);
    if s.is_empty() {
        default.to_string()
    } else {
        s
    }
}

/// `String(v || "")` for scalars: falsy values (`undefined`, `null`, `false`, `0`, `""`)
/// give `""`, as the deployed relay reads free-text fields; objects and arrays give `""`.
pub fn js_text_or_empty(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => String::new(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => String::new(),
        other => js_string(other).unwrap_or_default(),
    }
}

fn is_control(c: char) -> bool {
    (c as u32) < 0x20 || c == '\u{7f}'
}

/// Whether `id` is a client id the relay accepts: `^[A-Za-z0-9_-]{1,max}$`.
pub fn is_client_id(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A client id taken from a payload value: trimmed text that passes [`is_client_id`].
pub fn client_id(v: Option<&Value>, max: usize) -> Option<String> {
    let s = v.and_then(Value::as_str).map(js_trim)?;
    is_client_id(s, max).then(|| s.to_string())
}

/// A room password from a payload value: trimmed, empty means none.
///
/// # Errors
/// `invalid-password` when longer than `max` UTF-16 units.
pub fn password(v: Option<&Value>, max: usize) -> Result<String, Code> {
    let s = js_text_or_empty(v);
    let t = js_trim(&s);
    if utf16_len(t) > max {
        return Err(Code::InvalidPassword);
    }
    Ok(t.to_string())
}

/// Whether `s` is a media identity or media order key: `^[A-Za-z0-9:_-]{1,128}$`.
pub fn is_media_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_' || b == b'-')
}

/// A media key from a value: trimmed string passing [`is_media_key`].
pub fn media_key(v: Option<&Value>) -> Option<String> {
    let s = js_trim(v?.as_str()?);
    is_media_key(s).then(|| s.to_string())
}

/// A file extension as the relay normalizes it: lowercased, non-alphanumerics removed, cut to 12.
pub fn normalize_ext(v: Option<&Value>) -> String {
    let s = match v {
        None | Some(Value::Null) => String::new(),
        other => js_string(other).unwrap_or_default(),
    };
    s.chars()
        .filter_map(ascii_alphanumeric_lower)
        .take(12)
        .collect()
}

/// The ASCII letter or digit in the lowercase of `c`, if any: what remains of a character
/// once the extension is lowercased and kept to ASCII alphanumerics. Outside ASCII
/// only KELVIN SIGN (`k`) and `İ` (`i` and a combining dot) have one (a test checks all
/// of Unicode), so no case tables are needed.
fn ascii_alphanumeric_lower(c: char) -> Option<char> {
    match c {
        '\u{212a}' => Some('k'),
        'İ' => Some('i'),
        c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sanitize_removes_controls_trims_and_cuts() {
        assert_eq!(sanitize_text("  a\u{0}b\u{1f}c\u{7f} ", 80), "abc");
        assert_eq!(sanitize_text("\tHôte\n", 80), "Hôte");
        assert_eq!(sanitize_text("abcdef", 3), "abc");
        assert_eq!(sanitize_text("ab😀", 4), "ab😀");
        assert_eq!(sanitize_text("ab😀", 3), "ab");
        assert_eq!(sanitize_text("ab😀", 2), "ab");
        assert_eq!(sanitize_text("\u{80}x", 4), "\u{80}x");
        assert_eq!(sanitize_value(None, 32, "Invité"), "Invité");
        assert_eq!(sanitize_value(Some(&json!("  ")), 32, "Invité"), "Invité");
        assert_eq!(sanitize_value(Some(&json!(12)), 32, "x"), "12");
        assert_eq!(
            sanitize_value(Some(&json!(0)), 32, "x"),
            "x",
            "String(0 || \"\") is empty"
        );
        assert_eq!(sanitize_value(Some(&json!(false)), 32, "x"), "x");
    }

    #[test]
    fn client_ids() {
        assert!(is_client_id("client-0123abcd", 64));
        assert!(is_client_id(&"a".repeat(64), 64));
        assert!(!is_client_id(&"a".repeat(65), 64));
        assert!(!is_client_id("", 64));
        assert!(!is_client_id("a b", 64));
        assert!(!is_client_id("é", 64));
        assert_eq!(client_id(Some(&json!(" ab ")), 64).as_deref(), Some("ab"));
        assert_eq!(client_id(Some(&json!(5)), 64), None);
    }

    #[test]
    fn passwords() {
        assert_eq!(password(None, 128).unwrap(), "");
        assert_eq!(password(Some(&json!(false)), 128).unwrap(), "");
        assert_eq!(password(Some(&json!(0)), 128).unwrap(), "");
        assert_eq!(password(Some(&json!(" pw ")), 128).unwrap(), "pw");
        assert_eq!(
            password(Some(&json!("x".repeat(128))), 128).unwrap().len(),
            128
        );
        assert_eq!(
            password(Some(&json!("x".repeat(129))), 128),
            Err(Code::InvalidPassword)
        );
    }

    #[test]
    fn extensions_keep_what_unicode_lowercase_keeps() {
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let full: String = c
                .to_lowercase()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let ours: String = ascii_alphanumeric_lower(c).into_iter().collect();
            assert_eq!(ours, full, "{c:?}");
        }
        assert_eq!(normalize_ext(Some(&json!(".\u{212a}İ\u{130}SΣ"))), "kiis");
    }

    #[test]
    fn media_keys_and_ext() {
        assert!(is_media_key("k:abc_1-2"));
        assert!(is_media_key(&"a".repeat(128)));
        assert!(!is_media_key(&"a".repeat(129)));
        assert!(!is_media_key("a/b"));
        assert_eq!(media_key(Some(&json!(" id:3 "))).as_deref(), Some("id:3"));
        assert_eq!(normalize_ext(Some(&json!(".JPG"))), "jpg");
        assert_eq!(
            normalize_ext(Some(&json!("a.b-c_d!efghijklmnop"))),
            "abcdefghijkl"
        );
    }
}
