//! A malformed session code is refused with `invalid-session-code` by createRoom and
//! joinRoom; a code is trimmed and uppercased before the check.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn malformed_codes_are_refused_on_create_and_join() {
    let mut r = Relay::default();
    r.connect(1);
    for bad in [
        json!("ABCD-EFG"),
        json!("ABCDEFGHI"),
        json!("ABCD_EFGH"),
        json!(""),
        json!(null),
        json!(12345678),
        json!(["ABCD-EFGH"]),
    ] {
        let p = json!({"sessionCode": bad, "hostClientId": "host-1"});
        assert_eq!(
            r.err(1, "createRoom", p),
            "invalid-session-code",
            "create {bad}"
        );
        let p = json!({"sessionCode": bad, "clientId": "guest-1"});
        assert_eq!(
            r.err(1, "joinRoom", p),
            "invalid-session-code",
            "join {bad}"
        );
    }
    let p = json!({"hostClientId": "host-1"});
    assert_eq!(r.err(1, "createRoom", p), "invalid-session-code");
    assert_eq!(r.core.room_count(), 0);
}

#[test]
fn codes_are_trimmed_and_uppercased() {
    let mut r = Relay::default();
    r.connect(1);
    let snap = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": "  abcd-ef01 ", "hostClientId": "host-1"}),
    );
    assert_eq!(snap["sessionCode"], "ABCD-EF01");
    r.connect(2);
    let snap = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": "abcd-ef01", "clientId": "guest-1"}),
    );
    assert_eq!(snap["sessionCode"], "ABCD-EF01");
    assert_eq!(snap["participantsCount"], 2);
}
