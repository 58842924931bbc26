//! Host-only actions from a participant get `forbidden-not-host`: updateRoom, pack upload,
//! media reset, upload and upload status, and any state update in host-only mode; in
//! shared-pause mode a participant's state must be a pause/play request whose `isPlaying`
//! matches.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn every_host_only_action_is_forbidden_to_a_participant() {
    let mut r = Relay::room();
    let before = r.snapshot(CODE).unwrap();
    let cases = [
        (
            "updateRoom",
            json!({"sessionCode": CODE, "patch": {"sessionName": "Mine"}}),
        ),
        ("updateRoom", json!({"sessionCode": CODE})),
        (
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": pack()}),
        ),
        (
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": "not a pack"}),
        ),
        ("resetSessionMediaPack", json!({"sessionCode": CODE})),
        (
            "uploadSessionMediaFile",
            media_payload("k:a", "png", &png(16, 1)),
        ),
        (
            "uploadSessionMediaFile",
            json!({"sessionCode": CODE, "file": null}),
        ),
        (
            "setSessionMediaUploadStatus",
            json!({"sessionCode": CODE, "inProgress": true, "total": 3}),
        ),
        (
            "setSessionMediaUploadStatus",
            json!({"sessionCode": CODE, "inProgress": false}),
        ),
        (
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"isPlaying": true}}),
        ),
        (
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {}}),
        ),
        // A valid shared-pause request, but the room is host-only.
        (
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": false}}),
        ),
    ];
    for (action, p) in cases {
        assert_eq!(
            r.err(2, action, p.clone()),
            "forbidden-not-host",
            "{action} {p}"
        );
        // Spoofing the host's id changes nothing: the bound id is used.
        let mut spoofed = p;
        spoofed["sourceClientId"] = json!("host-1");
        assert_eq!(r.err(2, action, spoofed), "forbidden-not-host", "{action}");
    }
    assert_eq!(r.snapshot(CODE).unwrap(), before);
    assert!(r.take(1).is_empty() && r.take(2).is_empty());
}

#[test]
fn shared_pause_requests_must_be_consistent() {
    let mut r = Relay::room();
    r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"controlMode": "shared-pause"}}),
    );
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true}}),
    );
    r.take(1);
    r.take(2);
    let before = r.snapshot(CODE).unwrap();
    for p in [
        json!({"requestType": "pause", "isPlaying": true}),
        json!({"requestType": "play", "isPlaying": false}),
        json!({"requestType": "pause"}),
        json!({"requestType": "play"}),
        json!({"isPlaying": false}),
        json!({}),
        json!({"currentIndex": 4, "isPlaying": true}),
    ] {
        let body = json!({"sessionCode": CODE, "payload": p});
        assert_eq!(
            r.err(2, "updateSessionState", body),
            "forbidden-not-host",
            "{p}"
        );
    }
    // A non-boolean isPlaying fails validation first.
    let body =
        json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": "false"}});
    assert_eq!(
        r.err(2, "updateSessionState", body),
        "invalid-session-state"
    );
    assert_eq!(r.snapshot(CODE).unwrap(), before);
    assert!(r.take(1).is_empty());
    // The consistent one passes.
    let body =
        json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": false}});
    r.ok(2, "updateSessionState", body);
}
