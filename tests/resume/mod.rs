//! Helpers of the resume scenarios: a negotiated connection, tokens read from replies.
#![allow(dead_code)]

use crate::common::relay::*;
use online_sync::relay::ConnId;
use serde_json::{json, Value};

/// The hello our client sends first.
pub const HELLO: &str =
    r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#;

/// Opens `conn` and negotiates; returns the `relay-features` event.
pub fn negotiate(r: &mut Relay, conn: ConnId) -> Value {
    r.connect(conn);
    let frames = r.send(conn, HELLO);
    assert_eq!(frames.len(), 1, "exactly one relay-features frame");
    frames[0].event().expect("an event").clone()
}

/// A relay whose host (conn 1, "host-1") and participant (conn 2, "guest-1") negotiated;
/// returns it with their tokens.
pub fn resumable_room(f: impl FnOnce(&mut online_sync::RelaySettings)) -> (Relay, String, String) {
    let mut r = Relay::with(f);
    negotiate(&mut r, 1);
    let host = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
    negotiate(&mut r, 2);
    let guest = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1"}),
    );
    r.take(1);
    r.take(2);
    (r, token(&host), token(&guest))
}

/// The `resumeToken` of a reply.
pub fn token(reply: &Value) -> String {
    reply["resumeToken"]
        .as_str()
        .expect("a resumeToken")
        .to_string()
}

/// `conn` (negotiated first) resumes with `token`.
pub fn resume(r: &mut Relay, conn: ConnId, token: &str) -> Result<Value, String> {
    negotiate(r, conn);
    r.request(conn, "resumeSession", json!({"resumeToken": token}))
        .1
}
