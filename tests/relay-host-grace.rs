//! Grace: a negotiated host whose connection drops keeps its room for `host_grace_ms`
//! (`hostConnected` false meanwhile); resuming within it brings it back, at the edge
//! the room closes as today; `host_grace_ms = 0` behaves as deployed.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "resume/mod.rs"]
mod resume;
use common::relay::*;
use resume::*;
use serde_json::json;

#[test]
fn host_drop_then_resume_within_the_grace() {
    let (mut r, host_token, _) = resumable_room(|_| {});
    r.advance(5);
    r.disconnect(1);
    let events = r.events(2);
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "participant-state-updated")]
    );
    assert_eq!(events[0]["snapshot"]["hostConnected"], false);
    assert_eq!(events[0]["snapshot"]["participantsCount"], 2);
    assert!(!r.snapshot(CODE).unwrap().host_connected);
    // The participant still works in the room meanwhile.
    r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
    r.run_until(T0 + 5 + 60_000 - 1);
    let back = resume(&mut r, 3, &host_token).unwrap();
    assert_eq!(back["hostConnected"], true);
    assert_eq!(back["clientId"], "host-1");
    assert_eq!(back["role"], "host");
    assert_ne!(token(&back), host_token, "a new token");
    let events = r.events(2);
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "participant-state-updated")]
    );
    assert_eq!(events[0]["snapshot"]["hostConnected"], true);
    assert!(
        !events[0].to_string().contains("rt1."),
        "no token in broadcasts"
    );
    // The resumed connection is the host again, and the grace timer is gone.
    r.ok(
        3,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "Back"}}),
    );
    r.run_until(T0 + 200_000);
    assert_eq!(r.core.room_count(), 1);
}

#[test]
fn at_the_grace_edge_the_room_closes() {
    let (mut r, host_token, _) = resumable_room(|s| s.host_grace_ms = 10_000);
    r.disconnect(1);
    r.take(2);
    assert_eq!(r.core.poll_timeout(), Some(T0 + 10_000));
    r.run_until(T0 + 10_000);
    let events = r.events(2);
    assert_eq!(kinds(&events), vec![ev("room-closed", "host-left")]);
    assert_eq!(r.core.room_count(), 0);
    assert_eq!(
        resume(&mut r, 3, &host_token),
        Err("session-expired".into())
    );
}

#[test]
fn an_overdue_grace_refuses_the_resume_even_before_the_timer_runs() {
    let (mut r, host_token, _) = resumable_room(|s| s.host_grace_ms = 10_000);
    r.disconnect(1);
    r.advance(10_000);
    assert_eq!(
        resume(&mut r, 3, &host_token),
        Err("session-expired".into())
    );
}

#[test]
fn zero_grace_behaves_as_deployed() {
    let (mut r, host_token, guest_token) = resumable_room(|s| s.host_grace_ms = 0);
    r.disconnect(2);
    assert_eq!(
        kinds(&r.events(1)),
        vec![ev("room-updated", "participant-left")]
    );
    assert_eq!(
        resume(&mut r, 3, &guest_token),
        Err("session-expired".into())
    );
    r.disconnect(1);
    assert_eq!(r.core.room_count(), 0);
    assert_eq!(
        resume(&mut r, 4, &host_token),
        Err("session-expired".into())
    );
}

#[test]
fn an_explicit_leave_is_as_today() {
    let (mut r, host_token, guest_token) = resumable_room(|_| {});
    r.ok(2, "leaveRoom", json!({"sessionCode": CODE}));
    assert_eq!(
        kinds(&r.events(1)),
        vec![ev("room-updated", "participant-left")]
    );
    assert_eq!(
        resume(&mut r, 3, &guest_token),
        Err("session-expired".into())
    );
    r.ok(1, "leaveRoom", json!({"sessionCode": CODE}));
    assert_eq!(r.core.room_count(), 0);
    assert_eq!(
        resume(&mut r, 4, &host_token),
        Err("session-expired".into())
    );
}
