//! sendDrawingSync: an unknown `msgType` or non-object `data` gets `invalid-drawing-sync`;
//! data over `max_drawing_bytes` gets `drawing-sync-too-large`; a good message is broadcast
//! to every subscriber as `drawing-sync`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

const KINDS: &[&str] = &[
    "sharing-started",
    "sharing-stopped",
    "stroke-start",
    "stroke-batch",
    "stroke-end",
    "shape-add",
    "shape-remove",
    "clear-raster",
    "clear-all",
    "canvas-snapshot",
    "request-snapshot",
];

fn msg(kind: Value, data: Value) -> Value {
    json!({"sessionCode": CODE, "msgType": kind, "data": data})
}

#[test]
fn malformed_messages_are_refused() {
    let mut r = Relay::room_with(|s| s.max_drawing_bytes = 1024);
    for p in [
        msg(json!("scribble"), json!({})),
        msg(json!(""), json!({})),
        msg(json!(null), json!({})),
        msg(json!("STROKE-START"), json!({})),
        msg(json!("stroke-start"), json!([])),
        msg(json!("stroke-start"), json!("data")),
        msg(json!("stroke-start"), json!(1)),
        json!({"sessionCode": CODE, "data": {}}),
    ] {
        assert_eq!(
            r.err(2, "sendDrawingSync", p.clone()),
            "invalid-drawing-sync",
            "{p}"
        );
    }
    // {"d":""} is 8 characters.
    let big = msg(json!("stroke-batch"), json!({"d": "x".repeat(1024 - 7)}));
    assert_eq!(r.err(2, "sendDrawingSync", big), "drawing-sync-too-large");
    let big_and_bad = msg(json!("scribble"), json!({"d": "x".repeat(2000)}));
    assert_eq!(
        r.err(2, "sendDrawingSync", big_and_bad),
        "invalid-drawing-sync"
    );
    assert!(r.take(1).is_empty());
    r.ok(
        2,
        "sendDrawingSync",
        msg(json!("stroke-batch"), json!({"d": "x".repeat(1024 - 8)})),
    );
}

#[test]
fn every_kind_is_relayed_to_everyone() {
    let mut r = Relay::room();
    for kind in KINDS {
        r.advance(1);
        let p = json!({"sessionCode": CODE, "sourceClientId": "host-1", "msgType": kind, "data": {"k": [1, {"x": 2}]}});
        let (events, reply) = r.request(2, "sendDrawingSync", p);
        assert_eq!(reply.unwrap(), json!({"ok": true}));
        let event = json!({"type": "drawing-sync", "sessionCode": CODE, "sourceClientId": "guest-1", "msgType": kind,
            "data": {"k": [1, {"x": 2}]}, "ts": r.now});
        assert_eq!(events, vec![event.clone()], "{kind}");
        assert_eq!(r.events(1), vec![event]);
    }
    let (events, _) = r.request(
        1,
        "sendDrawingSync",
        json!({"sessionCode": CODE, "msgType": "clear-all"}),
    );
    assert_eq!(events[0]["data"], json!({}));
    assert_eq!(r.snapshot(CODE).unwrap().updated_at, r.now);
}
