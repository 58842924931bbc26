//! A socket bound to a room that sends joinRoom for it again gets `already-joined`, whatever
//! the client id; the host's socket too. It is not counted as a password attempt.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn rejoin_on_the_same_socket_is_refused() {
    let mut r = Relay::room();
    for id in ["guest-1", "guest-9"] {
        let p = json!({"sessionCode": CODE.to_lowercase(), "clientId": id});
        assert_eq!(r.err(2, "joinRoom", p), "already-joined");
    }
    let p = json!({"sessionCode": CODE, "clientId": "guest-2"});
    assert_eq!(r.err(1, "joinRoom", p), "already-joined");
    // Already-joined replies are not password attempts: the socket used one (its join),
    // so four more reach the room lookup and the fifth after them is refused.
    for _ in 0..6 {
        let p = json!({"sessionCode": CODE, "clientId": "guest-1"});
        assert_eq!(r.err(2, "joinRoom", p), "already-joined");
    }
    let other = json!({"sessionCode": "ZZZZ-9999", "clientId": "guest-1"});
    for _ in 0..4 {
        assert_eq!(r.err(2, "joinRoom", other.clone()), "session-not-found");
    }
    assert_eq!(r.err(2, "joinRoom", other), "too-many-password-attempts");
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 2);
    assert!(r.take(1).is_empty() && r.take(2).is_empty());
}

#[test]
fn a_socket_may_join_another_room() {
    let mut r = Relay::room();
    r.connect(3);
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "host-2"}),
    );
    let snap = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": "WXYZ-2345", "clientId": "guest-1"}),
    );
    assert_eq!(snap["participantIds"], json!(["host-2", "guest-1"]));
}
