//! What the relay sends, as the client reads it: the [`ServerFrame`] envelope.
//!
//! A derived serde struct read by serde_json; `result` and `event` are kept as the
//! raw text received ([`RawJson`]), so a pack can be hashed byte for byte, and read
//! into their types by whoever expects them. Unknown members are ignored; a member of
//! the wrong type drops the frame, as does a member given twice.

use super::RawJson;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

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

/// The envelope as received; every member optional.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default, borrow)]
    result: Option<&'a RawValue>,
    #[serde(default, borrow)]
    event: Option<&'a RawValue>,
    #[serde(default, borrow)]
    payload: Option<&'a RawValue>,
}

impl ServerFrame {
    /// Reads one relay message; `None` for anything that is not a well-formed
    /// response or event (unknown payloads are ignored).
    pub fn parse(text: &str) -> Option<ServerFrame> {
        if !super::is_object_text(text) {
            return None;
        }
        let e: Envelope<'_> = serde_json::from_str(text).ok()?;
        match e.kind.as_str() {
            "response" => {
                let id = match e.id? {
                    Value::String(s) => s,
                    other => crate::validate::js::js_string(Some(&other))?,
                };
                let outcome = if e.ok == Some(true) {
                    Ok(e.result.map_or_else(null, RawValue::to_owned))
                } else {
                    Err(match e.error {
                        Some(Value::String(s)) if !s.is_empty() => s,
                        _ => crate::Code::RequestFailed.as_str().to_string(),
                    })
                };
                Some(ServerFrame::Response { id, outcome })
            }
            "event" => e
                .event
                .or(e.payload)
                .map(|raw| ServerFrame::Event(raw.to_owned())),
            _ => None,
        }
    }
}

/// `null`, as raw JSON.
pub fn null() -> RawJson {
    RawValue::NULL.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{event_frame, response_err, response_ok};

    fn raw(text: &str) -> RawJson {
        RawValue::from_string(text.to_string()).unwrap()
    }

    #[test]
    fn builds_responses_and_reads_them_back() {
        let ok = response_ok("3", &raw(r#"{"a":1}"#));
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
        assert_eq!(
            err,
            r#"{"type":"response","id":"4","ok":false,"error":"not-joined"}"#
        );
        assert_eq!(
            event_frame(&raw(r#"{"type":"x","n":1.50}"#)),
            r#"{"type":"event","event":{"type":"x","n":1.50}}"#,
            "the event is placed byte for byte"
        );
        match ServerFrame::parse(&err) {
            Some(ServerFrame::Response {
                outcome: Err(code), ..
            }) => assert_eq!(code, "not-joined"),
            other => panic!("{other:?}"),
        }
        let ev = event_frame(&raw(r#"{"type":"room-closed"}"#));
        assert!(matches!(
            ServerFrame::parse(&ev),
            Some(ServerFrame::Event(_))
        ));
        assert!(ServerFrame::parse(r#"{"type":"event","payload":{"type":"x"}}"#).is_some());
        assert!(ServerFrame::parse(r#"{"type":"weird"}"#).is_none());
        assert!(ServerFrame::parse("][").is_none());
    }

    #[test]
    fn raw_members_keep_their_bytes_and_odd_frames_are_dropped() {
        let text =
            r#"{"type":"response","id":7,"ok":true,"result": {"x": [1.50, "}\"]"]} ,"more":1}"#;
        match ServerFrame::parse(text) {
            Some(ServerFrame::Response { id, outcome: Ok(r) }) => {
                assert_eq!((id.as_str(), r.get()), ("7", r#"{"x": [1.50, "}\"]"]}"#));
            }
            other => panic!("{other:?}"),
        }
        match ServerFrame::parse(r#"{"type":"response","id":"1","ok":true,"result":null}"#) {
            Some(ServerFrame::Response { outcome: Ok(r), .. }) => assert_eq!(r.get(), "null"),
            other => panic!("{other:?}"),
        }
        match ServerFrame::parse(r#"{"type":"response","id":"1","ok":false,"error":""}"#) {
            Some(ServerFrame::Response {
                outcome: Err(e), ..
            }) => assert_eq!(e, "request-failed"),
            other => panic!("{other:?}"),
        }
        for bad in [
            r#"{"type":"response","ok":true}"#,
            r#"{"type":"response","id":"1","ok":"yes"}"#,
            r#"{"type":7}"#,
            r#"{"type":"event"}"#,
            r#"{"type":"event","event":{}} x"#,
            r#"[{"type":"event","event":{}}]"#,
        ] {
            assert!(ServerFrame::parse(bad).is_none(), "{bad}");
        }
    }
}
