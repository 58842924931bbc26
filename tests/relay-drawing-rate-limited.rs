//! sendDrawingSync has its own limiter per socket and room (60 per 1000 ms): past it,
//! `drawing-rate-limited`; invalid messages count too.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn sixty_first_drawing_message_is_refused() {
    let mut r = Relay::room_with(|s| s.rate_max_messages = 1000);
    r.advance(1000);
    let good = json!({"sessionCode": CODE, "msgType": "stroke-batch", "data": {"points": [1, 2]}});
    let bad = json!({"sessionCode": CODE, "msgType": "scribble", "data": {}});
    for _ in 0..30 {
        r.ok(1, "sendDrawingSync", good.clone());
        assert_eq!(
            r.err(1, "sendDrawingSync", bad.clone()),
            "invalid-drawing-sync"
        );
    }
    assert_eq!(
        r.err(1, "sendDrawingSync", good.clone()),
        "drawing-rate-limited"
    );
    assert_eq!(r.events(2).len(), 30);
    r.ok(
        1,
        "sendRtcSignal",
        json!({"sessionCode": CODE, "signalType": "peer-reset"}),
    );
    r.ok(2, "sendDrawingSync", good.clone());
    r.advance(1000);
    r.ok(1, "sendDrawingSync", good);
}
