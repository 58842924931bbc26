//! JavaScript value semantics the deployed relay relies on: `Number(x)`,
//! `String.prototype.trim`, UTF-16 lengths and the length of `JSON.stringify`.
//!
//! The relay is written in JS, so "an integer field" there means "anything
//! whose `Number(x)` is finite, floored". These helpers reproduce that on
//! `serde_json::Value`, so our relay accepts and rejects the same inputs.

pub use super::number::{js_number_to_string, parse_decimal};

use serde_json::Value;

/// `Number(x)` for a JSON value; `None` stands for `undefined` (a missing key).
/// Objects give NaN, arrays follow `Number(String(array))`.
pub fn js_number(v: Option<&Value>) -> f64 {
    match v {
        None => f64::NAN,
        Some(Value::Null) => 0.0,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(s)) => string_to_number(s),
        Some(Value::Array(a)) => match a.as_slice() {
            [] => 0.0,
            [one] if !one.is_array() && !one.is_object() => match one {
                Value::Null => 0.0,
                Value::Bool(_) => f64::NAN,
                other => js_number(Some(other)),
            },
            _ => f64::NAN,
        },
        Some(Value::Object(_)) => f64::NAN,
    }
}

/// `Number(s)` for a string: trimmed, empty is 0, decimal, `0x`/`0o`/`0b`, `Infinity`.
fn string_to_number(s: &str) -> f64 {
    let t = js_trim(s);
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| {
        t.get(2..)
            .filter(|_| t[..2].eq_ignore_ascii_case(p))
            .map(|d| {
                if d.is_empty() {
                    f64::NAN
                } else {
                    u128::from_str_radix(d, r).map_or(f64::NAN, |v| v as f64)
                }
            })
    };
    if t.len() > 2 {
        for (p, r) in [("0x", 16), ("0o", 8), ("0b", 2)] {
            if let Some(v) = radix(p, r) {
                return v;
            }
        }
    }
    match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => parse_decimal(t).unwrap_or(f64::NAN),
    }
}

/// `Math.floor(Number(x))` when finite and inside `min..=max`.
pub fn js_int_in(v: Option<&Value>, min: f64, max: f64) -> Option<i64> {
    let n = js_number(v);
    if !n.is_finite() {
        return None;
    }
    let f = n.floor();
    (f >= min && f <= max).then_some(f as i64)
}

/// Whitespace as `String.prototype.trim` sees it.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// `s.trim()` as in JavaScript.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// `s.toLowerCase()`: Unicode's full lowercase, final sigma included, as JS and
/// Rust's `str::to_lowercase` both apply it. In the wasm module the JS engine's own
/// `toLowerCase` does it (the exact JS rule, and the module carries no case tables:
/// BENCHMARKS.md, "Module size"); natively, Rust's.
pub fn js_lower_case(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    if !s.is_ascii() {
        return String::from(js_sys::JsString::from(s).to_lower_case());
    }
    #[cfg(target_arch = "wasm32")]
    return s.to_ascii_lowercase();
    #[cfg(not(target_arch = "wasm32"))]
    s.to_lowercase()
}

/// `s.toUpperCase()`: Unicode's full uppercase (`ß` is `SS`, `ﬀ` is `FF`), as JS and
/// Rust's `str::to_uppercase` both apply it (in the wasm module, JS's own).
pub fn js_upper_case(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    if !s.is_ascii() {
        return String::from(js_sys::JsString::from(s).to_upper_case());
    }
    #[cfg(target_arch = "wasm32")]
    return s.to_ascii_uppercase();
    #[cfg(not(target_arch = "wasm32"))]
    s.to_uppercase()
}

/// Length of `s` in UTF-16 code units, as JS `s.length`.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `s.slice(0, max)` in UTF-16 units. A surrogate pair that the cut would split is
/// dropped whole, so the result never holds a lone surrogate (which Rust strings
/// cannot, and which JSON could not carry byte-exactly anyway).
pub fn cut_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

/// `String(x)` for the scalar JSON values; objects and arrays give `None`.
pub fn js_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(js_number_to_string(n.as_f64().unwrap_or(f64::NAN))),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        _ => None,
    }
}

/// The length in UTF-16 units of `JSON.stringify(v)`: what the deployed relay
/// compares against its size limits.
pub fn js_json_len(v: &Value) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.is_finite() => {
                if n.is_f64() {
                    js_number_to_string(f).len()
                } else {
                    n.to_string().len()
                }
            }
            _ => 4,
        },
        Value::String(s) => json_string_len(s),
        Value::Array(a) => 2 + a.iter().map(js_json_len).sum::<usize>() + a.len().saturating_sub(1),
        Value::Object(m) => {
            2 + m
                .iter()
                .map(|(k, v)| json_string_len(k) + 1 + js_json_len(v))
                .sum::<usize>()
                + m.len().saturating_sub(1)
        }
    }
}

/// UTF-16 length of a string once quoted and escaped by `JSON.stringify`.
fn json_string_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf16(),
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_coercion_follows_js() {
        assert_eq!(js_number(Some(&json!("42"))), 42.0);
        assert_eq!(js_number(Some(&json!(" 4.5 "))), 4.5);
        assert_eq!(js_number(Some(&json!(""))), 0.0);
        assert_eq!(js_number(Some(&json!(null))), 0.0);
        assert_eq!(js_number(Some(&json!(true))), 1.0);
        assert_eq!(js_number(Some(&json!([7]))), 7.0);
        assert_eq!(js_number(Some(&json!([]))), 0.0);
        assert_eq!(js_number(Some(&json!("0x10"))), 16.0);
        assert!(js_number(Some(&json!("12px"))).is_nan());
        assert!(js_number(Some(&json!("inf"))).is_nan());
        assert!(js_number(Some(&json!({}))).is_nan());
        assert!(js_number(None).is_nan());
        assert_eq!(js_number(Some(&json!("-Infinity"))), f64::NEG_INFINITY);
    }

    #[test]
    fn int_in_range_floors_then_checks() {
        assert_eq!(js_int_in(Some(&json!(1.9)), 1.0, 5.0), Some(1));
        assert_eq!(js_int_in(Some(&json!(0.5)), 1.0, 5.0), None);
        assert_eq!(js_int_in(Some(&json!(5)), 1.0, 5.0), Some(5));
        assert_eq!(js_int_in(Some(&json!(6)), 1.0, 5.0), None);
        assert_eq!(js_int_in(None, 0.0, 5.0), None);
    }

    #[test]
    fn case_mapping_is_unicodes_as_in_js() {
        // What an ASCII-only stand-in would get wrong.
        assert_eq!(js_lower_case("\u{212a}EY"), "key", "KELVIN SIGN");
        assert_eq!(js_lower_case("ΣΑΣ Ab"), "σας ab", "final sigma");
        assert_eq!(js_lower_case("İ"), "i\u{307}");
        assert_eq!(js_upper_case("straße"), "STRASSE");
        assert_eq!(js_upper_case("\u{fb00}ı"), "FFI");
    }

    #[test]
    fn trim_and_cut_count_utf16() {
        assert_eq!(js_trim("\u{feff} a \u{3000}"), "a");
        assert_eq!(js_trim("\u{85}a"), "\u{85}a");
        assert_eq!(utf16_len("é😀"), 3);
        assert_eq!(cut_utf16("ab😀c", 3), "ab");
        assert_eq!(cut_utf16("ab😀c", 4), "ab😀");
        assert_eq!(cut_utf16("abc", 10), "abc");
    }

    #[test]
    fn stringify_length_matches_js() {
        let v = json!({"a": [1, 2.5, "x\"y", null, true], "é": "\u{1}"});
        // JSON.stringify gives {"a":[1,2.5,"x\"y",null,true],"é":"\u0001"}
        assert_eq!(
            js_json_len(&v),
            r#"{"a":[1,2.5,"x\"y",null,true],"é":"\u0001"}"#.len() - 1
        );
        let f: Value = serde_json::from_str("1.0").unwrap();
        assert_eq!(js_json_len(&f), 1);
        assert_eq!(js_number_to_string(1e21), "1e+21");
        assert_eq!(js_number_to_string(-3.0), "-3");
    }
}

/// The host's case mapping (what the module uses) against Rust's (the relay's).
#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// In the module the JS engine maps case; natively Rust does: the two agree on
    /// every character. Checked with Node.js 20 and rustc 1.95; a host on another
    /// Unicode version would differ on the characters only one of the two assigns.
    #[wasm_bindgen_test]
    fn js_case_mapping_matches_rusts_on_every_character() {
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(super::js_lower_case(&s), s.to_lowercase(), "{c:?}");
            assert_eq!(super::js_upper_case(&s), s.to_uppercase(), "{c:?}");
        }
        assert_eq!(super::js_lower_case("ΟΔΟΣ"), "οδος");
    }
}
