//! Online media: files listed in first-insert order (a replacement keeps its place), the
//! manifest's shape, a file served back byte for byte in base64, and the snapshot's media
//! `updatedAt` equal to the manifest's (the participant's start gate depends on it).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use base64::Engine as _;
use common::relay::*;
use online_sync::validate::digest::sha256_hex;
use serde_json::json;

#[test]
fn upload_replace_and_read_back() {
    let mut r = Relay::room();
    let a = png(10, 1);
    let b = png(20, 2);
    let c = png(30, 3);
    for (i, (id, bytes)) in [("k:a", &a), ("k:b", &b), ("k:c", &c)]
        .into_iter()
        .enumerate()
    {
        r.advance(10);
        let (events, reply) =
            r.request(1, "uploadSessionMediaFile", media_payload(id, "png", bytes));
        assert_eq!(
            kinds(&events),
            vec![ev("room-updated", "session-media-updated")]
        );
        assert_eq!(reply.unwrap()["sessionMediaMeta"]["filesCount"], i + 1);
    }
    assert_eq!(r.events(2).len(), 3);
    r.advance(10);
    let b2 = png(25, 9);
    let mut p = media_payload("k:b", "png", &b2);
    p["file"]["name"] = json!("\u{1}new\tname.png ");
    p["sourceClientId"] = json!("guest-1");
    let snap = r.ok(1, "uploadSessionMediaFile", p);
    let meta = &snap["sessionMediaMeta"];
    assert_eq!(meta["filesCount"], 3);
    assert_eq!(meta["totalBytes"], 10 + 25 + 30);
    assert_eq!(meta["updatedAt"], T0 + 40);
    assert_eq!(meta["uploadedBy"], "host-1");

    let manifest = r.ok(2, "getSessionMediaManifest", json!({"sessionCode": CODE}));
    assert_eq!(
        manifest,
        json!({
            "files": [
                {"identity": "k:a", "name": "k:a.png", "ext": "png", "mime": "image/png", "size": 10, "sha256": sha256_hex(&a), "updatedAt": T0 + 10},
                {"identity": "k:b", "name": "newname.png", "ext": "png", "mime": "image/png", "size": 25, "sha256": sha256_hex(&b2), "updatedAt": T0 + 40},
                {"identity": "k:c", "name": "k:c.png", "ext": "png", "mime": "image/png", "size": 30, "sha256": sha256_hex(&c), "updatedAt": T0 + 30},
            ],
            "filesCount": 3, "totalBytes": 65, "updatedAt": T0 + 40, "uploadedBy": "host-1",
        })
    );
    let snap = r.snapshot(CODE).unwrap();
    assert_eq!(
        snap.session_media_meta.unwrap().updated_at,
        manifest["updatedAt"].as_u64().unwrap()
    );

    let got = r.ok(
        2,
        "getSessionMediaFile",
        json!({"sessionCode": CODE, "identity": "k:b"}),
    );
    let f = &got["file"];
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(f["dataBase64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, b2);
    assert_eq!(f["sha256"], sha256_hex(&bytes));
    assert_eq!(f["size"], 25);
    assert_eq!(f["updatedAt"], T0 + 40);
    assert_eq!(
        (f["ext"].as_str(), f["mime"].as_str(), f["name"].as_str()),
        (Some("png"), Some("image/png"), Some("newname.png"))
    );
}

#[test]
fn reset_empties_and_dates_the_media() {
    let mut r = Relay::room();
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(10, 1)),
    );
    r.advance(50);
    let (events, reply) = r.request(1, "resetSessionMediaPack", json!({"sessionCode": CODE}));
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "session-media-reset")]
    );
    let meta = &reply.unwrap()["sessionMediaMeta"];
    assert_eq!(
        (
            meta["filesCount"].as_u64(),
            meta["totalBytes"].as_u64(),
            meta["updatedAt"].as_u64()
        ),
        (Some(0), Some(0), Some(T0 + 50))
    );
    // Uploading again after a reset starts a new order.
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:b", "png", &png(10, 2)),
    );
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(10, 1)),
    );
    let m = r.ok(2, "getSessionMediaManifest", json!({"sessionCode": CODE}));
    assert_eq!(m["files"][0]["identity"], "k:b");
    assert_eq!(m["files"][1]["identity"], "k:a");
}
