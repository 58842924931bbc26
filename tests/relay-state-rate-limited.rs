//! updateSessionState and updateParticipantProfile share one limiter per socket and room
//! (20 per 1000 ms): past it, `state-rate-limited` / `profile-rate-limited`. It counts
//! before validation, so failed calls count too.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

fn state(n: u64) -> serde_json::Value {
    json!({"sessionCode": CODE, "payload": {"currentIndex": n}})
}

#[test]
fn twenty_first_state_update_is_refused() {
    let mut r = Relay::room();
    r.advance(1000);
    for i in 0..20 {
        r.ok(1, "updateSessionState", state(i));
    }
    assert_eq!(
        r.err(1, "updateSessionState", state(20)),
        "state-rate-limited"
    );
    assert_eq!(r.snapshot(CODE).unwrap().session_state_revision, 20);
    // The shared window refuses a profile update too, with its own code.
    let p = json!({"sessionCode": CODE, "displayName": "Boss"});
    assert_eq!(
        r.err(1, "updateParticipantProfile", p.clone()),
        "profile-rate-limited"
    );
    // Other actions are not affected.
    r.ok(
        1,
        "updateParticipantState",
        json!({"sessionCode": CODE, "syncState": "ready"}),
    );
    // Nor other sockets.
    assert_eq!(
        r.err(2, "updateSessionState", state(1)),
        "forbidden-not-host"
    );
    r.advance(1000);
    r.ok(1, "updateParticipantProfile", p);
    assert_eq!(r.snapshot(CODE).unwrap().session_state_revision, 20);
}

#[test]
fn failed_calls_and_profile_updates_share_the_count() {
    let mut r = Relay::room();
    r.advance(1000);
    // Participant: 10 forbidden state updates, 5 invalid ones, 5 profile updates.
    for i in 0..10 {
        assert_eq!(
            r.err(2, "updateSessionState", state(i)),
            "forbidden-not-host"
        );
    }
    for _ in 0..5 {
        let p = json!({"sessionCode": CODE, "payload": {"isPlaying": "yes"}});
        assert_eq!(r.err(2, "updateSessionState", p), "invalid-session-state");
    }
    for i in 0..5 {
        r.ok(
            2,
            "updateParticipantProfile",
            json!({"sessionCode": CODE, "displayName": format!("G{i}")}),
        );
    }
    let p = json!({"sessionCode": CODE, "displayName": "Late"});
    assert_eq!(
        r.err(2, "updateParticipantProfile", p),
        "profile-rate-limited"
    );
    let p = json!({"sessionCode": CODE, "displayName": ""});
    assert_eq!(
        r.err(2, "updateParticipantProfile", p),
        "profile-rate-limited",
        "limit before validation"
    );
    assert_eq!(
        r.err(2, "updateSessionState", state(0)),
        "state-rate-limited"
    );
}

#[test]
fn the_limit_is_per_room() {
    let mut r = Relay::room();
    r.connect(3);
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "host-2"}),
    );
    r.ok(
        1,
        "joinRoom",
        json!({"sessionCode": "WXYZ-2345", "clientId": "guest-9"}),
    );
    r.advance(1000);
    for i in 0..20 {
        r.ok(1, "updateSessionState", state(i));
    }
    assert_eq!(
        r.err(1, "updateSessionState", state(0)),
        "state-rate-limited"
    );
    let p = json!({"sessionCode": "WXYZ-2345", "displayName": "Nine"});
    r.ok(1, "updateParticipantProfile", p);
}

#[test]
fn minimum_is_five() {
    let mut r = Relay::room_with(|s| s.state_rate_max_messages = 1);
    r.advance(1000);
    for i in 0..5 {
        r.ok(1, "updateSessionState", state(i));
    }
    assert_eq!(
        r.err(1, "updateSessionState", state(5)),
        "state-rate-limited"
    );
}
