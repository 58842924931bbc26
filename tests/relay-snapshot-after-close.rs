//! After a room closes (host left or TTL) its former members are unbound: getRoomSnapshot
//! gives `not-joined`, never `session-not-found`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn snapshot_after_host_left() {
    let mut r = Relay::room();
    r.ok(1, "leaveRoom", json!({"sessionCode": CODE}));
    for conn in [1, 2] {
        assert_eq!(
            r.err(conn, "getRoomSnapshot", json!({"sessionCode": CODE})),
            "not-joined"
        );
    }
    // Even once a new room has the same code.
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-9"}),
    );
    assert_eq!(
        r.err(2, "getRoomSnapshot", json!({"sessionCode": CODE})),
        "not-joined"
    );
}

#[test]
fn snapshot_after_ttl() {
    let mut r = Relay::room();
    r.tick(r.core.settings().room_idle_ttl_ms);
    assert_eq!(r.core.room_count(), 0);
    for conn in [1, 2] {
        assert_eq!(
            r.err(conn, "getRoomSnapshot", json!({"sessionCode": CODE})),
            "not-joined"
        );
    }
}
