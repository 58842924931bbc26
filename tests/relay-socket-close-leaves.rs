//! A participant's socket closing is a leave of every room it joined: the others get
//! `participant-left`, the room stays open.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn closing_a_participant_socket_leaves_every_room() {
    let mut r = Relay::room();
    r.connect(3);
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "host-2"}),
    );
    r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": "WXYZ-2345", "clientId": "guest-1"}),
    );
    r.take(3);
    r.advance(4);
    r.disconnect(2);
    for (conn, code) in [(1, CODE), (3, "WXYZ-2345")] {
        let events = r.events(conn);
        assert_eq!(kinds(&events), vec![ev("room-updated", "participant-left")]);
        assert_eq!(events[0]["sessionCode"], code);
        assert_eq!(events[0]["snapshot"]["participantsCount"], 1);
        assert_eq!(events[0]["snapshot"]["updatedAt"], T0 + 4);
        assert_eq!(r.snapshot(code).unwrap().participant_ids.len(), 1);
    }
    assert_eq!(r.core.room_count(), 2);
    assert_eq!(r.core.connection_count(), 2);
    // Messages from a closed socket are ignored; closing twice is harmless.
    assert!(r.send(2, &json!({"type": "request", "id": "1", "action": "getRoomSnapshot", "payload": {"sessionCode": CODE}}).to_string()).is_empty());
    r.disconnect(2);
    r.disconnect(99);
    assert_eq!(r.core.connection_count(), 2);
    // The client id is free for a new socket.
    r.join(4, "guest-1");
}
