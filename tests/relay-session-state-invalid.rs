//! updateSessionState validation: `invalid-session-state` for a non-object payload, more
//! than 64 keys or a bad whitelisted value; `session-state-too-large` past
//! `max_state_bytes`, checked before anything else. Validation runs before the host check.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Map, Value};

#[test]
fn bad_states_are_refused() {
    let mut r = Relay::room_with(|s| s.state_rate_max_messages = 1000);
    let mut many = Map::new();
    for i in 0..65 {
        many.insert(format!("k{i}"), json!(i));
    }
    let bad = [
        json!([]),
        json!([{"isPlaying": true}]),
        json!("state"),
        json!(3),
        json!(true),
        Value::Object(many),
        json!({"isPlaying": "yes"}),
        json!({"isPlaying": null}),
        json!({"mode": "fast"}),
        json!({"memoryType": "slow"}),
        json!({"requestType": "stop"}),
        json!({"selectedDuration": 0}),
        json!({"timeRemaining": -1}),
        json!({"timeRemaining": "abc"}),
        json!({"currentIndex": 200_001}),
        json!({"currentPoseInStep": 0}),
        json!({"ts": 4_102_444_800_001u64}),
        json!({"customQueue": [{"type": "nap", "duration": 1}]}),
        json!({"mediaOrderKeys": ["ok", "not ok"]}),
        json!({"mediaOrderKeys": "k:a"}),
    ];
    for p in bad {
        let body = json!({"sessionCode": CODE, "payload": p});
        assert_eq!(
            r.err(1, "updateSessionState", body.clone()),
            "invalid-session-state",
            "{p}"
        );
        // A participant gets the validation error too: it comes before the host check.
        assert_eq!(
            r.err(2, "updateSessionState", body),
            "invalid-session-state",
            "{p}"
        );
    }
    assert!(r.take(1).is_empty() && r.take(2).is_empty());
    let snap = r.snapshot(CODE).unwrap();
    assert_eq!((snap.session_state, snap.session_state_revision), (None, 0));
}

#[test]
fn sixty_four_keys_pass() {
    let mut r = Relay::room();
    let mut keys = Map::new();
    for i in 0..63 {
        keys.insert(format!("k{i}"), json!(i));
    }
    keys.insert("isPlaying".into(), json!(true));
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": keys}),
    );
    assert_eq!(state["isPlaying"], true);
    assert!(state.get("k0").is_none(), "unknown keys are dropped");
}

#[test]
fn too_large_state_is_refused_before_other_checks() {
    let mut r = Relay::room_with(|s| s.max_state_bytes = 1024);
    let pad = |n: usize| json!({"isPlaying": true, "reason": "x".repeat(n)});
    // {"isPlaying":true,"reason":""} is 30 characters.
    let fits = pad(1024 - 30);
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": fits}),
    );
    assert_eq!(
        state["reason"].as_str().unwrap().len(),
        96,
        "reason is cut to 96"
    );
    let big = pad(1024 - 29);
    assert_eq!(
        r.err(
            1,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": big})
        ),
        "session-state-too-large"
    );
    let big_and_bad = json!({"isPlaying": "nope", "reason": "x".repeat(2000)});
    assert_eq!(
        r.err(
            1,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": big_and_bad.clone()})
        ),
        "session-state-too-large"
    );
    assert_eq!(
        r.err(
            2,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": big_and_bad})
        ),
        "session-state-too-large"
    );
    assert_eq!(r.snapshot(CODE).unwrap().session_state_revision, 1);
}

#[test]
fn null_or_missing_state_is_empty() {
    let mut r = Relay::room();
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": null}),
    );
    assert_eq!(
        state,
        json!({"revision": 1, "updatedAt": T0, "sourceClientId": "host-1"})
    );
    let state = r.ok(1, "updateSessionState", json!({"sessionCode": CODE}));
    assert_eq!(state["revision"], 2);
    assert_eq!(r.snapshot(CODE).unwrap().session_state, Some(Map::new()));
}
