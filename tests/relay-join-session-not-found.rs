//! Joining a code with no room gives `session-not-found`, also after the room closed.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn unknown_and_closed_rooms_are_not_found() {
    let mut r = Relay::default();
    r.connect(2);
    let p = json!({"sessionCode": CODE, "clientId": "guest-1"});
    assert_eq!(r.err(2, "joinRoom", p.clone()), "session-not-found");
    r.host(1, "host-1");
    r.disconnect(1);
    assert_eq!(r.err(2, "joinRoom", p), "session-not-found");
    // A malformed client id is not looked at before the room.
    let p = json!({"sessionCode": "ZZZZ-9999", "clientId": "bad id"});
    assert_eq!(r.err(2, "joinRoom", p), "session-not-found");
}
