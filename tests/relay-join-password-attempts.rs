//! Five joinRoom attempts per socket per 60 s: the 6th gets `too-many-password-attempts`,
//! counting successful joins and joins to unknown rooms; the window opens at the first
//! attempt and a new one starts 60 s later.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn sixth_attempt_in_the_window_is_refused() {
    let mut r = Relay::default();
    r.connect(1);
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "pw"}),
    );
    r.connect(2);
    let wrong = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "bad"});
    let right = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "pw"});
    assert_eq!(r.err(2, "joinRoom", wrong.clone()), "invalid-password"); // 1
    r.advance(10_000);
    assert_eq!(
        r.err(
            2,
            "joinRoom",
            json!({"sessionCode": "ZZZZ-0000", "clientId": "g"})
        ),
        "session-not-found"
    ); // 2
    assert_eq!(
        r.err(
            2,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "bad id", "password": "pw"})
        ),
        "invalid-client-id"
    ); // 3
    r.ok(2, "joinRoom", right.clone()); // 4: a success counts
    r.ok(2, "leaveRoom", json!({"sessionCode": CODE}));
    assert_eq!(r.err(2, "joinRoom", wrong.clone()), "invalid-password"); // 5
    r.advance(49_999);
    // 6th, 59.999 s after the first: refused even with the right password.
    assert_eq!(
        r.err(2, "joinRoom", right.clone()),
        "too-many-password-attempts"
    );
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 1);
    // Another socket has its own budget.
    r.connect(3);
    let other = json!({"sessionCode": CODE, "clientId": "guest-3", "password": "pw"});
    r.ok(3, "joinRoom", other);
    // The window ends 60 s after its first attempt.
    r.advance(1);
    r.ok(2, "joinRoom", right);
}

#[test]
fn malformed_codes_do_not_count() {
    let mut r = Relay::default();
    r.host(1, "host-1");
    r.connect(2);
    for _ in 0..10 {
        let p = json!({"sessionCode": "nope", "clientId": "guest-1"});
        assert_eq!(r.err(2, "joinRoom", p), "invalid-session-code");
    }
    r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1"}),
    );
}
