//! The host publishes a pack; the relay stores its canonical text and serves it verbatim:
//! `{"pack":<canonical>,"hash":..,"updatedAt":N,"size":N}` with hash = SHA-256 of the text
//! and size = its UTF-16 length.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use online_sync::protocol::ServerFrame;
use online_sync::validate::digest::sha256_hex;
use online_sync::validate::pack::validate_pack;
use serde_json::json;

#[test]
fn upload_then_get_gives_the_canonical_bytes() {
    let mut r = Relay::room();
    let mut raw = pack();
    raw["tags"] = json!(["dropped"]);
    raw["mediaRefs"][0]["name"] = json!("été 😀.png");
    r.advance(100);
    let (events, reply) = r.request(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": raw}),
    );
    let snap = reply.unwrap();
    let canonical = validate_pack(Some(&raw), &settings(), r.now).unwrap();
    assert!(canonical.text.starts_with(r#"{"schema":"posechrono-session-pack","version":1,"createdAt":"2024-01-01T00:00:00.000Z","source":{"runtime":"desktop","language":"fr"},"session":{"mode":"classique","#));
    assert!(!canonical.text.contains("tags"));
    let hash = sha256_hex(canonical.text.as_bytes());
    let size = canonical.text.encode_utf16().count();
    assert!(
        size < canonical.text.len(),
        "size counts UTF-16 units, not bytes"
    );
    let meta = json!({"hash": hash, "size": size, "updatedAt": T0 + 100, "uploadedBy": "host-1", "imagesCount": 2, "mediaRefsCount": 2});
    assert_eq!(snap["sessionPackMeta"], meta);
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "session-pack-updated")]
    );
    let participant_events = r.events(2);
    assert_eq!(
        kinds(&participant_events),
        vec![ev("room-updated", "session-pack-updated")]
    );
    assert_eq!(participant_events[0]["snapshot"], snap);

    r.advance(100);
    let (events, frame) = r.request_frame(2, "getSessionPack", json!({"sessionCode": CODE}));
    assert!(events.is_empty());
    let id = frame.json["id"].as_str().unwrap().to_string();
    let expected = format!(
        r#"{{"type":"response","id":"{id}","ok":true,"result":{{"pack":{},"hash":"{hash}","updatedAt":{},"size":{size}}}}}"#,
        canonical.text,
        T0 + 100
    );
    assert_eq!(frame.text, expected);
    // A client hashing the raw `pack` substring gets the announced hash.
    match ServerFrame::parse(&frame.text) {
        Some(ServerFrame::Response {
            outcome: Ok(result),
            ..
        }) => {
            let v: serde_json::Value = serde_json::from_str(result.get()).unwrap();
            assert_eq!(v["hash"], hash.as_str());
        }
        other => panic!("{other:?}"),
    }
    // The host reads it too, and a read does not bump the room.
    let before = r.snapshot(CODE).unwrap().updated_at;
    assert_eq!(
        r.ok(1, "getSessionPack", json!({"sessionCode": CODE}))["hash"],
        hash.as_str()
    );
    assert_eq!(r.snapshot(CODE).unwrap().updated_at, before);
}

#[test]
fn a_new_upload_replaces_the_pack() {
    let mut r = Relay::room();
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack()}),
    );
    let mut second = pack();
    second["session"]["imagesCount"] = json!(0);
    second["session"]["mediaOrderKeys"] = json!([]);
    second["mediaRefs"] = json!([]);
    r.advance(10);
    let snap = r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": second}),
    );
    assert_eq!(snap["sessionPackMeta"]["imagesCount"], 0);
    assert_eq!(snap["sessionPackMeta"]["mediaRefsCount"], 0);
    let got = r.ok(2, "getSessionPack", json!({"sessionCode": CODE}));
    assert_eq!(got["pack"]["mediaRefs"], json!([]));
    assert_eq!(got["updatedAt"], T0 + 10);
    assert_eq!(got["hash"], snap["sessionPackMeta"]["hash"]);
}
