//! Two sockets creating the same code at once: exactly one wins, the other gets
//! `session-already-exists` and is not bound (the deployed relay let both succeed).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

fn create(id: &str, host: &str) -> String {
    json!({"type": "request", "id": id, "action": "createRoom",
        "payload": {"sessionCode": CODE, "hostClientId": host, "password": "pw"}})
    .to_string()
}

#[test]
fn exactly_one_create_wins() {
    let mut r = Relay::default();
    r.connect(1);
    r.connect(2);
    // Both frames reach the core before any output is drained.
    r.core
        .handle_message(2, create("a", "host-b").as_bytes(), r.now);
    r.core
        .handle_message(1, create("b", "host-a").as_bytes(), r.now);
    r.flush();
    let first = r.take(2);
    let second = r.take(1);
    assert_eq!(first.len(), 1);
    assert_eq!(second.len(), 1);
    assert_eq!(outcome(&first[0].json).unwrap()["hostClientId"], "host-b");
    assert_eq!(
        outcome(&second[0].json),
        Err("session-already-exists".into())
    );
    assert_eq!(r.core.room_count(), 1);
    assert_eq!(r.snapshot(CODE).unwrap().host_client_id, "host-b");
    assert_eq!(
        r.err(1, "getRoomSnapshot", json!({"sessionCode": CODE})),
        "not-joined"
    );
    // The loser can join the winner's room.
    let snap = r.ok(
        1,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "host-a", "password": "pw"}),
    );
    assert_eq!(snap["participantIds"], json!(["host-b", "host-a"]));
}

#[test]
fn many_racers_one_winner() {
    let mut r = Relay::default();
    for conn in 0..20 {
        r.connect(conn);
    }
    for conn in 0..20 {
        r.core.handle_message(
            conn,
            create(&conn.to_string(), &format!("host-{conn}")).as_bytes(),
            r.now,
        );
    }
    r.flush();
    let mut wins = 0;
    for conn in 0..20 {
        let frames = r.take(conn);
        assert_eq!(frames.len(), 1);
        match outcome(&frames[0].json) {
            Ok(_) => wins += 1,
            Err(code) => assert_eq!(code, "session-already-exists"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(r.core.room_count(), 1);
}
