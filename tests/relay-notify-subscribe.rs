//! `notify` subscribe/unsubscribe: no reply; subscribe works only for a socket bound to the
//! code; unsubscribe stops events, subscribe brings them back, once.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

fn notify(action: &str, code: &str) -> String {
    json!({"type": "notify", "action": action, "payload": {"sessionCode": code}}).to_string()
}

fn poke(r: &mut Relay) {
    r.ok(1, "updateRoom", json!({"sessionCode": CODE, "patch": {}}));
}

#[test]
fn only_bound_sockets_can_subscribe() {
    let mut r = Relay::room();
    r.connect(3);
    assert!(r.send(3, &notify("subscribe", CODE)).is_empty());
    poke(&mut r);
    assert!(r.take(3).is_empty(), "unbound socket gets nothing");
    // Bound to another room does not help.
    r.ok(
        3,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "host-2"}),
    );
    r.send(3, &notify("subscribe", CODE));
    poke(&mut r);
    assert!(r.take(3).is_empty());
}

#[test]
fn unsubscribe_and_subscribe_again() {
    let mut r = Relay::room();
    assert!(r.send(2, &notify("unsubscribe", " abcd-efgh ")).is_empty());
    poke(&mut r);
    assert!(r.take(2).is_empty());
    // Still bound: requests work.
    r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
    r.send(2, &notify("subscribe", "abcd-efgh"));
    r.send(2, &notify("subscribe", CODE));
    poke(&mut r);
    assert_eq!(r.events(2).len(), 1, "subscribed once");
    // Other notify actions and malformed ones are ignored.
    for text in [
        notify("mute", CODE),
        notify("unsubscribe", "bad"),
        r#"{"type":"notify","action":"unsubscribe"}"#.to_string(),
        r#"{"type":"notify","action":"unsubscribe","payload":[]}"#.to_string(),
    ] {
        assert!(r.send(2, &text).is_empty());
    }
    poke(&mut r);
    assert_eq!(r.events(2).len(), 1);
    // An unsubscribed host still gets its replies and others still get events.
    r.send(1, &notify("unsubscribe", CODE));
    let (events, reply) = r.request(1, "updateRoom", json!({"sessionCode": CODE, "patch": {}}));
    assert!(events.is_empty() && reply.is_ok());
    assert_eq!(r.events(2).len(), 1);
}
