//! The deployed relay's wire protocol, shared by the client and the relay.
//!
//! One JSON object per WebSocket message (PROTOCOL.md section 1):
//! - client to relay: [`request`](ClientFrame::Request) and [`notify`](ClientFrame::Notify);
//! - relay to client: `response` (built by [`response_ok`] / [`response_err`]) and
//!   `event` (built by [`event_frame`]), parsed by the client with [`ServerFrame::parse`].
//!
//! Ordering guarantees (from the deployed relay): replies are matched by id and may
//! arrive out of order; for a request that triggers a broadcast, the sender gets the
//! event before the reply; events of one room reach a connection in the order the
//! relay applied them.

mod action;
pub mod fields;
mod ordered;
mod snapshot;

pub use crate::json::RawJson;
pub use action::Action;
pub use ordered::OrderedMap;
pub use snapshot::{EventKind, MediaMeta, PackMeta, RoomEvent, RoomSnapshot};

use serde::Serialize;
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
        /// The payload: an object, `None` when absent, `Err(())` when of another type.
        payload: Result<Option<Map<String, Value>>, ()>,
    },
    /// `{"type":"notify","action","payload"}`: no reply.
    Notify {
        /// `subscribe` or `unsubscribe` (others are ignored).
        action: String,
        /// The payload object (empty when absent or not an object).
        payload: Map<String, Value>,
    },
    /// A JSON object of another `type`: ignored, but counted by the rate limiter.
    Other,
}

impl ClientFrame {
    /// Reads one client message. `None` for bytes that are not a JSON object
    /// (the relay ignores those silently and does not count them).
    pub fn parse(bytes: &[u8]) -> Option<ClientFrame> {
        // Bytes that are not UTF-8 are not JSON either. Reading them as text first
        // gives the same values as `from_slice`, with one parser in the wasm module.
        let text = std::str::from_utf8(bytes).ok()?;
        let parsed = crate::json::parse(text).or_else(|_| {
            // JSON.parse accepts unpaired surrogate escapes (a JS client can cut a name
            // mid-emoji); serde_json refuses them. Read them as U+FFFD instead of
            // dropping the whole frame.
            crate::json::parse(&replace_lone_surrogates(text))
        });
        let Ok(Value::Object(mut obj)) = parsed else {
            return None;
        };
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => String::new(),
            Some(Value::Bool(false)) => String::new(),
            // `String(id || "")`: a zero id is "missing".
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => String::new(),
            Some(other @ (Value::Number(_) | Value::Bool(_))) => {
                crate::validate::js::js_string(Some(&other)).unwrap_or_default()
            }
            Some(_) => "[object Object]".to_string(),
        };
        let payload = match crate::json::take(&mut obj, "payload") {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(()),
        };
        match obj.get("type").and_then(Value::as_str) {
            Some("request") => Some(ClientFrame::Request {
                id: text(crate::json::take(&mut obj, "id")),
                action: text(crate::json::take(&mut obj, "action")),
                payload,
            }),
            Some("notify") => Some(ClientFrame::Notify {
                action: text(crate::json::take(&mut obj, "action")),
                payload: payload.ok().flatten().unwrap_or_default(),
            }),
            _ => Some(ClientFrame::Other),
        }
    }
}

/// Replaces `\\uD800`-`\\uDFFF` escapes that do not form a pair with `\\uFFFD`.
fn replace_lone_surrogates(text: &str) -> String {
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
    out.push_str(&text[last..]);
    out
}

/// Builds a request frame as the deployed client sends it.
pub fn request_frame(id: &str, action: Action, payload: &Value) -> String {
    #[derive(Serialize)]
    struct Req<'a> {
        r#type: &'static str,
        id: &'a str,
        action: &'static str,
        payload: &'a Value,
    }
    to_json(&Req {
        r#type: "request",
        id,
        action: action.as_str(),
        payload,
    })
}

/// Builds a notify frame (`subscribe` / `unsubscribe`) for one session code.
pub fn notify_frame(action: &str, session_code: &str) -> String {
    let payload = crate::json::object([("sessionCode", session_code.into())]);
    let v = crate::json::object([
        ("type", "notify".into()),
        ("action", action.into()),
        ("payload", payload),
    ]);
    v.to_string()
}

/// A success response; `result_json` is spliced verbatim (it must be valid JSON).
pub fn response_ok(id: &str, result_json: &str) -> String {
    format!(
        r#"{{"type":"response","id":{},"ok":true,"result":{}}}"#,
        to_json(&id),
        result_json
    )
}

/// An error response with a code.
pub fn response_err(id: &str, code: &str) -> String {
    format!(
        r#"{{"type":"response","id":{},"ok":false,"error":{}}}"#,
        to_json(&id),
        to_json(&code)
    )
}

/// An event frame around an already serialized event object.
pub fn event_frame(event_json: &str) -> String {
    format!(r#"{{"type":"event","event":{event_json}}}"#)
}

/// Serializes a value the protocol builds itself (cannot fail for these types).
pub fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

/// A message from the relay, as the client reads it.
#[derive(Debug)]
pub enum ServerFrame {
    /// A reply to the request with this id.
    Response {
        /// The request id (`String(id)` of what the client sent).
        id: String,
        /// The result on success, kept raw so a pack can be hashed byte for byte;
        /// the error code on failure.
        outcome: Result<RawJson, String>,
    },
    /// A pushed event (`event`, or `payload` in its place).
    Event(RawJson),
}

impl ServerFrame {
    /// Reads one relay message; `None` for anything that is not a well-formed
    /// response or event (unknown payloads are ignored).
    pub fn parse(text: &str) -> Option<ServerFrame> {
        use fields::{opt_boolean, opt_string, opt_value};
        let f = fields::Fields::parse(text).ok()?;
        // Every field is read first, so one of the wrong type drops the frame.
        let kind = f.get("type", opt_string).ok()?;
        let id = f.get("id", opt_value).ok()?;
        let ok = f.get("ok", opt_boolean).ok()?;
        let error = f.get("error", opt_value).ok()?;
        match kind?.as_str() {
            "response" => {
                let id = match id? {
                    Value::String(s) => s,
                    other => crate::validate::js::js_string(Some(&other))?,
                };
                let outcome = if ok == Some(true) {
                    Ok(f.raw("result").unwrap_or_else(RawJson::null))
                } else {
                    Err(match error {
                        Some(Value::String(s)) if !s.is_empty() => s,
                        _ => crate::Code::RequestFailed.as_str().to_string(),
                    })
                };
                Some(ServerFrame::Response { id, outcome })
            }
            "event" => f
                .raw("event")
                .or_else(|| f.raw("payload"))
                .map(ServerFrame::Event),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests_like_the_relay() {
        let f = ClientFrame::parse(br#"{"type":"request","id":7,"action":"getRoomSnapshot","payload":{"sessionCode":"ABCD-EFGH"}}"#).unwrap();
        match f {
            ClientFrame::Request {
                id,
                action,
                payload,
            } => {
                assert_eq!(id, "7");
                assert_eq!(action, "getRoomSnapshot");
                assert!(payload.unwrap().unwrap().contains_key("sessionCode"));
            }
            other => panic!("{other:?}"),
        }
        assert!(ClientFrame::parse(b"not json").is_none());
        match ClientFrame::parse(br#"{"type":"request","id":"1","action":"joinRoom","payload":{"participantName":"a\ud83d","x":"\ud83d\ude00\\ud800"}}"#) {
            Some(ClientFrame::Request { payload: Ok(Some(p)), .. }) => {
                assert_eq!(p["participantName"], "a\u{fffd}");
                assert_eq!(p["x"], "\u{1f600}\\ud800", "pairs and escaped backslashes are kept");
            }
            other => panic!("{other:?}"),
        }
        match ClientFrame::parse(br#"{"type":"request","id":0,"action":"x"}"#) {
            Some(ClientFrame::Request { id, .. }) => assert_eq!(id, "", "String(0 || '') is empty"),
            other => panic!("{other:?}"),
        }
        assert!(ClientFrame::parse(b"[1,2]").is_none());
        assert_eq!(
            ClientFrame::parse(br#"{"type":"hello"}"#),
            Some(ClientFrame::Other)
        );
        match ClientFrame::parse(br#"{"type":"request","id":"1","action":"x","payload":[1]}"#) {
            Some(ClientFrame::Request { payload, .. }) => assert!(payload.is_err()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn builds_responses_and_reads_them_back() {
        let ok = response_ok("3", r#"{"a":1}"#);
        assert_eq!(
            ok,
            r#"{"type":"response","id":"3","ok":true,"result":{"a":1}}"#
        );
        match ServerFrame::parse(&ok) {
            Some(ServerFrame::Response { id, outcome: Ok(r) }) => {
                assert_eq!(id, "3");
                assert_eq!(r.get(), r#"{"a":1}"#);
            }
            other => panic!("{other:?}"),
        }
        let err = response_err("4", "not-joined");
        match ServerFrame::parse(&err) {
            Some(ServerFrame::Response {
                outcome: Err(code), ..
            }) => assert_eq!(code, "not-joined"),
            other => panic!("{other:?}"),
        }
        let ev = event_frame(r#"{"type":"room-closed"}"#);
        assert!(matches!(
            ServerFrame::parse(&ev),
            Some(ServerFrame::Event(_))
        ));
        assert!(ServerFrame::parse(r#"{"type":"event","payload":{"type":"x"}}"#).is_some());
        assert!(ServerFrame::parse(r#"{"type":"weird"}"#).is_none());
        assert!(ServerFrame::parse("][").is_none());
    }
}
