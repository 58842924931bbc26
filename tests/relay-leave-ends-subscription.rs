//! A participant's leaveRoom replies `{closed:false, snapshot}`, tells the others
//! (`participant-left`) and ends the leaver's subscription (our fix: the deployed relay kept
//! sending it events until an unsubscribe).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use online_sync::protocol::{OrderedMap, ServerFrame};
use serde_json::json;
use serde_json::value::RawValue;

#[test]
fn leaver_hears_nothing_more() {
    let mut r = Relay::room();
    r.join(3, "guest-2");
    r.take(1);
    r.take(2);
    r.advance(5);
    let (events, reply) = r.request(2, "leaveRoom", json!({"sessionCode": CODE}));
    assert!(
        events.is_empty(),
        "the leaver's subscription ended with its leave"
    );
    let left = reply.unwrap();
    assert_eq!(left["closed"], false);
    assert_eq!(
        left["snapshot"]["participantIds"],
        json!(["host-1", "guest-2"])
    );
    assert_eq!(left["snapshot"]["updatedAt"], T0 + 5);
    for conn in [1, 3] {
        let events = r.events(conn);
        assert_eq!(kinds(&events), vec![ev("room-updated", "participant-left")]);
        assert_eq!(events[0]["snapshot"], left["snapshot"]);
    }
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "After"}}),
    );
    r.ok(
        1,
        "sendRtcSignal",
        json!({"sessionCode": CODE, "signalType": "peer-reset"}),
    );
    assert!(r.take(2).is_empty(), "no events after leaving");
    assert_eq!(r.events(3).len(), 2);
    // Not bound any more, and a subscribe notify does not bring events back.
    assert_eq!(
        r.err(2, "getRoomSnapshot", json!({"sessionCode": CODE})),
        "not-joined"
    );
    assert_eq!(
        r.err(2, "leaveRoom", json!({"sessionCode": CODE})),
        "not-joined"
    );
    r.send(
        2,
        &json!({"type": "notify", "action": "subscribe", "payload": {"sessionCode": CODE}})
            .to_string(),
    );
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "Again"}}),
    );
    assert!(r.take(2).is_empty());
    // It may join again.
    r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1"}),
    );
}

#[test]
fn leave_reply_keeps_the_snapshot_order() {
    let mut r = Relay::default();
    r.host(1, "zz-host");
    r.join(2, "mm-guest");
    r.join(3, "aa-guest");
    let (_, frame) = r.request_frame(2, "leaveRoom", json!({"sessionCode": CODE}));
    assert!(
        frame.text.contains(
            r#""result":{"closed":false,"snapshot":{"sessionCode":"ABCD-EFGH","sessionName":"#
        ),
        "{}",
        frame.text
    );
    let Some(ServerFrame::Response {
        outcome: Ok(result),
        ..
    }) = ServerFrame::parse(&frame.text)
    else {
        panic!("{}", frame.text)
    };
    let left: OrderedMap<Box<RawValue>> = serde_json::from_str(result.get()).unwrap();
    let snap: OrderedMap<Box<RawValue>> =
        serde_json::from_str(left.get("snapshot").unwrap().get()).unwrap();
    let profiles: OrderedMap<String> =
        serde_json::from_str(snap.get("participantProfiles").unwrap().get()).unwrap();
    let ids: Vec<&str> = profiles.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(ids, ["zz-host", "aa-guest"], "host first, then join order");
}
