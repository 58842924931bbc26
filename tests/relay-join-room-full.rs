//! A room at `max_participants` members (host included) refuses joiners with `room-full`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn full_room_refuses_until_someone_leaves() {
    let mut r = Relay::with(|s| s.max_participants = 3);
    r.host(1, "host-1");
    r.join(2, "guest-1");
    r.join(3, "guest-2");
    r.connect(4);
    let p = json!({"sessionCode": CODE, "clientId": "guest-3"});
    assert_eq!(r.err(4, "joinRoom", p.clone()), "room-full");
    // Duplicate and impersonation are reported before fullness.
    let dup = json!({"sessionCode": CODE, "clientId": "guest-1"});
    assert_eq!(r.err(4, "joinRoom", dup), "duplicate-client-id");
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 3);
    r.disconnect(3);
    r.ok(4, "joinRoom", p);
}

#[test]
fn minimum_is_two_with_the_host() {
    let mut r = Relay::with(|s| s.max_participants = 0);
    assert_eq!(r.core.settings().max_participants, 2);
    r.host(1, "host-1");
    r.join(2, "guest-1");
    r.connect(3);
    let p = json!({"sessionCode": CODE, "clientId": "guest-2"});
    assert_eq!(r.err(3, "joinRoom", p), "room-full");
}
