//! A protected room refuses a wrong password, an empty one and one over 128 units with
//! `invalid-password`; a room without a password accepts any password.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn protected_room_checks_the_password() {
    let mut r = Relay::default();
    r.connect(1);
    let p = json!({"sessionCode": CODE, "hostClientId": "host-1", "password": " s3cret "});
    r.ok(1, "createRoom", p);
    let join =
        |pw: serde_json::Value| json!({"sessionCode": CODE, "clientId": "guest-1", "password": pw});
    r.connect(2);
    assert_eq!(
        r.err(2, "joinRoom", join(json!("wrong"))),
        "invalid-password"
    );
    assert_eq!(r.err(2, "joinRoom", join(json!(""))), "invalid-password");
    assert_eq!(r.err(2, "joinRoom", join(json!("   "))), "invalid-password");
    r.connect(3);
    assert_eq!(r.err(3, "joinRoom", join(json!(null))), "invalid-password");
    assert_eq!(
        r.err(
            3,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-1"})
        ),
        "invalid-password"
    );
    r.connect(4);
    assert_eq!(
        r.err(4, "joinRoom", join(json!("x".repeat(129)))),
        "invalid-password"
    );
    // The password is checked before the client id.
    let p = json!({"sessionCode": CODE, "clientId": "bad id", "password": "nope"});
    assert_eq!(r.err(4, "joinRoom", p), "invalid-password");
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 1);
    assert!(
        r.take(1).is_empty(),
        "the host hears nothing of refused joins"
    );
    // The right one (trimmed) works.
    let snap = r.ok(4, "joinRoom", join(json!("s3cret  ")));
    assert_eq!(snap["participantIds"], json!(["host-1", "guest-1"]));
}

#[test]
fn open_room_accepts_any_password_but_not_an_over_long_one() {
    let mut r = Relay::default();
    r.host(1, "host-1");
    r.connect(2);
    let p = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "whatever"});
    r.ok(2, "joinRoom", p);
    r.connect(3);
    let p = json!({"sessionCode": CODE, "clientId": "guest-2", "password": "x".repeat(129)});
    assert_eq!(r.err(3, "joinRoom", p), "invalid-password");
}
