//! With the media kill-switch on, every media action gets `media-transfer-disabled` (after
//! the binding check); packs and everything else still work.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn media_actions_are_switched_off() {
    let mut r = Relay::room_with(|s| s.disable_media_transfer = true);
    let cases = [
        ("resetSessionMediaPack", json!({"sessionCode": CODE})),
        (
            "uploadSessionMediaFile",
            media_payload("k:a", "png", &png(8, 0)),
        ),
        (
            "setSessionMediaUploadStatus",
            json!({"sessionCode": CODE, "inProgress": true, "total": 1}),
        ),
        ("getSessionMediaManifest", json!({"sessionCode": CODE})),
        (
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "k:a"}),
        ),
    ];
    r.connect(3);
    for (action, p) in &cases {
        assert_eq!(
            r.err(1, action, p.clone()),
            "media-transfer-disabled",
            "host {action}"
        );
        assert_eq!(
            r.err(2, action, p.clone()),
            "media-transfer-disabled",
            "participant {action}"
        );
        assert_eq!(
            r.err(3, action, p.clone()),
            "not-joined",
            "unbound {action}"
        );
    }
    assert!(r.take(2).is_empty());
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack()}),
    );
    r.ok(2, "getSessionPack", json!({"sessionCode": CODE}));
}

#[test]
fn from_the_environment() {
    let s = online_sync::RelaySettings::from_lookup(|k| {
        (k == "POSECHRONO_SYNC_DISABLE_MEDIA_TRANSFER").then(|| "on".to_string())
    });
    assert!(s.disable_media_transfer);
}
