//! sendRtcSignal: malformed signals get `invalid-rtc-signal`; a good one is broadcast to
//! every subscriber (sender first, before its reply) as `rtc-signal` with the bound client
//! id as source, whatever the target.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

fn signal(kind: Value, payload: Value) -> Value {
    json!({"sessionCode": CODE, "targetClientId": "host-1", "signalType": kind, "signalPayload": payload})
}

#[test]
fn malformed_signals_are_refused() {
    let mut r = Relay::room_with(|s| s.rate_max_messages = 1000);
    let long = "s".repeat(240_001);
    let cases = [
        signal(json!(null), json!({})),
        signal(json!("hello"), json!({})),
        signal(json!(7), json!({})),
        signal(json!("offer"), json!(null)),
        signal(json!("offer"), json!({"type": "offer"})),
        signal(json!("offer"), json!({"type": "offer", "sdp": ""})),
        signal(json!("offer"), json!({"type": "offer", "sdp": long})),
        signal(json!("offer"), json!({"sdp": "v=0"})),
        signal(json!("offer"), json!({"type": "answer", "sdp": "v=0"})),
        signal(json!("answer"), json!({"type": "offer", "sdp": "v=0"})),
        signal(json!("answer"), json!("v=0")),
        signal(json!("ice-candidate"), json!({})),
        signal(json!("ice-candidate"), json!({"candidate": ""})),
        signal(
            json!("ice-candidate"),
            json!({"candidate": "c", "sdpMid": "m".repeat(65)}),
        ),
        signal(
            json!("ice-candidate"),
            json!({"candidate": "c", "sdpMid": 3}),
        ),
        signal(
            json!("ice-candidate"),
            json!({"candidate": "c", "sdpMLineIndex": 1.5}),
        ),
        signal(
            json!("ice-candidate"),
            json!({"candidate": "c", "sdpMLineIndex": -1}),
        ),
        signal(
            json!("ice-candidate"),
            json!({"candidate": "c", "sdpMLineIndex": 4097}),
        ),
        signal(
            json!("ice-candidate"),
            json!({"candidate": "c", "sdpMLineIndex": "x"}),
        ),
    ];
    for p in cases {
        assert_eq!(
            r.err(2, "sendRtcSignal", p.clone()),
            "invalid-rtc-signal",
            "{p}"
        );
    }
    // The signal is checked before the target.
    let p = json!({"sessionCode": CODE, "targetClientId": "ghost", "signalType": "nope"});
    assert_eq!(r.err(2, "sendRtcSignal", p), "invalid-rtc-signal");
    assert!(r.take(1).is_empty());
}

#[test]
fn good_signals_reach_every_subscriber() {
    let mut r = Relay::room();
    r.join(3, "guest-2");
    r.take(1);
    r.take(2);
    r.advance(7);
    let p = json!({"sessionCode": CODE, "sourceClientId": "host-1", "targetClientId": " host-1 ",
        "signalType": " OFFER ", "signalPayload": {"type": "offer", "sdp": "v=0", "extra": 1}});
    let (events, reply) = r.request(2, "sendRtcSignal", p);
    assert_eq!(reply.unwrap(), json!({"ok": true}));
    let event = json!({"type": "rtc-signal", "sessionCode": CODE, "sourceClientId": "guest-1", "targetClientId": "host-1",
        "signalType": "offer", "signalPayload": {"type": "offer", "sdp": "v=0"}, "ts": T0 + 7});
    assert_eq!(events, vec![event.clone()]);
    assert_eq!(r.events(1), vec![event.clone()]);
    assert_eq!(r.events(3), vec![event], "non-targets get it too");
    assert_eq!(
        r.snapshot(CODE).unwrap().updated_at,
        T0 + 7,
        "a signal bumps the room"
    );

    let ice = json!({"sessionCode": CODE, "signalType": "ice-candidate",
        "signalPayload": {"candidate": "candidate:1", "sdpMid": "0", "sdpMLineIndex": 0}});
    let (events, _) = r.request(1, "sendRtcSignal", ice);
    assert_eq!(events[0]["targetClientId"], "");
    assert_eq!(
        events[0]["signalPayload"],
        json!({"candidate": "candidate:1", "sdpMid": "0", "sdpMLineIndex": 0})
    );
    let reset = json!({"sessionCode": CODE, "targetClientId": "guest-2", "signalType": "peer-reset", "signalPayload": {"x": 1}});
    let (events, _) = r.request(1, "sendRtcSignal", reset);
    assert_eq!(events[0]["signalPayload"], Value::Null);
    let answer = json!({"sessionCode": CODE, "signalType": "answer", "signalPayload": {"type": "Answer", "sdp": "s".repeat(240_000)}});
    r.ok(1, "sendRtcSignal", answer);
}
