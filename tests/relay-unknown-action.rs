//! An action the relay does not know gets `unknown-action:<name>`, bound socket or not,
//! and changes nothing.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn unknown_actions_are_named_in_the_code() {
    let mut r = Relay::room();
    let before = r.snapshot(CODE).unwrap();
    assert_eq!(
        r.err(2, "fly", json!({"sessionCode": CODE})),
        "unknown-action:fly"
    );
    assert_eq!(
        r.err(1, "deleteRoom", json!({})),
        "unknown-action:deleteRoom"
    );
    // Names are case-sensitive.
    assert_eq!(
        r.err(
            1,
            "createroom",
            json!({"sessionCode": "WXYZ-2345", "hostClientId": "h"})
        ),
        "unknown-action:createroom"
    );
    r.connect(3);
    assert_eq!(
        r.err(3, "subscribe", json!({"sessionCode": CODE})),
        "unknown-action:subscribe"
    );
    let frames = r.send(3, r#"{"type":"request","id":"1","action":123}"#);
    assert_eq!(outcome(&frames[0].json), Err("unknown-action:123".into()));
    assert_eq!(r.snapshot(CODE).unwrap(), before);
    assert!(r.take(1).is_empty() && r.take(2).is_empty());
}
