//! `resumeSession` attempts count against the socket's join-attempt window and against
//! the client address (bounded memory), each refused past its edge with
//! `too-many-password-attempts`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "resume/mod.rs"]
mod resume;
use common::relay::*;
use online_sync::relay::ConnId;
use resume::*;
use serde_json::json;

fn attempt(r: &mut Relay, conn: ConnId) -> String {
    r.err(conn, "resumeSession", json!({"resumeToken": "rt1.nope"}))
}

fn hello_from(r: &mut Relay, conn: ConnId, ip: &str) {
    assert!(r.connect_from(conn, ip));
    assert_eq!(r.send(conn, HELLO).len(), 1);
}

#[test]
fn per_socket_the_join_window_applies() {
    let (mut r, _, guest_token) = resumable_room(|s| s.join_attempts_max = 3);
    negotiate(&mut r, 3);
    for _ in 0..3 {
        assert_eq!(attempt(&mut r, 3), "session-expired");
    }
    assert_eq!(attempt(&mut r, 3), "too-many-password-attempts");
    // Even a good token waits for the window.
    let t = json!({"resumeToken": guest_token});
    assert_eq!(
        r.err(3, "resumeSession", t.clone()),
        "too-many-password-attempts"
    );
    r.advance(60_000);
    assert_eq!(r.ok(3, "resumeSession", t)["clientId"], "guest-1");
}

#[test]
fn per_address_the_resume_limit_applies_across_sockets() {
    let mut r = Relay::with(|s| {
        s.join_attempts_max = 2;
        s.resume_attempts_per_ip_max = 5;
    });
    for conn in 1..=3 {
        hello_from(&mut r, conn, "192.0.2.1");
    }
    for conn in [1, 1, 2, 2, 3] {
        assert_eq!(attempt(&mut r, conn), "session-expired");
    }
    assert_eq!(attempt(&mut r, 3), "too-many-password-attempts");
    hello_from(&mut r, 4, "192.0.2.2");
    assert_eq!(attempt(&mut r, 4), "session-expired", "another address");
    r.advance(60_000);
    assert_eq!(attempt(&mut r, 3), "session-expired", "a new window");
}

#[test]
fn the_tracked_addresses_are_bounded() {
    let mut r = Relay::with(|s| s.resume_tracked_ips_max = 16);
    for i in 0..16u64 {
        hello_from(&mut r, i + 1, &format!("198.51.100.{i}"));
        assert_eq!(attempt(&mut r, i + 1), "session-expired");
    }
    hello_from(&mut r, 100, "203.0.113.9");
    assert_eq!(attempt(&mut r, 100), "too-many-password-attempts");
    // Once their windows are over, old addresses make room.
    r.advance(60_000);
    assert_eq!(attempt(&mut r, 100), "session-expired");
}
