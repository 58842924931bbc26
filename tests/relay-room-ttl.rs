//! Idle rooms close after the TTL: the timer (every `room_cleanup_interval_ms`) closes rooms
//! idle for at least `room_idle_ttl_ms` with `room-closed`/`ttl-expired` and drops their
//! bindings. Mutations bump the clock; reads, shared-pause requests and subscribes do not.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

const TTL: u64 = 60_000;
const TICK: u64 = 5_000;

fn relay() -> Relay {
    let mut r = Relay::room_with(|s| {
        s.room_idle_ttl_ms = 10; // raised to the 60 s minimum
        s.room_cleanup_interval_ms = 1; // raised to the 5 s minimum
    });
    assert_eq!(r.core.settings().room_idle_ttl_ms, TTL);
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"controlMode": "shared-pause"}}),
    );
    r.take(2);
    r
}

#[test]
fn idle_room_expires_and_reads_do_not_keep_it() {
    let mut r = relay();
    assert_eq!(r.core.poll_timeout(), Some(T0 + TICK));
    // Early timer calls do nothing.
    r.tick(TICK - 1);
    assert_eq!(r.core.room_count(), 1);
    r.run_until(T0 + 50_000);
    // Reads and requests that do not bump the room.
    r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
    r.err(2, "getSessionPack", json!({"sessionCode": CODE}));
    r.err(2, "getSessionMediaManifest", json!({"sessionCode": CODE}));
    r.ok(
        2,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": false}}),
    );
    r.send(
        2,
        &json!({"type": "notify", "action": "subscribe", "payload": {"sessionCode": CODE}})
            .to_string(),
    );
    r.err(2, "updateRoom", json!({"sessionCode": CODE, "patch": {}}));
    r.take(1);
    r.take(2);
    assert_eq!(r.snapshot(CODE).unwrap().updated_at, T0);
    r.run_until(T0 + TTL - 1);
    assert_eq!(r.core.room_count(), 1);
    r.run_until(T0 + TTL);
    assert_eq!(r.core.room_count(), 0);
    for conn in [1, 2] {
        let events = r.events(conn);
        assert_eq!(kinds(&events), vec![ev("room-closed", "ttl-expired")]);
        assert_eq!(
            events[0]["snapshot"]["participantIds"],
            json!(["host-1", "guest-1"])
        );
        assert_eq!(
            r.err(conn, "getRoomSnapshot", json!({"sessionCode": CODE})),
            "not-joined"
        );
    }
    assert_eq!(r.core.poll_timeout(), Some(T0 + TTL + TICK));
}

#[test]
fn mutations_keep_the_room_alive() {
    let mut r = relay();
    r.run_until(T0 + 50_000);
    r.ok(
        2,
        "updateParticipantState",
        json!({"sessionCode": CODE, "syncState": "ready"}),
    );
    r.run_until(T0 + 105_000);
    assert_eq!(r.core.room_count(), 1);
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true}}),
    );
    r.run_until(T0 + 160_000);
    assert_eq!(r.core.room_count(), 1);
    r.ok(
        2,
        "sendDrawingSync",
        json!({"sessionCode": CODE, "msgType": "clear-all"}),
    );
    r.run_until(T0 + 215_000);
    assert_eq!(r.core.room_count(), 1);
    r.run_until(T0 + 220_000);
    assert_eq!(r.core.room_count(), 0);
    // A closed room's code can be used again by anyone.
    r.connect(5);
    r.ok(
        5,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
}

#[test]
fn a_late_timer_closes_every_idle_room_at_once() {
    let mut r = relay();
    r.connect(3);
    r.advance(30_000);
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "h2"}),
    );
    r.tick(59_000);
    assert_eq!(
        r.core.room_count(),
        1,
        "only the older room is past its TTL"
    );
    assert_eq!(r.snapshot("WXYZ-2345").unwrap().participant_ids, ["h2"]);
    r.tick(1_000);
    assert_eq!(r.core.room_count(), 1, "the timer is not due yet");
    r.tick(4_000);
    assert_eq!(r.core.room_count(), 0);
}
