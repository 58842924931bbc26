//! JSON text to `serde_json::Value`, and the raw members of an object.
//!
//! serde_json parses and checks every text. Two things are done here rather than
//! through serde_json's own `Value` and `RawValue` readers, for the size of the wasm
//! module: those readers report type errors with messages that print floats, which
//! alone brings Rust's float formatting (about 10 KB gzip) into the module.
//! - [`parse`] builds the same `Value` as `serde_json::from_str::<Value>`, except for
//!   an object whose first key is `$serde_json::private::RawValue`: serde_json's reader
//!   takes it for its own raw-value marker, this one keeps it as an object, as
//!   `JSON.parse` does.
//! - [`members`] splits an object into its members' raw text, as `RawValue` would
//!   give them: the exact bytes received (a pack is hashed from them).

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Text that is not JSON, or not the JSON expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// Parses one JSON value, as `serde_json::from_str::<Value>` does (see the module
/// documentation for the one key it reads differently).
///
/// # Errors
/// [`Malformed`] when `text` is not JSON (trailing characters included).
pub fn parse(text: &str) -> Result<Value, Malformed> {
    serde_json::from_str::<Json>(text)
        .map(|j| j.0)
        .map_err(|_| Malformed)
}

/// A `Value` read by [`JsonVisitor`].
struct Json(Value);

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor).map(Json)
    }
}

/// Builds a `Value` from any JSON, as serde_json's own visitor does (a float that is
/// not finite cannot come out of JSON text; it would be `null`, as there).
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Json(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some((key, Json(value))) = map.next_entry::<String, Json>()? {
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

/// A JSON object of these members: what `serde_json::json!({...})` builds, without
/// serde_json's value serializer (which `json!` runs on every member, and which the
/// wasm module does without).
pub fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    // One body for every size of object, not one per size. Inserted one by one:
    // `collect` into a map sorts first, and would bring a sort into the module.
    fn collect(members: &mut dyn Iterator<Item = (&str, Value)>) -> Value {
        let mut object = Map::new();
        for (key, value) in members {
            object.insert(key.to_string(), value);
        }
        Value::Object(object)
    }
    collect(&mut members.into_iter())
}

/// Moves the value of `key` out of `object`, leaving `null` in its place, for an
/// object about to be dropped: `Map::remove` would rebalance its tree, code the wasm
/// module can do without.
pub fn take(object: &mut Map<String, Value>, key: &str) -> Option<Value> {
    object.get_mut(key).map(Value::take)
}

/// One JSON value as received, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawJson(String);

impl RawJson {
    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }

    /// `null`.
    pub fn null() -> RawJson {
        RawJson("null".to_string())
    }

    /// Keeps a member's text, as [`members`] gave it.
    pub(crate) fn of(text: &str) -> RawJson {
        RawJson(text.to_string())
    }
}

/// The members of a JSON object, in document order: each key (unescaped) with the
/// raw text of its value.
///
/// # Errors
/// [`Malformed`] when `text` is not JSON or not an object.
pub fn members(text: &str) -> Result<Vec<(String, &str)>, Malformed> {
    // serde_json checks the syntax; the scan then only finds where values start and end.
    serde_json::from_str::<IgnoredAny>(text).map_err(|_| Malformed)?;
    let mut scan = Scan { text, at: 0 };
    if scan.token() != Some(b'{') {
        return Err(Malformed);
    }
    scan.at += 1;
    let mut out = Vec::new();
    while scan.token() == Some(b'"') {
        let key = match scan.value() {
            k if k.contains('\\') => match parse(k)? {
                Value::String(k) => k,
                _ => return Err(Malformed),
            },
            k => k[1..k.len() - 1].to_string(),
        };
        scan.token(); // the colon
        scan.at += 1;
        scan.token();
        out.push((key, scan.value()));
        if scan.token() == Some(b',') {
            scan.at += 1;
            scan.token();
        }
    }
    Ok(out)
}

/// A cursor over JSON text that serde_json has already checked, so that only its
/// structure matters: strings, brackets, and what separates values.
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    /// Skips whitespace; the byte there, if any.
    fn token(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
        bytes.get(self.at).copied()
    }

    /// The value that starts here, as text; the cursor moves past it.
    fn value(&mut self) -> &'a str {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut depth = 0usize;
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b'"' => {
                    // A string, escapes included.
                    self.at += 1;
                    while let Some(&c) = bytes.get(self.at) {
                        self.at += if c == b'\\' { 2 } else { 1 };
                        if c == b'"' {
                            break;
                        }
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' | b':' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break,
                _ => {}
            }
            self.at += 1;
        }
        &self.text[start..self.at]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_serde_json_does() {
        for text in [
            "null",
            " true ",
            "-0",
            "-0.0",
            "1.0",
            "1e400",
            "-7",
            "18446744073709551615",
            "18446744073709551616",
            "0.30000000000000004",
            r#""a\u00e9\ud83d\ude00\n""#,
            r#"[1, [2, {"a": null}], "x"]"#,
            r#"{"b": 1, "a": {"c": [true, false]}, "b": 2}"#,
            "[1,]",
            "{\"a\":1} x",
            r#""\ud800""#,
            "",
        ] {
            let ours = parse(text).ok();
            let theirs = serde_json::from_str::<Value>(text).ok();
            assert_eq!(ours, theirs, "{text}");
            if let (Some(Value::Number(a)), Some(Value::Number(b))) = (&ours, &theirs) {
                assert_eq!(a.as_f64().map(f64::to_bits), b.as_f64().map(f64::to_bits));
            }
        }
    }

    #[test]
    fn a_key_is_only_a_key() {
        // serde_json's own reader (with its `raw_value` feature) reads an object whose
        // first key is this one as the JSON text of its value; JSON.parse does not.
        let text = r#"{"$serde_json::private::RawValue": "1"}"#;
        assert_eq!(
            serde_json::from_str::<Value>(text).ok(),
            Some(Value::from(1))
        );
        let object = parse(text).unwrap();
        assert_eq!(object["$serde_json::private::RawValue"], "1");
    }

    #[test]
    fn members_keep_their_raw_text_and_order() {
        let text = concat!(
            " {\"b\" :\t{\"x\": [1.50, \"}\\\"]\"]},\n",
            "\"a\":null, \"k\\u0065y\":\"v,\" , \"b\": [1], \"n\": -1e-5}  "
        );
        let m = members(text).unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "key", "b", "n"]);
        let values: Vec<&str> = m.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            values,
            [
                r#"{"x": [1.50, "}\"]"]}"#,
                "null",
                r#""v,""#,
                "[1]",
                "-1e-5"
            ]
        );
        assert!(members("{}").unwrap().is_empty());
        assert!(members(" { } ").unwrap().is_empty());
        for bad in [
            "[1]",
            "null",
            "{",
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"{"a"}"#,
            "",
        ] {
            assert_eq!(members(bad), Err(Malformed), "{bad}");
        }
    }
}
