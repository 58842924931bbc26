//! createRoom refuses a password over 128 UTF-16 units (after trim) with `invalid-password`;
//! exactly 128 is accepted.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn over_long_password_is_refused_on_create() {
    let mut r = Relay::default();
    r.connect(1);
    let p = json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "x".repeat(129)});
    assert_eq!(r.err(1, "createRoom", p), "invalid-password");
    // 65 two-unit characters are 130 UTF-16 units.
    let p = json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "😀".repeat(65)});
    assert_eq!(r.err(1, "createRoom", p), "invalid-password");
    assert_eq!(r.core.room_count(), 0);
    // Spaces around do not count.
    let pw = format!("  {}  ", "x".repeat(128));
    let p = json!({"sessionCode": CODE, "hostClientId": "host-1", "password": pw});
    r.ok(1, "createRoom", p);
    r.connect(2);
    let p = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "x".repeat(128)});
    r.ok(2, "joinRoom", p);
}
