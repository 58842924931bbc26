//! In a shared-pause room a participant's pause/play request is relayed as a
//! `shared-playback-request` signal carrying the current revision; the room state,
//! revision and TTL clock are not touched.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn participant_requests_are_relayed_without_touching_the_room() {
    let mut r = Relay::room();
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"controlMode": "shared-pause"}}),
    );
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true, "currentIndex": 2}}),
    );
    r.take(1);
    r.take(2);
    let before = r.snapshot(CODE).unwrap();
    r.advance(5_000);
    let (events, reply) = r.request(
        2,
        "updateSessionState",
        json!({"sessionCode": CODE,
        "payload": {"requestType": "pause", "isPlaying": false, "currentIndex": 9}}),
    );
    let signal = json!({"requestType": "pause", "isPlaying": false, "reason": "shared-pause-request",
        "ts": T0 + 5_000, "revision": 1, "updatedAt": T0 + 5_000, "sourceClientId": "guest-1"});
    assert_eq!(reply.unwrap(), signal);
    let event = json!({"type": "session-state-updated", "source": "shared-playback-request", "sessionCode": CODE, "state": signal});
    assert_eq!(events, vec![event.clone()]);
    assert_eq!(r.events(1), vec![event]);
    assert_eq!(
        r.snapshot(CODE).unwrap(),
        before,
        "state, revision and updatedAt untouched"
    );

    let play = json!({"sessionCode": CODE, "payload": {"requestType": " PLAY ", "isPlaying": true, "reason": " go! ", "ts": 123}});
    let signal = r.ok(2, "updateSessionState", play);
    assert_eq!(
        signal,
        json!({"requestType": "play", "isPlaying": true, "reason": "go!", "ts": 123,
        "revision": 1, "updatedAt": T0 + 5_000, "sourceClientId": "guest-1"})
    );
    let zero_ts = json!({"sessionCode": CODE, "payload": {"requestType": "play", "isPlaying": true, "ts": 0}});
    assert_eq!(r.ok(2, "updateSessionState", zero_ts)["ts"], T0 + 5_000);
    assert_eq!(r.snapshot(CODE).unwrap(), before);
}

#[test]
fn host_requests_are_ordinary_updates() {
    let mut r = Relay::room();
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"controlMode": "shared-pause"}}),
    );
    let state = r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": false}}),
    );
    assert_eq!(
        state,
        json!({"requestType": "pause", "isPlaying": false, "revision": 1, "updatedAt": T0, "sourceClientId": "host-1"})
    );
    assert_eq!(r.events(2)[1]["source"], "host-state-update");
}
