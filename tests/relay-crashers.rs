//! A corpus of nasty inputs that must not crash the relay core: deep nesting, huge and
//! out-of-range numbers, lone surrogate escapes, NaN-like strings, odd encodings. Each is sent
//! as a whole frame and as the value of every field a handler reads; the relay must stay
//! usable afterwards.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

fn nasty_values() -> Vec<String> {
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let nested_ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    vec![
        "1e400".into(),
        "-1e400".into(),
        "1e-400".into(),
        "123456789012345678901234567890".into(),
        "-9223372036854775809".into(),
        "18446744073709551616".into(),
        "1.7976931348623157e308".into(),
        "-0".into(),
        "0.1e-7".into(),
        r#""NaN""#.into(),
        r#""Infinity""#.into(),
        r#""-Infinity""#.into(),
        r#""1e400""#.into(),
        r#""0x10""#.into(),
        r#""  12  ""#.into(),
        r#""\ud800""#.into(),
        r#""\udfff\ud800""#.into(),
        r#""a\ud83d""#.into(),
        r#""\u0000\u001f\u007f""#.into(),
        r#""\u2028\u2029\ufeff""#.into(),
        r#""😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀""#.into(),
        format!("\"{}\"", "é".repeat(5000)),
        "[]".into(),
        "{}".into(),
        r#"{"__proto__":{"x":1},"constructor":1}"#.into(),
        nested_ok,
        deep_array,
        deep_object,
        "true".into(),
        "null".into(),
    ]
}

const FIELDS: &[&str] = &[
    "sessionCode",
    "hostClientId",
    "clientId",
    "password",
    "participantName",
    "hostDisplayName",
    "sessionName",
    "controlMode",
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
];

const ACTIONS: &[&str] = &[
    "createRoom",
    "joinRoom",
    "updateRoom",
    "getRoomSnapshot",
    "updateSessionState",
    "updateParticipantState",
    "updateParticipantProfile",
    "uploadSessionPack",
    "getSessionPack",
    "setSessionMediaUploadStatus",
    "uploadSessionMediaFile",
    "getSessionMediaManifest",
    "getSessionMediaFile",
    "sendRtcSignal",
    "sendDrawingSync",
    "resetSessionMediaPack",
    "leaveRoom",
];

#[test]
fn whole_frames_do_not_crash() {
    let mut r = Relay::room();
    for v in nasty_values() {
        r.advance(1_000);
        assert!(r.send(1, &v).is_empty(), "not an object: ignored");
        for text in [
            format!(
                r#"{{"type":"request","id":{v},"action":"getRoomSnapshot","payload":{{"sessionCode":"{CODE}"}}}}"#
            ),
            format!(r#"{{"type":"request","id":"1","action":{v},"payload":{{}}}}"#),
            format!(r#"{{"type":"request","id":"1","action":"createRoom","payload":{v}}}"#),
            format!(r#"{{"type":{v},"id":"1"}}"#),
            format!(r#"{{"type":"notify","action":"subscribe","payload":{v}}}"#),
        ] {
            for f in r.send(2, &text) {
                assert!(f.is_response() || f.event().is_some(), "{}", f.text);
            }
        }
    }
    r.advance(1_000);
    r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
}

#[test]
fn nasty_field_values_do_not_crash() {
    let mut r = Relay::room_with(|s| s.rate_max_messages = 100_000);
    let values = nasty_values();
    for action in ACTIONS {
        for field in FIELDS {
            for v in &values {
                let text = format!(
                    r#"{{"type":"request","id":"1","action":"{action}","payload":{{"sessionCode":"{CODE}","{field}":{v}}}}}"#
                );
                let conn = if action.starts_with("leave") {
                    3
                } else {
                    1 + (field.len() as u64 % 2)
                };
                for f in r.send(conn, &text) {
                    assert!(f.is_response() || f.event().is_some(), "{}", f.text);
                }
                // Nested one level deeper, where handlers read sub-objects.
                let text = format!(
                    r#"{{"type":"request","id":"2","action":"{action}","payload":{{"sessionCode":"{CODE}","{field}":{{"{field}":{v},"type":{v},"sdp":{v},"candidate":{v},"schema":{v},"session":{{"mode":{v}}},"size":{v},"dataBase64":{v},"ext":{v},"identity":{v}}}}}}}"#
                );
                r.send(conn, &text);
            }
        }
    }
    r.take(1);
    r.take(2);
    let snap = r.snapshot(CODE).expect("the room survived");
    assert_eq!(snap.participant_ids[0], "host-1");
    r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
}

#[test]
fn lone_surrogates_and_huge_numbers_in_real_requests() {
    let mut r = Relay::room();
    // A lone surrogate escape (JSON.parse accepts it) is read as U+FFFD.
    let frames = r.send(
        1,
        r#"{"type":"request","id":"1","action":"updateParticipantProfile","payload":{"sessionCode":"ABCD-EFGH","displayName":"a\ud800"}}"#,
    );
    assert!(frames.iter().any(|f| f.json["ok"] == true), "{frames:?}");
    assert_eq!(
        r.snapshot(CODE)
            .unwrap()
            .participant_profiles
            .get("host-1")
            .map(String::as_str),
        Some("a\u{fffd}")
    );
    // A number serde_json cannot represent: the id is read, the payload cannot be
    // acted on, so `invalid-request` with that id (DESIGN.md decision 9), no change.
    let before = r.snapshot(CODE).unwrap();
    let frames = r.send(
        1,
        r#"{"type":"request","id":"2","action":"updateSessionState","payload":{"sessionCode":"ABCD-EFGH","payload":{"timeRemaining":1e400}}}"#,
    );
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(
        (&frames[0].json["id"], &frames[0].json["error"]),
        (&json!("2"), &json!("invalid-request"))
    );
    // Representable extremes are validated like any value.
    let p = json!({"sessionCode": CODE, "payload": {"timeRemaining": 1.7976931348623157e308}});
    assert_eq!(r.err(1, "updateSessionState", p), "invalid-session-state");
    let p = json!({"sessionCode": CODE, "payload": {"timeRemaining": "Infinity"}});
    assert_eq!(r.err(1, "updateSessionState", p), "invalid-session-state");
    let p = json!({"sessionCode": CODE, "payload": {"timeRemaining": "NaN"}});
    assert_eq!(r.err(1, "updateSessionState", p), "invalid-session-state");
    let p = json!({"sessionCode": CODE, "payload": {"timeRemaining": "  12  "}});
    assert_eq!(r.ok(1, "updateSessionState", p)["timeRemaining"], 12);
    let snap = r.snapshot(CODE).unwrap();
    assert_eq!(snap.participant_profiles, before.participant_profiles);
}
