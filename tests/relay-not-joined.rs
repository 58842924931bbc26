//! Every session-scoped action but create/join, sent by a socket not bound to the code,
//! gets `not-joined`, whatever the payload; so does an rtc signal to a client id that is
//! not in the room.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

const SCOPED: &[&str] = &[
    "leaveRoom",
    "updateRoom",
    "getRoomSnapshot",
    "updateSessionState",
    "updateParticipantState",
    "updateParticipantProfile",
    "uploadSessionPack",
    "getSessionPack",
    "resetSessionMediaPack",
    "uploadSessionMediaFile",
    "setSessionMediaUploadStatus",
    "getSessionMediaManifest",
    "getSessionMediaFile",
    "sendRtcSignal",
    "sendDrawingSync",
];

fn payloads() -> Vec<Value> {
    vec![
        json!({"sessionCode": CODE}),
        json!({"sessionCode": CODE, "sourceClientId": "host-1", "clientId": "host-1"}),
        json!({"sessionCode": "bad"}),
        json!({}),
    ]
}

#[test]
fn unbound_socket_gets_not_joined_for_every_scoped_action() {
    let mut r = Relay::room();
    r.connect(3);
    for action in SCOPED {
        r.advance(1000); // stay under the per-socket message limit
        for p in payloads() {
            assert_eq!(r.err(3, action, p.clone()), "not-joined", "{action} {p}");
        }
        // A request with no payload at all.
        let frames = r.send(
            3,
            &format!(r#"{{"type":"request","id":"x","action":"{action}"}}"#),
        );
        assert_eq!(
            outcome(&frames[0].json),
            Err("not-joined".into()),
            "{action}"
        );
    }
    // A bound socket asking about another code.
    for action in SCOPED {
        let p = json!({"sessionCode": "WXYZ-2345"});
        assert_eq!(r.err(2, action, p), "not-joined", "{action}");
    }
    assert!(
        r.take(1).is_empty() && r.take(2).is_empty(),
        "nothing was broadcast"
    );
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 2);
}

#[test]
fn rtc_target_outside_the_room_is_not_joined() {
    let mut r = Relay::room();
    let p = json!({"sessionCode": CODE, "targetClientId": "ghost", "signalType": "peer-reset"});
    assert_eq!(r.err(2, "sendRtcSignal", p), "not-joined");
    assert!(r.take(1).is_empty());
    let p = json!({"sessionCode": CODE, "targetClientId": "host-1", "signalType": "peer-reset"});
    assert_eq!(r.ok(2, "sendRtcSignal", p), json!({"ok": true}));
}
