//! Media errors that are not about size or type: `invalid-session-media` for a malformed
//! file or identity, base64, size or sha256; `session-media-not-found` while the session
//! has no files; `session-media-file-not-found` for an unknown identity.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

fn file(identity: Value, bytes: &[u8]) -> Value {
    json!({"identity": identity, "name": "x.png", "ext": "png", "mime": "image/png", "size": bytes.len(), "dataBase64": b64(bytes)})
}

#[test]
fn malformed_uploads_are_invalid() {
    let mut r = Relay::room();
    let data = png(16, 7);
    let with = |key: &str, v: Value| {
        let mut f = file(json!("k:a"), &data);
        f[key] = v;
        json!({"sessionCode": CODE, "file": f})
    };
    let without = |key: &str| {
        let mut f = file(json!("k:a"), &data);
        f.as_object_mut().unwrap().remove(key);
        json!({"sessionCode": CODE, "file": f})
    };
    let cases = [
        json!({"sessionCode": CODE}),
        json!({"sessionCode": CODE, "file": null}),
        json!({"sessionCode": CODE, "file": [1]}),
        json!({"sessionCode": CODE, "file": "x"}),
        with("identity", json!("")),
        with("identity", json!("a/b")),
        with("identity", json!("a".repeat(129))),
        without("identity"),
        with("size", json!(0)),
        with("size", json!(-3)),
        with("size", json!("abc")),
        with("size", json!(15)),
        with("size", json!(17)),
        without("size"),
        with("dataBase64", json!("")),
        without("dataBase64"),
        with(
            "dataBase64",
            json!(b64(&data).replace('+', "-").replace('/', "_") + "-_"),
        ),
        with("dataBase64", json!("!!!!")),
        with("sha256", json!("0".repeat(64))),
        with("sha256", json!("abc")),
    ];
    for p in cases {
        assert_eq!(
            r.err(1, "uploadSessionMediaFile", p.clone()),
            "invalid-session-media",
            "{p}"
        );
    }
    assert_eq!(
        r.snapshot(CODE)
            .unwrap()
            .session_media_meta
            .unwrap()
            .files_count,
        0
    );
    // Accepted: whitespace inside the base64, the right sha256 in upper case.
    let sha = online_sync::validate::digest::sha256_hex(&data).to_uppercase();
    let spaced: String = b64(&data).chars().flat_map(|c| [c, '\n']).collect();
    let mut p = with("dataBase64", json!(spaced));
    p["file"]["sha256"] = json!(sha);
    let snap = r.ok(1, "uploadSessionMediaFile", p);
    assert_eq!(snap["sessionMediaMeta"]["filesCount"], 1);
}

#[test]
fn reads_before_and_after_upload() {
    let mut r = Relay::room();
    let get = |id: &str| json!({"sessionCode": CODE, "identity": id});
    for conn in [1, 2] {
        assert_eq!(
            r.err(
                conn,
                "getSessionMediaManifest",
                json!({"sessionCode": CODE})
            ),
            "session-media-not-found"
        );
        // With no files, not-found comes before the identity check.
        assert_eq!(
            r.err(conn, "getSessionMediaFile", get("a/b")),
            "session-media-not-found"
        );
        assert_eq!(
            r.err(conn, "getSessionMediaFile", get("k:a")),
            "session-media-not-found"
        );
    }
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(12, 1)),
    );
    assert_eq!(
        r.err(2, "getSessionMediaFile", get("k:zz")),
        "session-media-file-not-found"
    );
    assert_eq!(
        r.err(2, "getSessionMediaFile", get("K:A")),
        "session-media-file-not-found"
    );
    assert_eq!(
        r.err(2, "getSessionMediaFile", get("a/b")),
        "invalid-session-media"
    );
    assert_eq!(
        r.err(2, "getSessionMediaFile", get("")),
        "invalid-session-media"
    );
    assert_eq!(
        r.err(2, "getSessionMediaFile", json!({"sessionCode": CODE})),
        "invalid-session-media"
    );
    assert_eq!(
        r.ok(2, "getSessionMediaFile", get(" k:a "))["file"]["identity"],
        "k:a"
    );
    // After a reset the session has no media again.
    r.ok(1, "resetSessionMediaPack", json!({"sessionCode": CODE}));
    assert_eq!(
        r.err(2, "getSessionMediaManifest", json!({"sessionCode": CODE})),
        "session-media-not-found"
    );
    assert_eq!(
        r.err(2, "getSessionMediaFile", get("k:a")),
        "session-media-not-found"
    );
}
