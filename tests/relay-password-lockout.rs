//! Password guessing from reconnecting sockets: at most `password_lockout_max`
//! wrong passwords are checked per room and client address in any
//! `password_lockout_window_ms` (defaults 30 in 20 s), whatever the socket; past
//! it `joinRoom` gets `too-many-password-attempts` with `retryAfterMs`, even with
//! the right password, until the oldest failure leaves the window. Other
//! addresses and other rooms are not affected.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

/// A fresh socket from `ip` sends one wrong password; returns the reply frame.
fn guess(r: &mut Relay, conn: u64, ip: &str, password: &str) -> serde_json::Value {
    r.connect_from(conn, ip);
    let payload =
        json!({"sessionCode": CODE, "clientId": format!("g{conn}"), "password": password});
    let (_, reply) = r.request_frame(conn, "joinRoom", payload);
    r.disconnect(conn);
    reply.json
}

#[test]
fn reconnecting_does_not_buy_more_guesses() {
    let mut r = Relay::default();
    r.connect(1);
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "right"}),
    );
    let max = r.core.settings().password_lockout_max;
    assert_eq!(max, 30, "the default");
    for i in 0..max as u64 {
        let reply = guess(&mut r, 100 + i, "203.0.113.9", "wrong");
        assert_eq!(reply["error"], "invalid-password", "guess {i}");
        assert!(reply.get("retryAfterMs").is_none());
        r.advance(10);
    }
    // The 31st, on yet another socket, with the right password: not even checked.
    let reply = guess(&mut r, 500, "203.0.113.9", "right");
    assert_eq!(reply["error"], "too-many-password-attempts");
    let window = r.core.settings().password_lockout_window_ms;
    assert_eq!(reply["retryAfterMs"], window - 10 * max as u64);
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 1);
    // Another address is not locked out.
    r.connect_from(600, "198.51.100.7");
    r.ok(
        600,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "ana", "password": "right"}),
    );
    // When the oldest failure leaves the window, one more guess may be checked.
    r.advance(window - 10 * max as u64);
    let reply = guess(&mut r, 700, "203.0.113.9", "wrong");
    assert_eq!(reply["error"], "invalid-password");
    let reply = guess(&mut r, 701, "203.0.113.9", "right");
    assert_eq!(reply["error"], "too-many-password-attempts");
}

#[test]
fn at_the_edge_and_only_for_password_rooms() {
    let mut r = Relay::with(|s| {
        s.password_lockout_max = 2;
        s.password_lockout_window_ms = 5_000;
    });
    r.connect(1);
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "right"}),
    );
    assert_eq!(
        guess(&mut r, 10, "10.1.1.1", "a")["error"],
        "invalid-password"
    );
    assert_eq!(
        guess(&mut r, 11, "10.1.1.1", "b")["error"],
        "invalid-password"
    );
    assert_eq!(
        guess(&mut r, 12, "10.1.1.1", "right")["error"],
        "too-many-password-attempts"
    );
    // A right password does not count as a failure, a closed room forgets.
    r.advance(5_000);
    r.connect_from(13, "10.1.1.1");
    r.ok(
        13,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "ben", "password": "right"}),
    );
    r.ok(1, "leaveRoom", json!({"sessionCode": CODE}));
    // A room without a password never locks anyone out.
    r.connect(2);
    r.ok(
        2,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-2"}),
    );
    for i in 0..5 {
        r.connect_from(20 + i, "10.1.1.1");
        r.ok(
            20 + i,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": format!("p{i}"), "password": "x"}),
        );
    }
}
