//! Rooms to records and back (sans-IO): every room field survives `Room -> record ->
//! Room` (password, members, tokens, state and its revision, pack hash and text, media
//! bytes and sha, the upload lock), restored members are away and resume with their
//! token; dirty tracking yields a `Put` after a change and a `Delete` once a room closes;
//! a record that does not fit is reported and skipped whole.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod resume;
use common::relay::*;
use online_sync::relay::persist::PersistOp;
use online_sync::store::RoomRecord;
use resume::{negotiate, token};
use serde_json::{json, Value};
use std::collections::HashMap;

/// A negotiated password room with state, pack, two media files and an upload lock;
/// returns the relay, the guest's token, the records drained and the media bytes.
fn busy_room() -> (Relay, String, Vec<RoomRecord>, HashMap<String, Vec<u8>>) {
    let mut r = Relay::new(settings());
    r.core.enable_persistence();
    negotiate(&mut r, 1);
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "s3cret", "sessionName": "Life", "controlMode": "shared-pause"}),
    );
    negotiate(&mut r, 2);
    let guest = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1", "password": "s3cret", "displayName": "Ann"}),
    );
    r.advance(10);
    r.ok(
        1,
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true, "currentIndex": 3}}),
    );
    r.advance(10);
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack()}),
    );
    for (i, id) in ["k:a", "k:b"].into_iter().enumerate() {
        r.advance(10);
        let bytes = png(40 + i, i as u8);
        r.ok(
            1,
            "uploadSessionMediaFile",
            media_payload(id, "png", &bytes),
        );
    }
    r.advance(10);
    r.ok(
        1,
        "setSessionMediaUploadStatus",
        json!({"sessionCode": CODE, "inProgress": true, "total": 5}),
    );
    let mut records = Vec::new();
    let mut media = HashMap::new();
    for op in r.core.poll_persist() {
        match op {
            PersistOp::Put { record, media: m } => {
                records.push(*record);
                media.extend(m);
            }
            PersistOp::Delete(code) => panic!("unexpected delete {code}"),
        }
    }
    (r, token(&guest), records, media)
}

fn snapshot_json(r: &Relay) -> Value {
    serde_json::to_value(r.snapshot(CODE).unwrap()).unwrap()
}

#[test]
fn every_room_field_survives_a_round_trip() {
    let (old, _, records, media) = busy_room();
    assert_eq!(records.len(), 1, "one room changed, one record");
    assert_eq!(media.len(), 2);
    let record = &records[0];
    assert!(record.password_hash.is_some());
    assert!(!serde_json::to_string(record).unwrap().contains("s3cret"));
    assert!(record
        .members
        .iter()
        .all(|m| m.resume_token_hash.len() == 64));

    let mut new = Relay::new(settings());

    new.core.enable_persistence();
    new.now = old.now + 5_000;
    let skipped = new
        .core
        .restore(records.clone(), |sha| media.get(sha).cloned(), new.now);
    assert!(skipped.is_empty(), "{skipped:?}");

    // The snapshot is the same but for hostConnected: every member is away.
    let mut before = snapshot_json(&old);
    let after = snapshot_json(&new);
    assert_eq!(before["hostConnected"], true);
    assert_eq!(after["hostConnected"], false);
    before["hostConnected"] = json!(false);
    assert_eq!(before, after);
    assert_eq!(after["sessionStateRevision"], 1);

    // Room -> record -> Room -> record: identical, except members now disconnected.
    let mut again = new.core.poll_persist();
    assert!(again.is_empty(), "restoring marks nothing dirty: {again:?}");
    new.connect(9);
    let refused = new.err(9, "getRoomSnapshot", json!({"sessionCode": CODE}));
    assert_eq!(refused, "not-joined");
    again = new.core.poll_persist();
    assert!(again.is_empty());
    let mut expected = records[0].clone();
    for m in &mut expected.members {
        m.connected = false;
    }
    let restored = new.core.room_record(CODE).unwrap();
    assert_eq!(restored, expected);
}

#[test]
fn restored_room_keeps_password_pack_media_and_tokens() {
    let (mut old, guest_token, records, media) = busy_room();
    // Past the upload lock's staleness, so a participant may read the media.
    old.advance(settings().upload_lock_stale_ms);
    let pack_before = old.ok(2, "getSessionPack", json!({"sessionCode": CODE}));
    let file_before = old.ok(
        2,
        "getSessionMediaFile",
        json!({"sessionCode": CODE, "identity": "k:b"}),
    );
    let mut new = Relay::new(settings());
    new.core.enable_persistence();
    new.now = old.now + 1_000;
    assert!(new
        .core
        .restore(records, |sha| media.get(sha).cloned(), new.now)
        .is_empty());

    new.connect(3);
    let wrong = new.err(
        3,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-2", "password": "nope"}),
    );
    assert_eq!(wrong, "invalid-password");
    new.ok(
        3,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-2", "password": "s3cret"}),
    );
    assert_eq!(
        new.ok(3, "getSessionPack", json!({"sessionCode": CODE})),
        pack_before
    );
    assert_eq!(
        new.ok(
            3,
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "k:b"})
        ),
        file_before
    );

    // The guest resumes with the token it held before the restart.
    let back = resume::resume(&mut new, 4, &guest_token).unwrap();
    assert_eq!(back["clientId"], "guest-1");
    assert_eq!(back["role"], "participant");
    assert_ne!(token(&back), guest_token);
    let name = old.snapshot(CODE).unwrap().participant_profiles["guest-1"].clone();
    assert_eq!(back["participantProfiles"]["guest-1"], json!(name));
    // The host comes back too; a host's resume marks it connected.
    let host_token_hash_kept = new.core.room_record(CODE).unwrap().members[0]
        .resume_token_hash
        .clone();
    assert_eq!(host_token_hash_kept.len(), 64);
}

#[test]
fn restored_members_have_no_grace_and_the_ttl_bounds_the_room() {
    let (old, _, records, media) = busy_room();
    let mut new = Relay::new(settings());
    new.core.enable_persistence();
    new.now = old.now;
    new.core
        .restore(records, |sha| media.get(sha).cloned(), new.now);
    new.advance(60_000 * 5);
    new.core.handle_timeout(new.now);
    assert!(
        new.snapshot(CODE).is_some(),
        "no grace timer for restored members"
    );
    let ttl = settings().room_idle_ttl_ms;
    new.advance(ttl);
    new.core.handle_timeout(new.now);
    new.advance(settings().room_cleanup_interval_ms);
    new.core.handle_timeout(new.now);
    assert!(new.snapshot(CODE).is_none(), "the idle TTL closes it");
    assert_eq!(
        new.core.poll_persist(),
        vec![PersistOp::Delete(CODE.to_string())]
    );
}

#[test]
fn a_closed_room_is_deleted() {
    let mut r = Relay::room();
    // Nothing is tracked until persistence is on (no data dir, MockRelay).
    assert!(r.core.poll_persist().is_empty(), "not tracked while off");
    r.core.enable_persistence();
    r.ok(1, "getRoomSnapshot", json!({"sessionCode": CODE}));
    assert_eq!(r.core.poll_persist().len(), 1);
    r.ok(1, "leaveRoom", json!({"sessionCode": CODE}));
    assert_eq!(
        r.core.poll_persist(),
        vec![PersistOp::Delete(CODE.to_string())]
    );
    assert!(r.core.poll_persist().is_empty(), "drained");
}

#[test]
fn a_record_that_does_not_fit_is_skipped_whole() {
    let (_, _, records, media) = busy_room();
    let good = records[0].clone();
    let mut other = good.clone();
    other.code = "WXYZ-2345".to_string();
    let mut bad_pw = good.clone();
    bad_pw.code = "BBBB-CCCC".to_string();
    bad_pw.password_hash = Some("zz:00".to_string());
    let mut bad_token = good.clone();
    bad_token.code = "DDDD-EEEE".to_string();
    bad_token.members[1].resume_token_hash = "x".repeat(64);
    let mut missing_media = good.clone();
    missing_media.code = "FFFF-GGGG".to_string();
    missing_media.media.files[0].sha256 = "0".repeat(64);
    let mut bad_code = good.clone();
    bad_code.code = "nope".to_string();
    let mut r = Relay::new(settings());
    r.core.enable_persistence();
    let skipped = r.core.restore(
        vec![other, bad_pw, bad_token, missing_media, bad_code, good],
        |sha| media.get(sha).cloned(),
        T0,
    );
    let codes: Vec<&str> = skipped.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["BBBB-CCCC", "DDDD-EEEE", "FFFF-GGGG", "nope"]);
    assert!(skipped[0].reason.contains("password"));
    assert_eq!(r.core.room_count(), 2);
    assert!(r.snapshot("FFFF-GGGG").is_none(), "never half-loaded");
}
