//! Reading the relay's JSON objects field by field.
//!
//! The client reads what the relay sends (frames, snapshots, events, replies) with
//! [`Fields`]: an object is split once into its members' raw JSON text, in document
//! order, and each field is read with a small reader ([`string`], [`uint`], ...).
//! The readers keep the rules of serde's derived readers, so the same objects are
//! accepted: an absent field takes its default, `null` is `None` for an optional
//! field only, and a field of the wrong type refuses the whole object. Unknown keys
//! are ignored. Two cases differ from serde's derive and follow `JSON.parse`, as the
//! deployed JS client does: a key given twice takes its last value (serde refused the
//! object), and a JSON array is never read as a struct by position (serde accepted it).
//!
//! One reader shared by every type keeps the WebAssembly module small: a derived
//! `Deserialize` builds a whole visitor for each type.

pub use crate::json::{Malformed, RawJson};

use super::OrderedMap;
use crate::json;
use serde_json::{Map, Value};

/// The outcome of reading an object or one of its fields.
pub type Read<T> = Result<T, Malformed>;

/// The members of one JSON object, in document order, each as its raw JSON text.
#[derive(Debug)]
pub struct Fields<'a>(Vec<(String, &'a str)>);

impl<'a> Fields<'a> {
    /// Splits `text`, which must be one JSON object, into its members.
    ///
    /// # Errors
    /// [`Malformed`] when `text` is not JSON or not an object.
    pub fn parse(text: &'a str) -> Read<Fields<'a>> {
        json::members(text).map(Fields)
    }

    /// The raw text of `key` (its last occurrence); `None` when absent.
    pub fn member(&self, key: &str) -> Option<&'a str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The raw text of `key`, kept; `None` when absent or `null`.
    pub fn raw(&self, key: &str) -> Option<RawJson> {
        self.member(key).filter(|v| *v != "null").map(RawJson::of)
    }

    /// Reads `key` with `read`, which gets `None` when the key is absent.
    ///
    /// # Errors
    /// What `read` returns.
    pub fn get<T>(&self, key: &str, read: impl FnOnce(Option<Value>) -> Read<T>) -> Read<T> {
        match self.member(key) {
            None => read(None),
            Some(raw) => read(Some(value(raw)?)),
        }
    }

    /// An optional object field read by `read` from its own text: `None` when the key
    /// is absent or `null`.
    ///
    /// # Errors
    /// What `read` returns.
    pub fn nested<T>(&self, key: &str, read: impl FnOnce(&'a str) -> Read<T>) -> Read<Option<T>> {
        self.member(key)
            .filter(|v| *v != "null")
            .map(read)
            .transpose()
    }

    /// An object of strings, its keys in document order (as JS keeps them); empty
    /// when absent. A key given twice keeps its first place and takes its last value.
    ///
    /// # Errors
    /// [`Malformed`] for anything but an object of strings.
    pub fn ordered_strings(&self, key: &str) -> Read<OrderedMap<String>> {
        let mut out = OrderedMap::default();
        if let Some(raw) = self.member(key) {
            for (k, v) in json::members(raw)? {
                out.insert(k, string(Some(value(v)?))?);
            }
        }
        Ok(out)
    }
}

/// Parses one JSON value.
///
/// # Errors
/// [`Malformed`] when `text` is not JSON.
pub fn value(text: &str) -> Read<Value> {
    json::parse(text)
}

/// A string field: `""` when absent.
///
/// # Errors
/// [`Malformed`] for anything but a string (`null` included).
pub fn string(v: Option<Value>) -> Read<String> {
    match v {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Malformed),
    }
}

/// An optional string field: `None` when absent or `null`.
///
/// # Errors
/// [`Malformed`] for anything but a string or `null`.
pub fn opt_string(v: Option<Value>) -> Read<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        other => string(other).map(Some),
    }
}

/// A non-negative integer field: 0 when absent.
///
/// # Errors
/// [`Malformed`] for anything but an integer in `0..=u64::MAX` (`1.0` included).
pub fn uint(v: Option<Value>) -> Read<u64> {
    v.map_or(Some(0), |v| v.as_u64()).ok_or(Malformed)
}

/// A count field: 0 when absent.
///
/// # Errors
/// As [`uint`], and for a count past `usize::MAX`.
pub fn count(v: Option<Value>) -> Read<usize> {
    usize::try_from(uint(v)?).map_err(|_| Malformed)
}

/// A boolean field: `false` when absent.
///
/// # Errors
/// [`Malformed`] for anything but `true` or `false`.
pub fn boolean(v: Option<Value>) -> Read<bool> {
    opt_boolean(v)?.map_or(Ok(false), Ok)
}

/// An optional boolean field: `None` when absent or `null`.
///
/// # Errors
/// [`Malformed`] for anything but `true`, `false` or `null`.
pub fn opt_boolean(v: Option<Value>) -> Read<Option<bool>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(_) => Err(Malformed),
    }
}

/// A list of strings: empty when absent.
///
/// # Errors
/// [`Malformed`] for anything but an array of strings.
pub fn strings(v: Option<Value>) -> Read<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.into_iter().map(|s| string(Some(s))).collect(),
        Some(_) => Err(Malformed),
    }
}

/// An object field: `None` when absent or `null`.
///
/// # Errors
/// [`Malformed`] for anything but an object or `null`.
pub fn opt_object(v: Option<Value>) -> Read<Option<Map<String, Value>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(Malformed),
    }
}

/// A field of any JSON value: `None` when absent or `null`.
///
/// # Errors
/// Never; the signature is that of every reader.
pub fn opt_value(v: Option<Value>) -> Read<Option<Value>> {
    Ok(v.filter(|v| !v.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_keep_their_raw_text_and_order() {
        let f = Fields::parse(r#" {"b": {"x": 1.50}, "a": null, "b": [1]} "#).unwrap();
        assert_eq!(f.member("b"), Some("[1]"), "the last of a key wins");
        assert_eq!(f.member("a"), Some("null"));
        assert!(f.raw("a").is_none());
        assert_eq!(
            f.raw("b").map(|r| r.get().to_string()).as_deref(),
            Some("[1]")
        );
        assert!(f.member("c").is_none());
        for bad in ["[1]", "null", "{", r#"{"a":1} x"#, ""] {
            assert!(Fields::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn readers_follow_serde_defaults_and_types() {
        let f = Fields::parse(r#"{"s":"x","n":7,"neg":-1,"f":1.0,"t":true,"z":null,"l":["a"]}"#)
            .unwrap();
        assert_eq!(f.get("s", string), Ok("x".into()));
        assert_eq!(f.get("none", string), Ok(String::new()));
        assert_eq!(f.get("z", string), Err(Malformed), "null is not a string");
        assert_eq!(f.get("z", opt_string), Ok(None));
        assert_eq!(f.get("n", opt_string), Err(Malformed));
        assert_eq!(f.get("n", uint), Ok(7));
        assert_eq!(f.get("none", uint), Ok(0));
        for key in ["neg", "f", "z", "s"] {
            assert_eq!(f.get(key, uint), Err(Malformed), "{key}");
        }
        assert_eq!(f.get("t", boolean), Ok(true));
        assert_eq!(f.get("none", boolean), Ok(false));
        assert_eq!(f.get("z", opt_boolean), Ok(None));
        assert_eq!(f.get("n", boolean), Err(Malformed));
        assert_eq!(f.get("l", strings), Ok(vec!["a".to_string()]));
        assert_eq!(f.get("s", strings), Err(Malformed));
        assert_eq!(f.get("z", opt_object), Ok(None));
        assert_eq!(f.get("l", opt_object), Err(Malformed));
        assert_eq!(f.get("l", opt_value), Ok(Some(json!(["a"]))));
        assert_eq!(f.get("z", opt_value), Ok(None));
    }

    #[test]
    fn ordered_strings_keep_document_order() {
        let f = Fields::parse(r#"{"m":{"z":"1","a":"2","z":"3"},"bad":{"a":1},"n":null}"#).unwrap();
        let m = f.ordered_strings("m").unwrap();
        assert_eq!(
            m.0,
            vec![("z".into(), "3".into()), ("a".into(), "2".into())]
        );
        assert!(f.ordered_strings("absent").unwrap().is_empty());
        assert_eq!(f.ordered_strings("bad"), Err(Malformed));
        assert_eq!(f.ordered_strings("n"), Err(Malformed));
    }
}
