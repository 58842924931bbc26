//! sendRtcSignal has its own limiter per socket and room (90 per 1000 ms): past it,
//! `rtc-rate-limited`; invalid signals count too.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn ninety_first_signal_is_refused() {
    let mut r = Relay::room_with(|s| s.rate_max_messages = 1000);
    r.advance(1000);
    let good = json!({"sessionCode": CODE, "signalType": "peer-reset"});
    let bad = json!({"sessionCode": CODE, "signalType": "nope"});
    for _ in 0..45 {
        r.ok(2, "sendRtcSignal", good.clone());
        assert_eq!(r.err(2, "sendRtcSignal", bad.clone()), "invalid-rtc-signal");
    }
    assert_eq!(r.err(2, "sendRtcSignal", good.clone()), "rtc-rate-limited");
    assert_eq!(
        r.events(1).len(),
        45,
        "only the accepted signals were relayed"
    );
    // Other limiters are separate.
    r.ok(
        2,
        "sendDrawingSync",
        json!({"sessionCode": CODE, "msgType": "clear-all", "data": {}}),
    );
    r.ok(
        2,
        "updateParticipantProfile",
        json!({"sessionCode": CODE, "displayName": "G"}),
    );
    r.ok(1, "sendRtcSignal", good.clone());
    r.advance(1000);
    r.ok(2, "sendRtcSignal", good);
}
