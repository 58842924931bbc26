//! The per-socket message limiter (45 messages per 1000 ms window opened by the first
//! counted message): the 46th message gets `rate-limited` if it has an id, is dropped
//! otherwise; a notify counts twice; non-request types count; non-JSON does not.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

fn snapshot_request(id: u32) -> String {
    json!({"type": "request", "id": id.to_string(), "action": "getRoomSnapshot", "payload": {"sessionCode": CODE}}).to_string()
}

#[test]
fn forty_sixth_request_is_rate_limited_until_the_window_ends() {
    let mut r = Relay::room();
    r.advance(1000); // a fresh window for conn 2
    for i in 0..45 {
        let f = r.send(2, &snapshot_request(i));
        assert!(outcome(&f[0].json).is_ok(), "request {i}");
    }
    r.advance(999);
    let f = r.send(2, &snapshot_request(45));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].json["id"], "45");
    assert_eq!(outcome(&f[0].json), Err("rate-limited".into()));
    // A limited request has no effect.
    let frames = r.send(
        2,
        &json!({"type": "request", "id": "p", "action": "updateParticipantState",
        "payload": {"sessionCode": CODE, "syncState": "ready"}})
        .to_string(),
    );
    assert_eq!(outcome(&frames[0].json), Err("rate-limited".into()));
    assert!(r.take(1).is_empty());
    assert_eq!(
        r.snapshot(CODE)
            .unwrap()
            .participant_sync_states
            .get("guest-1")
            .unwrap(),
        "connecting"
    );
    // Without an id there is nothing to answer.
    assert!(r
        .send(2, r#"{"type":"request","action":"getRoomSnapshot"}"#)
        .is_empty());
    r.advance(1);
    let f = r.send(2, &snapshot_request(46));
    assert!(outcome(&f[0].json).is_ok());
}

#[test]
fn a_notify_counts_twice() {
    let mut r = Relay::room();
    r.advance(1000);
    let sub = json!({"type": "notify", "action": "subscribe", "payload": {"sessionCode": CODE}})
        .to_string();
    for _ in 0..22 {
        assert!(r.send(2, &sub).is_empty()); // 44 counted
    }
    let f = r.send(2, &snapshot_request(1)); // 45th
    assert!(outcome(&f[0].json).is_ok());
    let f = r.send(2, &snapshot_request(2)); // 46th
    assert_eq!(outcome(&f[0].json), Err("rate-limited".into()));
}

#[test]
fn a_notify_whose_second_count_is_over_the_limit_is_dropped() {
    let mut r = Relay::room();
    r.advance(1000);
    for i in 0..44 {
        r.send(2, &snapshot_request(i));
    }
    // 45th count passes, its second count (46th) does not: the unsubscribe is dropped.
    let unsub =
        json!({"type": "notify", "action": "unsubscribe", "payload": {"sessionCode": CODE}})
            .to_string();
    assert!(r.send(2, &unsub).is_empty());
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "X"}}),
    );
    assert_eq!(
        kinds(&r.events(2)),
        vec![ev("room-updated", "room-updated")]
    );
    // In a new window it works.
    r.advance(1000);
    assert!(r.send(2, &unsub).is_empty());
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "Y"}}),
    );
    assert!(r.take(2).is_empty());
}

#[test]
fn other_message_types_count_and_get_rate_limited_when_they_carry_an_id() {
    let mut r = Relay::default();
    r.connect(1);
    for i in 0..45 {
        let text = if i % 2 == 0 {
            r#"{"type":"hello"}"#
        } else {
            r#"{"type":"response","id":"z"}"#
        };
        assert!(r.send(1, text).is_empty(), "ignored, but counted");
    }
    let f = r.send(1, r#"{"type":"ping","id":"p1"}"#);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].json["id"].as_str(), outcome(&f[0].json)),
        (Some("p1"), Err("rate-limited".into()))
    );
    let f = r.send(1, r#"{"type":"ping","id":9}"#);
    assert_eq!(f[0].json["id"], "9");
    assert!(r.send(1, r#"{"type":"ping"}"#).is_empty());
    // A notify over the limit is dropped silently, id or not.
    assert!(r.send(1, r#"{"type":"notify","id":"n","action":"subscribe","payload":{"sessionCode":"ABCD-EFGH"}}"#).is_empty());
    let p = json!({"type": "request", "id": "c", "action": "createRoom", "payload": {"sessionCode": CODE, "hostClientId": "h"}});
    let f = r.send(1, &p.to_string());
    assert_eq!(outcome(&f[0].json), Err("rate-limited".into()));
    assert_eq!(r.core.room_count(), 0);
}

#[test]
fn non_json_does_not_count() {
    let mut r = Relay::default();
    r.connect(1);
    for _ in 0..100 {
        assert!(r.send(1, "not json").is_empty());
        assert!(r.send(1, "[]").is_empty());
    }
    for i in 0..45 {
        let f = r.send(1, &snapshot_request(i));
        assert_eq!(outcome(&f[0].json), Err("not-joined".into()));
    }
    let f = r.send(1, &snapshot_request(99));
    assert_eq!(outcome(&f[0].json), Err("rate-limited".into()));
}
