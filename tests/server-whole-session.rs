//! A whole session over real sockets: a host and two participants use every action
//! of PROTOCOL.md once, plus the transport rules of section 1 (event before reply
//! for the sender, numeric ids echoed as strings, binary frames, malformed JSON
//! ignored) and a representative set of error codes.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use base64::Engine;
use net::{create_room, join_room, Client, Server, CODE};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Index of the first frame that is this event (by `type` and `source`).
fn position(frames: &[Value], kind: &str, source: Option<&str>) -> Option<usize> {
    frames.iter().position(|f| {
        f["type"] == "event"
            && f["event"]["type"] == kind
            && source.is_none_or(|s| f["event"]["source"] == s)
    })
}

/// Sends a request and checks that the sender got `kind`/`source` before the reply.
async fn ok_with_event_first(
    c: &mut Client,
    action: &str,
    payload: Value,
    kind: &str,
    source: Option<&str>,
) -> Value {
    let frames = c.request_frames(action, payload).await;
    let reply = frames.last().expect("reply").clone();
    assert_eq!(reply["ok"], true, "{action}: {reply}");
    let at = position(&frames, kind, source)
        .unwrap_or_else(|| panic!("{action}: no {kind}/{source:?} before the reply: {frames:?}"));
    assert!(at < frames.len() - 1);
    reply["result"].clone()
}

/// The next frame on `c` is the reply to a fresh request: nothing was queued for it.
async fn nothing_queued(c: &mut Client) {
    let frames = c
        .request_frames("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(
        frames.len(),
        1,
        "unexpected frames before the reply: {frames:?}"
    );
}

#[tokio::test]
async fn host_and_two_participants_use_every_action() {
    let server = Server::start(net::config()).await;
    let mut host = server.client().await;
    let mut p1 = server.client().await;
    let mut p2 = server.client().await;

    // createRoom: the creator gets no `host-created` event of its own.
    let snap = create_room(&mut host, "secret").await;
    assert_eq!(snap["sessionCode"], CODE);
    assert_eq!(snap["controlMode"], "shared-pause");
    assert_eq!(snap["participantIds"], json!(["host-1"]));

    // joinRoom (x2): the others hear `participant-joined`.
    let snap = join_room(&mut p1, "guest-1", "secret").await;
    assert_eq!(snap["participantIds"], json!(["host-1", "guest-1"]));
    assert_eq!(snap["participantSyncStates"]["guest-1"], "connecting");
    host.room_event("room-updated", "participant-joined").await;
    join_room(&mut p2, "guest-2", "secret").await;
    host.room_event("room-updated", "participant-joined").await;
    p1.room_event("room-updated", "participant-joined").await;

    // updateRoom: the sender gets the event before its reply.
    let snap = ok_with_event_first(
        &mut host,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "Evening poses"}}),
        "room-updated",
        Some("room-updated"),
    )
    .await;
    assert_eq!(snap["sessionName"], "Evening poses");
    p1.room_event("room-updated", "room-updated").await;
    p2.room_event("room-updated", "room-updated").await;

    // getRoomSnapshot with a numeric id: the reply's id is the string "7".
    p1.send_text(&format!(
        r#"{{"type":"request","id":7,"action":"getRoomSnapshot","payload":{{"sessionCode":"{CODE}"}}}}"#
    ))
    .await;
    let frames = p1.frames_until_response("7").await;
    let reply = frames.last().unwrap();
    assert_eq!(reply["id"], json!("7"));
    assert_eq!(reply["result"]["participantsCount"], 3);

    // updateSessionState by the host: revision 1, broadcast before the reply.
    let state = json!({"sessionActive": true, "isPlaying": true, "mode": "classique",
        "selectedDuration": 60, "timeRemaining": 60, "currentIndex": 0});
    let st = ok_with_event_first(
        &mut host,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": state}),
        "session-state-updated",
        Some("host-state-update"),
    )
    .await;
    assert_eq!(st["revision"], 1);
    assert_eq!(st["sourceClientId"], "host-1");
    let ev = p2
        .room_event("session-state-updated", "host-state-update")
        .await;
    assert_eq!(ev["state"]["revision"], 1);

    // updateSessionState by a participant: a shared-pause request (revision unchanged).
    let signal = ok_with_event_first(
        &mut p1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"requestType": "pause", "isPlaying": false}}),
        "session-state-updated",
        Some("shared-playback-request"),
    )
    .await;
    assert_eq!(signal["revision"], 1);
    assert_eq!(signal["reason"], "shared-pause-request");
    let ev = host
        .room_event("session-state-updated", "shared-playback-request")
        .await;
    assert_eq!(ev["state"]["sourceClientId"], "guest-1");

    // updateParticipantState and updateParticipantProfile.
    let snap = p1
        .ok(
            "updateParticipantState",
            json!({"sessionCode": CODE, "syncState": "downloading"}),
        )
        .await;
    assert_eq!(snap["participantSyncStates"]["guest-1"], "downloading");
    host.room_event("room-updated", "participant-state-updated")
        .await;
    let snap = p2
        .ok(
            "updateParticipantProfile",
            json!({"sessionCode": CODE, "displayName": "Guest Two"}),
        )
        .await;
    assert_eq!(snap["participantProfiles"]["guest-2"], "Guest Two");
    host.room_event("room-updated", "participant-profile-updated")
        .await;

    // uploadSessionPack, then getSessionPack: the hash is the SHA-256 of the pack
    // text exactly as spliced into the reply.
    let snap = host
        .ok(
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": net::pack(1)}),
        )
        .await;
    let hash = snap["sessionPackMeta"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    p1.room_event("room-updated", "session-pack-updated").await;
    let raw = p1
        .request_raw("getSessionPack", json!({"sessionCode": CODE}))
        .await;
    #[derive(serde::Deserialize)]
    struct Reply<'a> {
        #[serde(borrow)]
        result: PackResult<'a>,
    }
    #[derive(serde::Deserialize)]
    struct PackResult<'a> {
        #[serde(borrow)]
        pack: &'a serde_json::value::RawValue,
        hash: String,
        size: u64,
    }
    let reply: Reply = serde_json::from_str(&raw).expect("getSessionPack reply");
    assert_eq!(reply.result.hash, hash);
    assert_eq!(
        hex_sha256(reply.result.pack.get().as_bytes()),
        hash,
        "{raw}"
    );
    assert_eq!(
        Value::from(reply.result.size),
        snap["sessionPackMeta"]["size"]
    );
    assert!(reply
        .result
        .pack
        .get()
        .starts_with(r#"{"schema":"posechrono-session-pack","#));

    // Upload lock, reset, one file, unlock.
    host.ok(
        "setSessionMediaUploadStatus",
        json!({"sessionCode": CODE, "inProgress": true, "total": 1}),
    )
    .await;
    p1.room_event("room-updated", "session-media-upload-status")
        .await;
    let code = p1
        .err("getSessionMediaManifest", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(code, "session-media-upload-in-progress");
    host.ok("resetSessionMediaPack", json!({"sessionCode": CODE}))
        .await;
    p1.room_event("room-updated", "session-media-reset").await;
    let png = net::png(1);
    let data = base64::engine::general_purpose::STANDARD.encode(&png);
    let file = json!({"identity": "img-0", "name": "pose 0.png", "ext": "png", "mime": "image/png",
        "size": png.len(), "sha256": hex_sha256(&png), "dataBase64": data});
    let snap = host
        .ok(
            "uploadSessionMediaFile",
            json!({"sessionCode": CODE, "file": file}),
        )
        .await;
    assert_eq!(snap["sessionMediaMeta"]["filesCount"], 1);
    p1.room_event("room-updated", "session-media-updated").await;
    host.ok(
        "setSessionMediaUploadStatus",
        json!({"sessionCode": CODE, "inProgress": false, "total": 1}),
    )
    .await;

    // getSessionMediaManifest and getSessionMediaFile: the bytes round-trip.
    let manifest = p1
        .ok("getSessionMediaManifest", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(manifest["filesCount"], 1);
    assert_eq!(manifest["files"][0]["sha256"], hex_sha256(&png));
    let got = p1
        .ok(
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "img-0"}),
        )
        .await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(got["file"]["dataBase64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, png);

    // sendRtcSignal and sendDrawingSync reach everyone.
    let r = p1
        .ok(
            "sendRtcSignal",
            json!({"sessionCode": CODE, "targetClientId": "host-1", "signalType": "offer",
                "signalPayload": {"type": "offer", "sdp": "v=0\r\n"}}),
        )
        .await;
    assert_eq!(r, json!({"ok": true}));
    let ev = host.event(|e| e["type"] == "rtc-signal").await;
    assert_eq!(ev["sourceClientId"], "guest-1");
    assert_eq!(ev["targetClientId"], "host-1");
    let r = ok_with_event_first(
        &mut host,
        "sendDrawingSync",
        json!({"sessionCode": CODE, "msgType": "stroke-start", "data": {"x": 1, "y": 2}}),
        "drawing-sync",
        None,
    )
    .await;
    assert_eq!(r, json!({"ok": true}));
    let ev = p2.event(|e| e["type"] == "drawing-sync").await;
    assert_eq!(ev["data"], json!({"x": 1, "y": 2}));
    p1.event(|e| e["type"] == "drawing-sync").await;

    // A request in a binary frame is read as UTF-8 and answered.
    let req = json!({"type": "request", "id": "bin-1", "action": "getRoomSnapshot",
        "payload": {"sessionCode": CODE}});
    p2.send_binary(req.to_string().as_bytes()).await;
    let reply = p2.frames_until_response("bin-1").await.pop().unwrap();
    assert_eq!(reply["ok"], true);

    // Malformed JSON and non-objects are ignored: no reply, the socket stays open.
    for junk in ["{not json", "[1,2,3]", "42", "\"request\"", ""] {
        p2.send_text(junk).await;
    }
    p2.send_binary(&[0xff, 0xfe, b'{']).await;
    nothing_queued(&mut p2).await;

    // leaveRoom (participant): ours also ends its subscription.
    let left = p2.ok("leaveRoom", json!({"sessionCode": CODE})).await;
    assert_eq!(left["closed"], false);
    let ev = host.room_event("room-updated", "participant-left").await;
    assert_eq!(
        ev["snapshot"]["participantIds"],
        json!(["host-1", "guest-1"])
    );
    host.ok(
        "sendDrawingSync",
        json!({"sessionCode": CODE, "msgType": "clear-all"}),
    )
    .await;
    // The relay handled the broadcast before p2's next request: nothing was queued.
    let code = p2
        .err("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(code, "not-joined");

    // notify unsubscribe / subscribe: a bound socket can stop and resume events.
    p1.send_json(
        &json!({"type": "notify", "action": "unsubscribe", "payload": {"sessionCode": CODE}}),
    )
    .await;
    p1.event(|e| e["msgType"] == "clear-all").await;
    nothing_queued(&mut p1).await;
    host.ok(
        "sendDrawingSync",
        json!({"sessionCode": CODE, "msgType": "stroke-end"}),
    )
    .await;
    nothing_queued(&mut p1).await;
    p1.send_json(
        &json!({"type": "notify", "action": "subscribe", "payload": {"sessionCode": CODE}}),
    )
    .await;
    nothing_queued(&mut p1).await;

    // leaveRoom (host): the room closes for everyone still subscribed.
    let left = host.ok("leaveRoom", json!({"sessionCode": CODE})).await;
    assert_eq!(left["closed"], true);
    let ev = p1.room_event("room-closed", "host-left").await;
    assert_eq!(ev["sessionCode"], CODE);
    let code = p1
        .err("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(code, "not-joined");
}

#[tokio::test]
async fn representative_error_codes_over_sockets() {
    let server = Server::start(net::config()).await;
    let mut host = server.client().await;
    let mut guest = server.client().await;

    // Envelope errors.
    guest
        .send_text(r#"{"type":"request","action":"getRoomSnapshot"}"#)
        .await;
    let r = guest
        .frames_until_response("missing-id")
        .await
        .pop()
        .unwrap();
    assert_eq!(r["error"], "invalid-request");
    let r = guest.request("noSuchAction", json!({})).await;
    assert_eq!(r["error"], "unknown-action:noSuchAction");
    let id = guest.send_request("getRoomSnapshot", json!([1])).await;
    let r = guest.frames_until_response(&id).await.pop().unwrap();
    assert_eq!(r["error"], "invalid-request");

    // Room lifecycle errors.
    let bad_code = json!({"sessionCode": "nope", "hostClientId": "host-1"});
    assert_eq!(
        host.err("createRoom", bad_code).await,
        "invalid-session-code"
    );
    create_room(&mut host, "secret").await;
    assert_eq!(
        guest
            .err("getSessionPack", json!({"sessionCode": CODE}))
            .await,
        "not-joined"
    );
    let wrong = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "nope"});
    assert_eq!(guest.err("joinRoom", wrong).await, "invalid-password");
    let missing = json!({"sessionCode": "ZZZZ-ZZZZ", "clientId": "guest-1"});
    assert_eq!(guest.err("joinRoom", missing).await, "session-not-found");
    let imp = json!({"sessionCode": CODE, "clientId": "host-1", "password": "secret"});
    assert_eq!(
        guest.err("joinRoom", imp).await,
        "forbidden-host-impersonation"
    );
    join_room(&mut guest, "guest-1", "secret").await;
    let again = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "secret"});
    assert_eq!(guest.err("joinRoom", again).await, "already-joined");
    let mut twin = server.client().await;
    let dup = json!({"sessionCode": CODE, "clientId": "guest-1", "password": "secret"});
    assert_eq!(twin.err("joinRoom", dup).await, "duplicate-client-id");

    // Permission and content errors.
    let patch = json!({"sessionCode": CODE, "patch": {"sessionName": "mine"}});
    assert_eq!(guest.err("updateRoom", patch).await, "forbidden-not-host");
    let st = json!({"sessionCode": CODE, "payload": {"mode": "nope"}});
    assert_eq!(
        host.err("updateSessionState", st).await,
        "invalid-session-state"
    );
    assert_eq!(
        guest
            .err("getSessionPack", json!({"sessionCode": CODE}))
            .await,
        "session-pack-not-found"
    );
    let pack = json!({"sessionCode": CODE, "pack": {"schema": "other"}});
    assert_eq!(
        host.err("uploadSessionPack", pack).await,
        "invalid-session-pack"
    );
    assert_eq!(
        guest
            .err("getSessionMediaManifest", json!({"sessionCode": CODE}))
            .await,
        "session-media-not-found"
    );
    let gif = json!({"sessionCode": CODE, "file": {"identity": "a", "ext": "gif", "size": 1, "dataBase64": "AA=="}});
    assert_eq!(
        host.err("uploadSessionMediaFile", gif).await,
        "session-media-unsupported-type"
    );
    let rtc = json!({"sessionCode": CODE, "signalType": "bogus"});
    assert_eq!(guest.err("sendRtcSignal", rtc).await, "invalid-rtc-signal");
    let draw = json!({"sessionCode": CODE, "msgType": "bogus"});
    assert_eq!(
        guest.err("sendDrawingSync", draw).await,
        "invalid-drawing-sync"
    );
}
