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

/// Cores that share one room count (a relay sharded across threads) hold one
/// `max_rooms` between them: exactly the limit, and a close frees a place for any.
#[test]
fn cores_sharing_a_room_count_hold_one_limit() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let shared = Arc::new(AtomicUsize::new(0));
    let mut a = Relay::with(|s| s.max_rooms = 2);
    let mut b = Relay::with(|s| s.max_rooms = 2);
    a.connect(1);
    a.ok(
        1,
        "createRoom",
        json!({"sessionCode": "AAAA-0001", "hostClientId": "h"}),
    );
    // The room a already holds is counted once it shares.
    a.core.share_room_count(shared.clone());
    b.core.share_room_count(shared.clone());
    assert_eq!(shared.load(Ordering::Acquire), 1);
    b.connect(2);
    b.ok(
        2,
        "createRoom",
        json!({"sessionCode": "BBBB-0002", "hostClientId": "h"}),
    );
    a.connect(3);
    let p = json!({"sessionCode": "AAAA-0003", "hostClientId": "h"});
    assert_eq!(a.err(3, "createRoom", p.clone()), "server-room-limit");
    b.connect(4);
    let q = json!({"sessionCode": "BBBB-0004", "hostClientId": "h"});
    assert_eq!(b.err(4, "createRoom", q), "server-room-limit");
    b.ok(2, "leaveRoom", json!({"sessionCode": "BBBB-0002"}));
    assert_eq!(shared.load(Ordering::Acquire), 1);
    assert_eq!(a.ok(3, "createRoom", p)["sessionCode"], "AAAA-0003");
    assert_eq!(shared.load(Ordering::Acquire), 2);
}
