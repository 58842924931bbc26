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
pub mod chunks;
mod client_frame;
pub mod extensions;
mod server_frame;
mod snapshot;

pub use action::Action;
pub use client_frame::{js_id, ClientFrame, Unreadable};
pub use server_frame::{null, ServerFrame};
pub(crate) use snapshot::{from_object, objects};
pub use snapshot::{EventKind, MediaMeta, PackMeta, RoomEvent, RoomSnapshot};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// One JSON value as received, byte for byte (a reply's `result`, an event).
pub type RawJson = Box<RawValue>;

/// A string-keyed map that keeps insertion order, on the wire too, as JS objects do
/// (participants: host first, then join order).
pub type OrderedMap<V> = indexmap::IndexMap<String, V>;

/// JSON that is not what the reader expected: not JSON, not an object, or a field
/// of the wrong type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

impl From<serde_json::Error> for Malformed {
    fn from(_: serde_json::Error) -> Malformed {
        Malformed
    }
}

/// Whether `text` is (at most) one JSON object: serde's derived readers would also
/// take an array for a struct, by position, which `JSON.parse` does not.
pub(crate) fn is_object_text(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
}

/// The outcome of reading a relay object.
pub type Read<T> = Result<T, Malformed>;

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
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload<'a> {
        session_code: &'a str,
    }
    #[derive(Serialize)]
    struct Notify<'a> {
        r#type: &'static str,
        action: &'a str,
        payload: Payload<'a>,
    }
    to_json(&Notify {
        r#type: "notify",
        action,
        payload: Payload { session_code },
    })
}

/// What the relay sends: a reply or an event, written by serde derive in the deployed
/// relay's key order (`type` first).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum RelayFrame<'a> {
    /// `{"type":"response","id","ok":true,"result"}` or
    /// `{"type":"response","id","ok":false,"error"}`.
    Response {
        /// The request's id, as `String(id)`.
        id: &'a str,
        /// Whether the request succeeded.
        ok: bool,
        /// The result on success.
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<&'a RawValue>,
        /// The error code on failure.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
        /// When a limit's error may be retried, ms (ours; extra fields are ignored
        /// by the deployed client).
        #[serde(rename = "retryAfterMs", skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// `{"type":"event","event"}`.
    Event {
        /// The event object.
        event: &'a RawValue,
    },
}

/// A success response around an already serialized result.
pub fn response_ok(id: &str, result: &RawValue) -> String {
    to_json(&RelayFrame::Response {
        id,
        ok: true,
        result: Some(result),
        error: None,
        retry_after_ms: None,
    })
}

/// An error response with a code.
pub fn response_err(id: &str, code: &str) -> String {
    response_err_retry(id, code, None)
}

/// An error response with a code and, for a limit, when to retry (`retryAfterMs`).
pub fn response_err_retry(id: &str, code: &str, retry_after_ms: Option<u64>) -> String {
    to_json(&RelayFrame::Response {
        id,
        ok: false,
        result: None,
        error: Some(code),
        retry_after_ms,
    })
}

/// An event frame around an already serialized event object.
pub fn event_frame(event: &RawValue) -> String {
    to_json(&RelayFrame::Event { event })
}

/// A value the protocol builds itself, serialized once and kept as raw JSON (to be
/// placed in a frame without being parsed again).
pub fn to_raw<T: Serialize + ?Sized>(v: &T) -> RawJson {
    serde_json::value::to_raw_value(v).unwrap_or_else(|_| null())
}

/// Serializes a value the protocol builds itself (cannot fail for these types).
pub fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}
