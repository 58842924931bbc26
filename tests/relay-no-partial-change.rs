//! A rejected request changes nothing: for a set of refused requests the room snapshot (and
//! the stored pack and media) are exactly as before, and nobody hears an event.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

#[test]
fn rejected_requests_leave_the_room_as_it_was() {
    let mut r = Relay::room_with(|s| {
        s.max_session_media_files = 2;
        s.max_session_media_file_bytes = 64;
        s.max_session_media_total_bytes = 100;
        s.max_session_pack_bytes = 1024;
        s.max_state_bytes = 1024;
        s.max_participants = 3;
        s.rate_max_messages = 1000;
    });
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack()}),
    );
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(50, 1)),
    );
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:b", "png", &png(40, 2)),
    );
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true, "mediaOrderKeys": ["k:a"]}}),
    );
    r.join(3, "guest-2");
    r.take(1);
    r.take(2);
    r.take(3);
    let before = r.snapshot(CODE).unwrap();
    let pack_before = r.ok(2, "getSessionPack", json!({"sessionCode": CODE}));
    let manifest_before = r.ok(2, "getSessionMediaManifest", json!({"sessionCode": CODE}));
    r.advance(1_000);

    let mut bad_pack = pack();
    bad_pack["session"]["memoryType"] = json!("none");
    let mut big_pack = pack();
    big_pack["pad"] = json!("p".repeat(2000));
    let mut bad_mime = media_payload("k:a", "png", &png(50, 9));
    bad_mime["file"]["mime"] = json!("image/gif");
    let rejected: Vec<(u64, &str, Value)> = vec![
        (
            1,
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": bad_pack}),
        ),
        (
            1,
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": big_pack}),
        ),
        (
            1,
            "uploadSessionMediaFile",
            media_payload("k:c", "png", &png(8, 3)),
        ),
        (
            1,
            "uploadSessionMediaFile",
            media_payload("k:a", "png", &png(61, 3)),
        ),
        (
            1,
            "uploadSessionMediaFile",
            media_payload("k:a", "png", &png(65, 3)),
        ),
        (1, "uploadSessionMediaFile", bad_mime),
        (
            1,
            "uploadSessionMediaFile",
            media_payload("k:a", "jpg", &png(50, 3)),
        ),
        (
            1,
            "uploadSessionMediaFile",
            json!({"sessionCode": CODE, "file": {"identity": "k:a"}}),
        ),
        (
            1,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"isPlaying": true, "mode": "nope"}}),
        ),
        (
            1,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"reason": "r".repeat(2000)}}),
        ),
        (
            1,
            "sendRtcSignal",
            json!({"sessionCode": CODE, "signalType": "offer", "signalPayload": {}}),
        ),
        (
            1,
            "sendDrawingSync",
            json!({"sessionCode": CODE, "msgType": "x"}),
        ),
        (
            1,
            "updateParticipantProfile",
            json!({"sessionCode": CODE, "displayName": " "}),
        ),
        (
            1,
            "createRoom",
            json!({"sessionCode": CODE, "hostClientId": "other"}),
        ),
        (
            2,
            "updateRoom",
            json!({"sessionCode": CODE, "patch": {"sessionName": "x", "controlMode": "shared-pause"}}),
        ),
        (
            2,
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": pack()}),
        ),
        (2, "resetSessionMediaPack", json!({"sessionCode": CODE})),
        (
            2,
            "uploadSessionMediaFile",
            media_payload("k:z", "png", &png(8, 1)),
        ),
        (
            2,
            "setSessionMediaUploadStatus",
            json!({"sessionCode": CODE, "inProgress": true}),
        ),
        (
            2,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"isPlaying": false}}),
        ),
        (
            2,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": false}}),
        ),
        (
            2,
            "sendRtcSignal",
            json!({"sessionCode": CODE, "targetClientId": "ghost", "signalType": "peer-reset"}),
        ),
        (
            2,
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "k:zz"}),
        ),
        (
            4,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-3"}),
        ),
        (
            5,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "host-1"}),
        ),
        (
            6,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-1"}),
        ),
        (7, "getRoomSnapshot", json!({"sessionCode": CODE})),
    ];
    for (conn, action, p) in rejected {
        if conn > 3 {
            r.connect(conn);
        }
        let (events, reply) = r.request(conn, action, p.clone());
        assert!(reply.is_err(), "{action} {p} succeeded");
        assert!(events.is_empty(), "{action}: {events:?}");
        assert_eq!(r.snapshot(CODE).unwrap(), before, "{action} {p}");
    }
    for conn in [1, 2, 3] {
        assert!(r.take(conn).is_empty(), "conn {conn} heard something");
    }
    assert_eq!(
        r.ok(2, "getSessionPack", json!({"sessionCode": CODE})),
        pack_before
    );
    assert_eq!(
        r.ok(2, "getSessionMediaManifest", json!({"sessionCode": CODE})),
        manifest_before
    );
}
