//! The upload lock: while the host holds it, participants' manifest and file reads get
//! `session-media-upload-in-progress`; the host's own reads pass; a reset keeps it; it is
//! released by `inProgress:false`, or goes stale 5 min after the later of its start and the
//! last file, and the next read then clears it with a `…-stale-cleared` broadcast.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

fn lock(in_progress: Value, total: Value) -> Value {
    json!({"sessionCode": CODE, "inProgress": in_progress, "total": total})
}

fn manifest() -> Value {
    json!({"sessionCode": CODE})
}

#[test]
fn lock_blocks_participant_reads_until_released() {
    let mut r = Relay::room();
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(8, 1)),
    );
    r.take(2);
    r.advance(10);
    let (events, reply) = r.request(
        1,
        "setSessionMediaUploadStatus",
        lock(json!(true), json!(3)),
    );
    let meta = &reply.unwrap()["sessionMediaMeta"];
    assert_eq!(meta["uploadInProgress"], true);
    assert_eq!(meta["uploadTotal"], 3);
    assert_eq!(meta["uploadStartedAt"], T0 + 10);
    assert_eq!(meta["uploadStartedBy"], "host-1");
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "session-media-upload-status")]
    );
    assert_eq!(
        kinds(&r.events(2)),
        vec![ev("room-updated", "session-media-upload-status")]
    );

    assert_eq!(
        r.err(2, "getSessionMediaManifest", manifest()),
        "session-media-upload-in-progress"
    );
    let file = json!({"sessionCode": CODE, "identity": "k:a"});
    assert_eq!(
        r.err(2, "getSessionMediaFile", file.clone()),
        "session-media-upload-in-progress"
    );
    // The lock comes before the identity check.
    assert_eq!(
        r.err(
            2,
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "a/b"})
        ),
        "session-media-upload-in-progress"
    );
    r.ok(1, "getSessionMediaManifest", manifest());
    r.ok(1, "getSessionMediaFile", file.clone());

    // Our fix: the host's reset keeps the lock it holds.
    let snap = r.ok(1, "resetSessionMediaPack", json!({"sessionCode": CODE}));
    assert_eq!(snap["sessionMediaMeta"]["uploadInProgress"], true);
    assert_eq!(snap["sessionMediaMeta"]["filesCount"], 0);
    assert_eq!(
        r.err(2, "getSessionMediaManifest", manifest()),
        "session-media-upload-in-progress"
    );
    assert_eq!(
        r.err(1, "getSessionMediaManifest", manifest()),
        "session-media-not-found"
    );

    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:b", "png", &png(8, 2)),
    );
    // Falsy inProgress releases it.
    let snap = r.ok(1, "setSessionMediaUploadStatus", lock(json!(0), json!(0)));
    assert_eq!(snap["sessionMediaMeta"]["uploadInProgress"], false);
    assert_eq!(snap["sessionMediaMeta"]["uploadStartedBy"], Value::Null);
    assert_eq!(
        r.ok(2, "getSessionMediaManifest", manifest())["filesCount"],
        1
    );
}

#[test]
fn in_progress_is_truthiness_and_total_an_integer() {
    let mut r = Relay::room();
    for (v, want) in [
        (json!("yes"), true),
        (json!(""), false),
        (json!(1), true),
        (json!(null), false),
        (json!({}), true),
        (json!(false), false),
    ] {
        let snap = r.ok(
            1,
            "setSessionMediaUploadStatus",
            lock(v.clone(), json!("2.7")),
        );
        assert_eq!(snap["sessionMediaMeta"]["uploadInProgress"], want, "{v}");
        if want {
            assert_eq!(snap["sessionMediaMeta"]["uploadTotal"], 2);
        }
    }
    let snap = r.ok(
        1,
        "setSessionMediaUploadStatus",
        lock(json!(true), json!("abc")),
    );
    assert_eq!(snap["sessionMediaMeta"]["uploadTotal"], 0);
}

#[test]
fn a_stale_lock_is_cleared_by_the_next_read() {
    let mut r = Relay::room();
    r.ok(
        1,
        "setSessionMediaUploadStatus",
        lock(json!(true), json!(2)),
    );
    r.advance(4 * 60_000);
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(8, 1)),
    );
    r.advance(4 * 60_000);
    // 8 min after the start, 4 min after the last file: still held.
    assert_eq!(
        r.err(2, "getSessionMediaManifest", manifest()),
        "session-media-upload-in-progress"
    );
    r.advance(60_000 - 1);
    assert_eq!(
        r.err(2, "getSessionMediaManifest", manifest()),
        "session-media-upload-in-progress"
    );
    r.take(1);
    r.take(2);
    r.advance(1);
    let updated_at = r.snapshot(CODE).unwrap().updated_at;
    let (events, reply) = r.request(2, "getSessionMediaManifest", manifest());
    assert_eq!(reply.unwrap()["filesCount"], 1);
    assert_eq!(
        kinds(&events),
        vec![ev(
            "room-updated",
            "session-media-upload-status-stale-cleared"
        )]
    );
    assert_eq!(
        events[0]["snapshot"]["sessionMediaMeta"]["uploadInProgress"],
        false
    );
    assert_eq!(r.events(1), events);
    assert_eq!(
        r.snapshot(CODE).unwrap().updated_at,
        updated_at,
        "a read does not bump the room"
    );
    // Cleared once: the next read broadcasts nothing.
    let (events, _) = r.request(2, "getSessionMediaManifest", manifest());
    assert!(events.is_empty());
}
