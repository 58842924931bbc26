//! Malformed request envelopes get `invalid-request`: missing or empty id (replied with id
//! "missing-id"), missing or empty action (replied with the request's id), a payload that is
//! not a plain object. Ids are `String(id)`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;

fn reply(r: &mut Relay, text: &str) -> (String, Result<serde_json::Value, String>) {
    let frames = r.send(1, text);
    assert_eq!(frames.len(), 1, "{text}");
    let f = &frames[0].json;
    (f["id"].as_str().unwrap().to_string(), outcome(f))
}

#[test]
fn malformed_envelopes() {
    let mut r = Relay::default();
    r.connect(1);
    let bad = Err("invalid-request".to_string());
    let cases = [
        (
            r#"{"type":"request","action":"getRoomSnapshot","payload":{}}"#,
            "missing-id",
        ),
        (
            r#"{"type":"request","id":"","action":"getRoomSnapshot","payload":{}}"#,
            "missing-id",
        ),
        (
            r#"{"type":"request","id":null,"action":"getRoomSnapshot"}"#,
            "missing-id",
        ),
        (r#"{"type":"request","id":"5","payload":{}}"#, "5"),
        (
            r#"{"type":"request","id":"6","action":"","payload":{}}"#,
            "6",
        ),
        (
            r#"{"type":"request","id":"7","action":"   ","payload":{}}"#,
            "7",
        ),
        (r#"{"type":"request","payload":{}}"#, "missing-id"),
        (
            r#"{"type":"request","id":"8","action":"createRoom","payload":[]}"#,
            "8",
        ),
        (
            r#"{"type":"request","id":"9","action":"createRoom","payload":[{"sessionCode":"ABCD-EFGH"}]}"#,
            "9",
        ),
        (
            r#"{"type":"request","id":"10","action":"createRoom","payload":null}"#,
            "10",
        ),
        (
            r#"{"type":"request","id":"11","action":"createRoom","payload":"x"}"#,
            "11",
        ),
        (
            r#"{"type":"request","id":"12","action":"createRoom","payload":3}"#,
            "12",
        ),
        (
            r#"{"type":"request","id":"13","action":"nope","payload":[]}"#,
            "13",
        ),
    ];
    for (text, id) in cases {
        assert_eq!(reply(&mut r, text), (id.to_string(), bad.clone()), "{text}");
    }
    assert_eq!(r.core.room_count(), 0);
}

#[test]
fn ids_are_stringified_and_a_literal_missing_id_is_a_real_id() {
    let mut r = Relay::default();
    r.connect(1);
    let (id, res) = reply(
        &mut r,
        r#"{"type":"request","id":7,"action":"getRoomSnapshot","payload":{"sessionCode":"ABCD-EFGH"}}"#,
    );
    assert_eq!((id.as_str(), res), ("7", Err("not-joined".into())));
    let (id, res) = reply(
        &mut r,
        r#"{"type":"request","id":"missing-id","action":"createRoom","payload":{"sessionCode":"ABCD-EFGH","hostClientId":"h"}}"#,
    );
    assert_eq!(id, "missing-id");
    assert!(res.is_ok(), "{res:?}");
}

#[test]
fn action_is_trimmed() {
    let mut r = Relay::default();
    r.connect(1);
    let (_, res) = reply(
        &mut r,
        r#"{"type":"request","id":"1","action":" createRoom ","payload":{"sessionCode":"ABCD-EFGH","hostClientId":"h"}}"#,
    );
    assert_eq!(res.unwrap()["hostClientId"], "h");
}

#[test]
fn non_objects_and_garbage_are_ignored_silently() {
    let mut r = Relay::default();
    r.connect(1);
    for text in [
        "",
        "nope",
        "[1,2]",
        "\"request\"",
        "42",
        "null",
        "{",
        r#"{"type":"response","id":"1"}"#,
        r#"{"id":"1","action":"createRoom"}"#,
    ] {
        assert!(r.send(1, text).is_empty(), "{text}");
    }
    assert!(r.send_bytes(1, &[0xff, 0xfe, b'{', b'}']).is_empty());
}

/// DESIGN.md decision 9: a request whose id can be read but whose payload the relay
/// cannot act on gets `invalid-request` with that id; bytes that are not JSON stay
/// ignored.
#[test]
fn a_readable_id_with_an_unreadable_payload_gets_an_answer() {
    let mut r = Relay::default();
    r.connect(1);
    let bad = Err("invalid-request".to_string());
    let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
    let cases = [
        // Nesting deeper than serde_json reads (128).
        format!(r#"{{"type":"request","id":"20","action":"createRoom","payload":{{"sessionCode":"ABCD-EFGH","x":{deep}}}}}"#),
        // A number out of a double's range.
        r#"{"type":"request","id":"21","action":"createRoom","payload":{"sessionCode":"ABCD-EFGH","n":1e309}}"#.to_string(),
        r#"{"type":"request","id":"22","action":"createRoom","payload":{"sessionCode":"ABCD-EFGH","n":-1e400}}"#.to_string(),
        // A payload of the wrong shape.
        r#"{"type":"request","id":"23","action":"getRoomSnapshot","payload":true}"#.to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let id = (20 + i).to_string();
        assert_eq!(reply(&mut r, text), (id, bad.clone()), "{text}");
    }
    assert_eq!(r.core.room_count(), 0, "nothing was acted on");
    // Not JSON at all (even with an id inside): silence.
    for text in [
        r#"{"type":"request","id":"24","action":"createRoom","payload":{"#,
        r#"{"type":"request","id":"25","payload":{"a":01}}"#,
        "not json",
    ] {
        assert!(r.send(1, text).is_empty(), "{text}");
    }
}
