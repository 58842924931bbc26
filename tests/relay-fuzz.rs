//! Property tests: arbitrary bytes and arbitrary JSON-ish frames fed to the relay core never
//! panic, every frame it sends is a JSON object of the protocol, and a room keeps its
//! invariants; the wire codec round-trips ids, actions, results and codes.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use online_sync::protocol::{
    notify_frame, request_frame, response_err, response_ok, Action, ClientFrame, ServerFrame,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const ACTIONS: &[&str] = &[
    "createRoom",
    "joinRoom",
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

fn json_value() -> impl Strategy<Value = Value> {
    json_tree(true)
}

/// JSON values; without `any_float`, only floats that serde_json reads back exactly
/// (its default parser may be off by one ulp on arbitrary doubles).
fn json_tree(any_float: bool) -> impl Strategy<Value = Value> {
    let float = if any_float {
        any::<f64>().boxed()
    } else {
        (-1_000_000i32..1_000_000)
            .prop_map(|n| f64::from(n) / 8.0)
            .boxed()
    };
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        float.prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(json!(CODE)),
        Just(json!("host-1")),
        Just(json!("guest-1")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A payload that often looks like the real thing: a session code and fields the handlers read.
fn payload() -> impl Strategy<Value = Value> {
    payload_of(true)
}

fn payload_of(any_float: bool) -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "sessionCode",
        "hostClientId",
        "clientId",
        "password",
        "participantName",
        "patch",
        "payload",
        "syncState",
        "displayName",
        "pack",
        "file",
        "inProgress",
        "total",
        "identity",
        "targetClientId",
        "signalType",
        "signalPayload",
        "msgType",
        "data",
        "sourceClientId",
        "controlMode",
        "sessionName",
    ]);
    (
        prop::collection::vec((keys, json_tree(any_float)), 0..6),
        any::<bool>(),
    )
        .prop_map(|(fields, with_code)| {
            let mut m = Map::new();
            if with_code {
                m.insert("sessionCode".into(), json!(CODE));
            }
            for (k, v) in fields {
                m.insert(k.to_string(), v);
            }
            Value::Object(m)
        })
}

fn frame() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        4 => Just(json!("request")),
        1 => Just(json!("notify")),
        1 => json_value(),
    ];
    let action = prop_oneof![
        4 => prop::sample::select(ACTIONS).prop_map(Value::from),
        1 => Just(json!("subscribe")),
        1 => json_value(),
    ];
    let id = prop_oneof![4 => "[0-9]{1,3}".prop_map(Value::from), 1 => json_value()];
    let body = prop_oneof![4 => payload(), 1 => json_value()];
    (kind, id, action, body, any::<bool>()).prop_map(|(kind, id, action, body, drop_payload)| {
        let mut m = json!({"type": kind, "id": id, "action": action});
        if !drop_payload {
            m["payload"] = body;
        }
        m.to_string()
    })
}

fn check_outputs(r: &mut Relay, conns: &[u64]) {
    for &conn in conns {
        for f in r.take(conn) {
            let t = f.json["type"].as_str().unwrap_or_default();
            match t {
                "response" => {
                    assert!(f.json["id"].is_string(), "{}", f.text);
                    assert!(f.json["ok"].is_boolean(), "{}", f.text);
                    if f.json["ok"] == false {
                        assert!(!f.json["error"].as_str().unwrap().is_empty());
                    }
                }
                "event" => assert!(f.json["event"]["type"].is_string(), "{}", f.text),
                _ => panic!("unexpected frame {}", f.text),
            }
        }
    }
    if let Some(s) = r.snapshot(CODE) {
        assert_eq!(s.participants_count, s.participant_ids.len());
        assert_eq!(s.participant_profiles.len(), s.participant_ids.len());
        assert_eq!(
            s.participant_ids.first(),
            Some(&s.host_client_id),
            "host first"
        );
    }
}

/// `base` cases, times `RELAY_FUZZ_SCALE` when set: the suite runs the base counts;
/// a volume run (BENCHMARKS.md, "Fuzzing the relay's entry point") sets the scale.
fn cases(base: u32) -> u32 {
    let scale = std::env::var("RELAY_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1);
    base.saturating_mul(scale.max(1))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(200), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(msgs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..20)) {
        let mut r = Relay::room();
        r.connect(3);
        for (i, m) in msgs.iter().enumerate() {
            r.send_bytes(1 + (i as u64 % 3), m);
        }
        check_outputs(&mut r, &[1, 2, 3]);
    }

    #[test]
    fn response_frames_round_trip(id in "\\PC{0,20}", result in json_value(), code in "[a-z:-]{1,30}") {
        let result_json = result.to_string();
        let raw = serde_json::value::to_raw_value(&result).unwrap();
        match ServerFrame::parse(&response_ok(&id, &raw)) {
            Some(ServerFrame::Response { id: got, outcome: Ok(raw) }) => {
                prop_assert_eq!(got, id.clone());
                prop_assert_eq!(raw.get(), result_json.as_str());
            }
            other => prop_assert!(false, "{:?}", other),
        }
        match ServerFrame::parse(&response_err(&id, &code)) {
            Some(ServerFrame::Response { id: got, outcome: Err(c) }) => {
                prop_assert_eq!(got, id);
                prop_assert_eq!(c, code);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn request_frames_round_trip(id in "\\PC{0,20}", action in prop::sample::select(ACTIONS), body in payload_of(false)) {
        let action = Action::parse(action).unwrap();
        match ClientFrame::parse(request_frame(&id, action, &body).as_bytes()) {
            Some(ClientFrame::Request { id: got, action: a, payload }) => {
                prop_assert_eq!(got, id);
                prop_assert_eq!(a.as_str(), action.as_str());
                prop_assert_eq!(payload.map(|p| p.map(Value::Object)), Ok(Some(body)));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn notify_frames_round_trip(code in "\\PC{0,12}", subscribe in any::<bool>()) {
        let action = if subscribe { "subscribe" } else { "unsubscribe" };
        match ClientFrame::parse(notify_frame(action, &code).as_bytes()) {
            Some(ClientFrame::Notify { action: a, payload }) => {
                prop_assert_eq!(a, action);
                prop_assert_eq!(payload.get("sessionCode"), Some(&Value::from(code)));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

proptest! {
    // Fewer, longer cases: each runs up to 40 frames through the whole core.
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_frames_never_panic(frames in prop::collection::vec((0u64..4, frame(), 0u64..2_000), 1..40)) {
        let mut r = Relay::room();
        r.connect(3);
        for (conn, text, dt) in frames {
            r.advance(dt);
            match conn {
                0 => {
                    r.core.handle_timeout(r.now);
                    r.flush();
                }
                c => {
                    r.send(c, &text);
                }
            }
            check_outputs(&mut r, &[1, 2, 3]);
        }
        for conn in [2, 3, 1] {
            r.disconnect(conn);
        }
        check_outputs(&mut r, &[1, 2, 3]);
        // Every room's host was one of these sockets: nothing may outlive them.
        prop_assert_eq!(r.core.room_count(), 0);
        prop_assert_eq!(r.core.connection_count(), 0);
    }
}
