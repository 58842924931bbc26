//! Creating a room whose code is taken gives `session-already-exists` and leaves the
//! existing room untouched.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn second_create_of_a_code_is_refused() {
    let mut r = Relay::default();
    r.host(1, "host-1");
    let before = r.snapshot(CODE).unwrap();
    r.connect(2);
    let p = json!({"sessionCode": CODE.to_lowercase(), "hostClientId": "host-2", "sessionName": "Other"});
    assert_eq!(r.err(2, "createRoom", p), "session-already-exists");
    // The host itself cannot create it again either.
    let p = json!({"sessionCode": CODE, "hostClientId": "host-1"});
    assert_eq!(r.err(1, "createRoom", p), "session-already-exists");
    assert_eq!(r.snapshot(CODE).unwrap(), before);
    assert!(r.take(1).is_empty(), "no event for a refused create");
    // The refused socket is not bound to the room.
    assert_eq!(
        r.err(2, "getRoomSnapshot", json!({"sessionCode": CODE})),
        "not-joined"
    );
}
