//! What a client sends, as the relay reads it: the [`ClientFrame`] envelope.
//!
//! The envelope is a derived serde struct read by serde_json. Its `payload` is first
//! kept as raw text ([`RawValue`]), which serde_json captures without building values,
//! so without its nesting limit and without reading numbers: a request whose `id` can
//! be read gets an answer even when its payload cannot be acted on (DESIGN.md
//! decision 9: nesting deeper than serde_json's limit, a number like `1e309`, a
//! payload that is not an object all give `invalid-request` with that id). Bytes that
//! are not one JSON object are ignored.
//!
//! The deployed relay's quirks kept here (PROTOCOL.md section 1):
//! - `id` and `action` are `String(x || "")`: `7` is `"7"`, `0`, `false` and `null`
//!   are missing, `[1,2]` is `"1,2"`, an object is `"[object Object]"` ([`js_id`]);
//! - unpaired surrogate escapes (`"\ud800"`), which `JSON.parse` accepts and serde_json
//!   refuses, are read as U+FFFD instead of dropping the frame;
//! - unknown members are ignored (nothing is denied).
//!
//! Where serde and `JSON.parse` differ: a member given twice makes the frame
//! unreadable (serde's derive refuses a duplicate field), where `JSON.parse` keeps the
//! last; no deployed client writes one (`JSON.stringify` cannot).

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A message from a client, as the relay reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    /// `{"type":"request","id","action","payload"}`: expects exactly one response.
    Request {
        /// `String(id)`; empty when absent.
        id: String,
        /// The action name; empty when absent.
        action: String,
        /// The payload: an object, `None` when absent, [`Unreadable`] when of
        /// another type or past what the relay can read.
        payload: Result<Option<Map<String, Value>>, Unreadable>,
    },
    /// `{"type":"notify","action","payload"}`: no reply.
    Notify {
        /// `subscribe` or `unsubscribe` (others are ignored).
        action: String,
        /// The payload object (empty when absent, unreadable or not an object).
        payload: Map<String, Value>,
    },
    /// A JSON object of another `type`: ignored, but counted by the rate limiter
    /// (over the limit, one with an `id` gets `rate-limited`).
    Other {
        /// `String(id)`; empty when absent.
        id: String,
    },
}

/// A payload the relay cannot act on: not an object (an array, a string, `null`),
/// nested deeper than serde_json reads, or holding a number out of a double's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable;

/// The envelope as received; every member optional, unknown members ignored.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", default)]
    kind: Option<Value>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    action: Option<Value>,
    /// `Some` even for `null` (JS: "not undefined"); kept raw, read later.
    #[serde(default, borrow, deserialize_with = "present")]
    payload: Option<&'a RawValue>,
}

/// A member that is present, `null` included.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

impl ClientFrame {
    /// Reads one client message. `None` for bytes that are not one JSON object
    /// (the relay ignores those silently and does not count them).
    pub fn parse(bytes: &[u8]) -> Option<ClientFrame> {
        let text = std::str::from_utf8(bytes).ok()?;
        if !super::is_object_text(text) {
            return None;
        }
        match serde_json::from_str::<Envelope<'_>>(text) {
            Ok(envelope) => Some(ClientFrame::from_envelope(envelope)),
            // JSON.parse accepts unpaired surrogate escapes (a JS client can cut a name
            // mid-emoji); serde_json refuses them. Read them as U+FFFD.
            Err(_) => {
                let text = replace_lone_surrogates(text)?;
                let envelope = serde_json::from_str::<Envelope<'_>>(&text).ok()?;
                Some(ClientFrame::from_envelope(envelope))
            }
        }
    }

    fn from_envelope(e: Envelope<'_>) -> ClientFrame {
        let payload = match e.payload {
            None => Ok(None),
            Some(raw) => read_object(raw.get())
                .or_else(|| read_object(&replace_lone_surrogates(raw.get())?))
                .map(Some)
                .ok_or(Unreadable),
        };
        let text = |v: Option<Value>| v.map_or_else(String::new, |v| js_id(&v));
        match e.kind.as_ref().and_then(Value::as_str) {
            Some("request") => ClientFrame::Request {
                id: text(e.id),
                action: text(e.action),
                payload,
            },
            Some("notify") => ClientFrame::Notify {
                action: text(e.action),
                payload: payload.ok().flatten().unwrap_or_default(),
            },
            _ => ClientFrame::Other { id: text(e.id) },
        }
    }
}

/// One JSON object, or `None`.
fn read_object(text: &str) -> Option<Map<String, Value>> {
    serde_json::from_str(text).ok()
}

/// `String(v || "")` as the deployed relay reads an `id` or an `action`.
pub fn js_id(v: &Value) -> String {
    match v {
        Value::Null | Value::Bool(false) => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.as_f64() == Some(0.0) => String::new(),
        Value::Number(_) | Value::Bool(true) => {
            crate::validate::js::js_string(Some(v)).unwrap_or_default()
        }
        Value::Object(_) => "[object Object]".to_string(),
        // `String([a, b])` is `a.join(",")`, where null and undefined are empty.
        Value::Array(items) => items
            .iter()
            .map(|x| match x {
                Value::Null => String::new(),
                Value::Bool(false) => "false".to_string(),
                Value::Number(n) if n.as_f64() == Some(0.0) => "0".to_string(),
                x => js_id(x),
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The text with every `\uD800`-`\uDFFF` escape that is not part of a pair replaced
/// by `\uFFFD`; `None` when there is none (the text failed for another reason).
fn replace_lone_surrogates(text: &str) -> Option<String> {
    fn unit_at(b: &[u8], i: usize) -> Option<u16> {
        if b.get(i) != Some(&b'\\') || !matches!(b.get(i + 1), Some(b'u' | b'U')) {
            return None;
        }
        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if let Some(u) = unit_at(b, i) {
                let high = (0xD800..0xDC00).contains(&u);
                let low = (0xDC00..0xE000).contains(&u);
                let paired =
                    high && unit_at(b, i + 6).is_some_and(|n| (0xDC00..0xE000).contains(&n));
                if paired {
                    i += 12;
                    continue;
                }
                if high || low {
                    out.push_str(&text[last..i]);
                    out.push_str("\\uFFFD");
                    i += 6;
                    last = i;
                    continue;
                }
            }
            i += 2; // skip the escaped character, e.g. `\\\\` or `\\"`
            continue;
        }
        i += 1;
    }
    if last == 0 {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Payload = Result<Option<Map<String, Value>>, Unreadable>;

    fn request(text: &str) -> (String, String, Payload) {
        match ClientFrame::parse(text.as_bytes()) {
            Some(ClientFrame::Request {
                id,
                action,
                payload,
            }) => (id, action, payload),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn parses_requests_like_the_relay() {
        let (id, action, payload) = request(
            r#"{"type":"request","id":7,"action":"getRoomSnapshot","payload":{"sessionCode":"ABCD-EFGH"},"extra":1}"#,
        );
        assert_eq!((id.as_str(), action.as_str()), ("7", "getRoomSnapshot"));
        assert!(payload.unwrap().unwrap().contains_key("sessionCode"));
        assert!(ClientFrame::parse(b"not json").is_none());
        assert!(ClientFrame::parse(b"[1,2]").is_none());
        assert!(ClientFrame::parse(b"\xff{}").is_none());
        let (_, _, payload) = request(
            r#"{"type":"request","id":"1","action":"joinRoom","payload":{"participantName":"a\ud83d","x":"\ud83d\ude00\\ud800"}}"#,
        );
        let p = payload.unwrap().unwrap();
        assert_eq!(p["participantName"], "a\u{fffd}");
        assert_eq!(
            p["x"], "\u{1f600}\\ud800",
            "pairs and escaped backslashes are kept"
        );
        assert_eq!(request(r#"{"type":"request","id":0,"action":"x"}"#).0, "");
        assert_eq!(
            ClientFrame::parse(br#"{"type":"hello","id":3}"#),
            Some(ClientFrame::Other { id: "3".into() })
        );
        assert_eq!(
            ClientFrame::parse(br#"{"id":"9"}"#),
            Some(ClientFrame::Other { id: "9".into() })
        );
        assert_eq!(request(r#"{"type":"request","action":"x"}"#).2, Ok(None));
    }

    #[test]
    fn ids_are_javascript_strings() {
        for (id, want) in [
            ("1.5", "1.5"),
            ("1e21", "1e+21"),
            ("true", "true"),
            ("false", ""),
            ("null", ""),
            ("\"\"", ""),
            ("[1,null,0,\"a\"]", "1,,0,a"),
            ("{\"a\":1}", "[object Object]"),
        ] {
            let text = format!(r#"{{"type":"request","id":{id},"action":"x"}}"#);
            assert_eq!(request(&text).0, want, "{id}");
        }
    }

    #[test]
    fn a_payload_the_relay_cannot_act_on_is_unreadable_but_keeps_the_id() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for payload in [
            "[1]",
            "null",
            "\"x\"",
            "{\"n\":1e309}",
            &format!("{{\"a\":{deep}}}"),
        ] {
            let text = format!(r#"{{"type":"request","id":"5","action":"x","payload":{payload}}}"#);
            let (id, _, payload) = request(&text);
            assert_eq!((id.as_str(), payload), ("5", Err(Unreadable)), "{text}");
        }
        // Not JSON at all, even with an id in it, stays ignored.
        assert!(ClientFrame::parse(br#"{"type":"request","id":"5","payload":{]}"#).is_none());
        // A notify with such a payload has an empty one.
        assert_eq!(
            ClientFrame::parse(br#"{"type":"notify","action":"subscribe","payload":[1]}"#),
            Some(ClientFrame::Notify {
                action: "subscribe".into(),
                payload: Map::new()
            })
        );
    }
}
