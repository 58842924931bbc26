//! Downloads verify every file: a corrupted file is skipped (after retries for
//! transient errors) and the download ends with session-media-incomplete:<d>/<n>.
//! Here the test plays the relay by hand, frame by frame.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::DownloadState;
use online_sync::client::{ClientCore, ClientOutput, JoinOptions, OpValue};
use online_sync::validate::digest::sha256_hex;
use online_sync::validate::media::to_base64;
use online_sync::{ClientSettings, SyncError};
use serde_json::{json, Value};
use support::png;

struct Scripted {
    core: ClientCore,
    now: u64,
    done: Vec<(u64, Result<OpValue, SyncError>)>,
    files: usize,
}

impl Scripted {
    fn joined() -> Scripted {
        let mut core = ClientCore::new(Some("guest-1".into()), ClientSettings::default(), [3; 16]);
        let opts = JoinOptions {
            session_code: "ABCD-EFGH".into(),
            ..Default::default()
        };
        core.join_session(1, opts, 1000);
        let mut s = Scripted {
            core,
            now: 1000,
            done: Vec::new(),
            files: 0,
        };
        assert!(s.next_sent().is_none());
        s.core.handle_connected(s.now);
        let (id, req) = s.next_sent().expect("joinRoom");
        assert_eq!(req["action"], "joinRoom");
        let snap = json!({"sessionCode": "ABCD-EFGH", "hostClientId": "host-1", "participantIds": ["host-1", "guest-1"],
            "participantsCount": 2, "sessionMediaMeta": {"filesCount": 2, "updatedAt": 5}});
        s.reply(&id, Ok(snap));
        s
    }

    /// The next frame the client sent, as (id, request).
    fn next_sent(&mut self) -> Option<(String, Value)> {
        while let Some(o) = self.core.poll_output() {
            match o {
                ClientOutput::Send(t) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "notify" {
                        continue; // the hello of every connection (issue 10)
                    }
                    return Some((v["id"].as_str().unwrap_or_default().to_string(), v));
                }
                ClientOutput::Done { op, result } => self.done.push((op, result)),
                ClientOutput::MediaFile { .. } => self.files += 1,
                _ => {}
            }
        }
        None
    }

    /// The next request for `action`, skipping others (e.g. updateParticipantState).
    fn expect(&mut self, action: &str) -> (String, Value) {
        loop {
            if let Some((id, v)) = self.next_sent() {
                if v["action"] == action {
                    return (id, v);
                }
                self.reply(&id, Ok(json!({"sessionCode": "ABCD-EFGH"})));
                continue;
            }
            let t = self
                .core
                .poll_timeout()
                .unwrap_or_else(|| panic!("waiting for {action}, nothing scheduled"));
            self.now = self.now.max(t);
            self.core.handle_timeout(self.now);
        }
    }

    fn reply(&mut self, id: &str, r: Result<Value, &str>) {
        let frame = match r {
            Ok(v) => json!({"type": "response", "id": id, "ok": true, "result": v}),
            Err(code) => json!({"type": "response", "id": id, "ok": false, "error": code}),
        };
        self.core.handle_frame(&frame.to_string(), self.now);
    }
}

fn file_json(identity: &str, bytes: &[u8], sha: &str) -> Value {
    json!({"file": {"identity": identity, "name": "p.png", "ext": "png", "mime": "image/png",
        "size": bytes.len(), "sha256": sha, "dataBase64": to_base64(bytes), "updatedAt": 5}})
}

#[test]
fn a_corrupted_file_is_skipped_and_the_download_is_incomplete() {
    let mut s = Scripted::joined();
    let (a, b) = (png(1), png(2));
    s.core.download_session_media(7, s.now);
    let (id, _) = s.expect("getSessionMediaManifest");
    let entry = |i: &str, bytes: &[u8]| {
        json!({"identity": i, "name": "p.png", "ext": "png", "mime": "image/png",
        "size": bytes.len(), "sha256": sha256_hex(bytes), "updatedAt": 5})
    };
    s.reply(
        &id,
        Ok(
            json!({"files": [entry("a", &a), entry("b", &b)], "filesCount": 2,
        "totalBytes": a.len() + b.len(), "updatedAt": 5, "uploadedBy": "host-1"}),
        ),
    );
    let (id, req) = s.expect("getSessionMediaFile");
    assert_eq!(req["payload"]["identity"], "a");
    s.reply(&id, Ok(file_json("a", &a, &sha256_hex(&a))));
    let (id, req) = s.expect("getSessionMediaFile");
    assert_eq!(req["payload"]["identity"], "b");
    // The bytes of b do not match the hash the manifest announced.
    let mut bad = b.clone();
    bad[20] ^= 1;
    s.reply(&id, Ok(file_json("b", &bad, &sha256_hex(&bad))));
    s.expect("updateParticipantState");
    let _ = s.next_sent();
    let (op, r) = s.done.pop().expect("download finished");
    assert_eq!(op, 7);
    assert_eq!(r.unwrap_err().code(), "session-media-incomplete:1/2");
    assert_eq!(s.files, 1);
    let md = &s.core.state().media_download;
    assert_eq!(
        (md.state, md.files_done, md.files_skipped),
        (DownloadState::Error, 1, 1)
    );
}

#[test]
fn a_rate_limited_file_is_retried_with_backoff_and_requests_are_paced() {
    let mut s = Scripted::joined();
    let a = png(1);
    s.core.download_session_media(7, s.now);
    let (id, _) = s.expect("getSessionMediaManifest");
    s.reply(&id, Ok(json!({"files": [{"identity": "a", "name": "p.png", "ext": "png", "mime": "image/png",
        "size": a.len(), "sha256": sha256_hex(&a), "updatedAt": 5}], "filesCount": 1, "updatedAt": 5})));
    let (id, _) = s.expect("getSessionMediaFile");
    let first = s.now;
    s.reply(&id, Err("rate-limited"));
    let (id, _) = s.expect("getSessionMediaFile");
    assert!(
        s.now - first >= 140,
        "retried after the 140 ms backoff, not at once"
    );
    s.reply(&id, Ok(file_json("a", &a, &sha256_hex(&a))));
    let _ = s.expect("updateParticipantState");
    let _ = s.next_sent();
    let (_, r) = s.done.pop().expect("finished");
    assert_eq!(
        r.unwrap(),
        OpValue::Downloaded {
            files: 1,
            bytes: a.len() as u64
        }
    );
}

#[test]
fn malformed_frames_are_ignored_and_change_nothing() {
    let mut s = Scripted::joined();
    let before = s.core.state().clone();
    for junk in [
        "",
        "{",
        "[]",
        "null",
        r#"{"type":"event"}"#,
        r#"{"type":"event","event":{"type":"room-updated","sessionCode":"ABCD-EFGH","snapshot":[1]}}"#,
        r#"{"type":"response","id":"999","ok":true,"result":{}}"#,
        r#"{"type":"event","event":{"type":"room-closed","sessionCode":"ZZZZ-ZZZZ"}}"#,
        r#"{"type":"event","event":{"type":"session-state-updated","sessionCode":"ABCD-EFGH","state":"x"}}"#,
        "\u{0}\u{1}",
    ] {
        s.core.handle_frame(junk, s.now);
    }
    assert_eq!(s.core.state(), &before);
}
