//! Past `max_rooms` open rooms, createRoom gives `server-room-limit`; closing one frees a place.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn room_limit_refuses_then_frees() {
    let mut r = Relay::with(|s| s.max_rooms = 2);
    for (conn, code) in [(1, "AAAA-0001"), (2, "AAAA-0002")] {
        r.connect(conn);
        r.ok(
            conn,
            "createRoom",
            json!({"sessionCode": code, "hostClientId": "h"}),
        );
    }
    r.connect(3);
    let p = json!({"sessionCode": "AAAA-0003", "hostClientId": "h"});
    assert_eq!(r.err(3, "createRoom", p.clone()), "server-room-limit");
    // An existing code is reported as such first (check order).
    let dup = json!({"sessionCode": "AAAA-0001", "hostClientId": "h"});
    assert_eq!(r.err(3, "createRoom", dup), "session-already-exists");
    // A bad host id is checked after the room limit.
    let bad_host = json!({"sessionCode": "AAAA-0003", "hostClientId": "bad id"});
    assert_eq!(r.err(3, "createRoom", bad_host), "server-room-limit");
    assert_eq!(r.core.room_count(), 2);
    r.ok(1, "leaveRoom", json!({"sessionCode": "AAAA-0001"}));
    assert_eq!(r.ok(3, "createRoom", p)["sessionCode"], "AAAA-0003");
}
