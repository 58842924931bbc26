//! Who gets broadcasts: every subscriber of the room, the sender included and before its
//! reply; but the creator does not get `host-created` and a joiner does not get its own
//! `participant-joined` (both go out before the binding).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn create_and_join_events() {
    let mut r = Relay::default();
    r.connect(1);
    let (events, reply) = r.request(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
    assert!(events.is_empty(), "creator gets no host-created");
    assert!(reply.is_ok());
    r.connect(2);
    let (events, reply) = r.request(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1"}),
    );
    assert!(
        events.is_empty(),
        "joiner gets no participant-joined of its own"
    );
    let host_events = r.events(1);
    assert_eq!(
        kinds(&host_events),
        vec![ev("room-updated", "participant-joined")]
    );
    assert_eq!(host_events[0]["sessionCode"], CODE);
    assert_eq!(host_events[0]["snapshot"], reply.unwrap());
    r.connect(3);
    r.ok(
        3,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-2"}),
    );
    assert_eq!(
        kinds(&r.events(1)),
        vec![ev("room-updated", "participant-joined")]
    );
    assert_eq!(
        kinds(&r.events(2)),
        vec![ev("room-updated", "participant-joined")]
    );
    assert!(r.take(3).is_empty());
}

#[test]
fn sender_gets_the_event_before_the_reply() {
    let mut r = Relay::room();
    r.advance(3);
    let (events, frame) = r.request_frame(
        2,
        "updateParticipantState",
        json!({"sessionCode": CODE, "syncState": "downloading"}),
    );
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "participant-state-updated")]
    );
    let reply = outcome(&frame.json).unwrap();
    assert_eq!(events[0]["snapshot"], reply);
    assert_eq!(reply["participantSyncStates"]["guest-1"], "downloading");
    assert_eq!(reply["updatedAt"], T0 + 3);
    assert_eq!(r.events(1), events);
    // Unknown sync states become "missing".
    let snap = r.ok(
        2,
        "updateParticipantState",
        json!({"sessionCode": CODE, "syncState": "dancing"}),
    );
    assert_eq!(snap["participantSyncStates"]["guest-1"], "missing");
}

#[test]
fn events_of_one_room_arrive_in_order() {
    let mut r = Relay::room();
    r.join(3, "observer");
    r.take(1);
    r.take(2);
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "One"}}),
    );
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"currentIndex": 1}}),
    );
    r.ok(
        2,
        "updateParticipantState",
        json!({"sessionCode": CODE, "syncState": "ready"}),
    );
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack()}),
    );
    assert_eq!(
        kinds(&r.events(3)),
        vec![
            ev("room-updated", "room-updated"),
            ev("session-state-updated", "host-state-update"),
            ev("room-updated", "participant-state-updated"),
            ev("room-updated", "session-pack-updated"),
        ]
    );
}

#[test]
fn other_rooms_hear_nothing() {
    let mut r = Relay::room();
    r.connect(3);
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "host-2"}),
    );
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "One"}}),
    );
    assert!(r.take(3).is_empty());
}
