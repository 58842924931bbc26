//! A second joiner with a client id already in the room gets `duplicate-client-id`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn duplicate_ids_are_refused() {
    let mut r = Relay::room();
    r.connect(3);
    let p = json!({"sessionCode": CODE, "clientId": "guest-1", "participantName": "Imposter"});
    assert_eq!(r.err(3, "joinRoom", p.clone()), "duplicate-client-id");
    let snap = r.snapshot(CODE).unwrap();
    assert_eq!(snap.participant_ids, vec!["host-1", "guest-1"]);
    assert_eq!(
        snap.participant_profiles.get("guest-1").map(String::as_str),
        Some("Invité")
    );
    // Once the first one left, the id is free again.
    r.ok(2, "leaveRoom", json!({"sessionCode": CODE}));
    r.ok(3, "joinRoom", p);
}
