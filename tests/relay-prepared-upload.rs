//! A message read and checked ahead ([`Prepared::read`], on another thread in the
//! server) gets exactly the replies and events of the same bytes handed to the core:
//! a valid upload, a file that fails its checks, an upload by a non-host (refused
//! before the file is looked at), one past the size limit, and other requests.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use online_sync::relay::{Prepared, RelayOutput};
use serde_json::json;

fn drain(r: &mut Relay) -> Vec<RelayOutput> {
    std::iter::from_fn(|| r.core.poll_output()).collect()
}

#[test]
fn prepared_messages_are_answered_as_the_plain_ones() {
    let mut plain = Relay::room_with(|s| s.max_session_media_file_bytes = 4096);
    let mut ahead = Relay::room_with(|s| s.max_session_media_file_bytes = 4096);
    let mut bad = media_payload("k:bad", "png", &png(64, 1));
    bad["file"]["dataBase64"] = json!("not base64!");
    let cases = [
        (
            1,
            "uploadSessionMediaFile",
            media_payload("k:a", "png", &png(100, 1)),
        ),
        (1, "uploadSessionMediaFile", bad),
        (
            2,
            "uploadSessionMediaFile",
            media_payload("k:b", "png", &png(100, 2)),
        ),
        (
            1,
            "uploadSessionMediaFile",
            media_payload("k:c", "png", &png(5000, 3)),
        ),
        (1, "getSessionMediaManifest", json!({"sessionCode": CODE})),
        (2, "getRoomSnapshot", json!({"sessionCode": CODE})),
    ];
    for (i, (conn, action, mut payload)) in cases.into_iter().enumerate() {
        payload["sessionCode"] = json!(CODE);
        let text =
            json!({"type": "request", "id": format!("r{i}"), "action": action, "payload": payload})
                .to_string();
        plain
            .core
            .handle_message(conn, text.as_bytes(), T0 + i as u64);
        let message = Prepared::read(text.as_bytes(), ahead.core.settings());
        ahead.core.handle_prepared(conn, message, T0 + i as u64);
        let (a, b) = (drain(&mut plain), drain(&mut ahead));
        assert!(!a.is_empty(), "{action}");
        assert_eq!(a, b, "{action} #{i}");
    }
}
