//! createRoom needs a `hostClientId` matching `^[A-Za-z0-9_-]{1,64}$` (after trim), else
//! `invalid-host-client-id`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn bad_host_ids_are_refused() {
    let mut r = Relay::default();
    r.connect(1);
    let long = "a".repeat(65);
    for bad in [
        json!(null),
        json!(""),
        json!("a b"),
        json!("é"),
        json!("a.b"),
        json!(long),
        json!(42),
        json!({}),
    ] {
        let p = json!({"sessionCode": CODE, "hostClientId": bad});
        assert_eq!(r.err(1, "createRoom", p), "invalid-host-client-id", "{bad}");
    }
    let p = json!({"sessionCode": CODE});
    assert_eq!(r.err(1, "createRoom", p), "invalid-host-client-id");
    assert_eq!(r.core.room_count(), 0);
    let snap = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": format!(" {} ", "a".repeat(64))}),
    );
    assert_eq!(snap["hostClientId"], "a".repeat(64));
}
