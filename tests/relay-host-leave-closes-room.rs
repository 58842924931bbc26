//! When the host leaves (leaveRoom or socket close) the room closes at once:
//! `room-closed`/`host-left` with the final snapshot to every other subscriber, then every
//! binding to the code is dropped.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

fn three() -> Relay {
    let mut r = Relay::room();
    r.join(3, "guest-2");
    r.take(1);
    r.take(2);
    r
}

#[test]
fn host_leave_request_closes_the_room() {
    let mut r = three();
    r.advance(9);
    let (events, reply) = r.request(1, "leaveRoom", json!({"sessionCode": CODE}));
    assert!(
        events.is_empty(),
        "the host's own subscription ended with its leave"
    );
    let left = reply.unwrap();
    assert_eq!(left["closed"], true);
    let snap = &left["snapshot"];
    assert_eq!(snap["participantIds"], json!(["guest-1", "guest-2"]));
    assert_eq!(snap["hostClientId"], "host-1");
    assert_eq!(snap["updatedAt"], T0 + 9);
    for conn in [2, 3] {
        let events = r.events(conn);
        assert_eq!(
            kinds(&events),
            vec![ev("room-closed", "host-left")],
            "conn {conn}"
        );
        assert_eq!(events[0]["sessionCode"], CODE);
        assert_eq!(&events[0]["snapshot"], snap);
        assert_eq!(
            r.err(conn, "getRoomSnapshot", json!({"sessionCode": CODE})),
            "not-joined"
        );
    }
    assert_eq!(r.core.room_count(), 0);
    assert_eq!(
        r.err(
            2,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-1"})
        ),
        "session-not-found"
    );
    // The code is free again.
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "guest-2"}),
    );
    assert!(r.take(2).is_empty());
}

#[test]
fn host_socket_close_closes_the_room() {
    let mut r = three();
    r.disconnect(1);
    for conn in [2, 3] {
        assert_eq!(kinds(&r.events(conn)), vec![ev("room-closed", "host-left")]);
        assert_eq!(
            r.err(
                conn,
                "updateParticipantState",
                json!({"sessionCode": CODE, "syncState": "ready"})
            ),
            "not-joined"
        );
    }
    assert_eq!(r.core.room_count(), 0);
    assert!(r.take(1).is_empty());
    assert_eq!(r.core.connection_count(), 2);
}
