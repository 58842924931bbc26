//! A host state update replaces the stored state (carrying `mediaOrderKeys` over when the
//! new one has none), increments the revision, and replies and broadcasts
//! `{...state, revision, updatedAt, sourceClientId}`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

#[test]
fn host_updates_replace_the_state() {
    let mut r = Relay::room();
    r.advance(500);
    let first = json!({"sessionCode": CODE, "sourceClientId": "guest-1", "payload": {
        "isPlaying": true, "mode": "classic", "currentIndex": "3.9", "timeRemaining": 59.5,
        "mediaOrderKeys": [" k:a ", "k:b"], "mediaOrderCount": 99, "extra": {"x": 1},
        "sourceClientId": "guest-1",
    }});
    let (events, reply) = r.request(1, "updateSessionState", first);
    let state = reply.unwrap();
    let expected = json!({
        "isPlaying": true, "mode": "classique", "currentIndex": 3, "timeRemaining": 59,
        "mediaOrderKeys": ["k:a", "k:b"], "mediaOrderCount": 2,
        "revision": 1, "updatedAt": T0 + 500, "sourceClientId": "host-1",
    });
    assert_eq!(state, expected);
    // The sender gets the event before the reply; the participant gets the same event.
    let event = json!({"type": "session-state-updated", "source": "host-state-update", "sessionCode": CODE, "state": expected});
    assert_eq!(events, vec![event.clone()]);
    assert_eq!(r.events(2), vec![event]);

    r.advance(500);
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": false}}),
    );
    assert_eq!(
        state,
        json!({
            "isPlaying": false, "mediaOrderKeys": ["k:a", "k:b"],
            "revision": 2, "updatedAt": T0 + 1000, "sourceClientId": "host-1",
        })
    );
    let snap = r.snapshot(CODE).unwrap();
    let stored = Value::Object(snap.session_state.unwrap());
    assert_eq!(
        stored,
        json!({"isPlaying": false, "mediaOrderKeys": ["k:a", "k:b"]}),
        "no revision fields stored"
    );
    assert_eq!(
        (snap.session_state_revision, snap.session_state_updated_at),
        (2, T0 + 1000)
    );
    assert_eq!(snap.updated_at, T0 + 1000, "a host update bumps the room");

    // New keys replace the old ones; an empty list is kept as sent, and not carried over.
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"mediaOrderKeys": []}}),
    );
    assert_eq!(state["mediaOrderKeys"], json!([]));
    assert_eq!(state["mediaOrderCount"], 0);
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true}}),
    );
    assert!(state.get("mediaOrderKeys").is_none(), "{state}");
    assert_eq!(state["revision"], 4);
}

#[test]
fn the_snapshot_carries_the_state() {
    let mut r = Relay::room();
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"sessionActive": true, "revision": 77}}),
    );
    let snap = r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
    assert_eq!(
        snap["sessionState"],
        json!({"sessionActive": true, "revision": 77})
    );
    assert_eq!(snap["sessionStateRevision"], 1);
    assert_eq!(snap["sessionStateUpdatedAt"], T0);
}
