//! `session-media-too-large`: a file over the per-file limit (checked from `size` before the
//! data), a session total over its limit (a replacement counts as a replacement), and a
//! 301st file (a replacement at 300 files is fine).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn per_file_limit_comes_from_the_declared_size() {
    let mut r = Relay::room();
    let max = 2 * 1024 * 1024;
    let mut p = media_payload("k:a", "png", &png(16, 0));
    p["file"]["size"] = json!(max + 1);
    assert_eq!(
        r.err(1, "uploadSessionMediaFile", p),
        "session-media-too-large"
    );
    let big = png(max, 3);
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &big),
    );
    let mut over = png(max + 1, 3);
    over[max] = 9;
    assert_eq!(
        r.err(
            1,
            "uploadSessionMediaFile",
            media_payload("k:b", "png", &over)
        ),
        "session-media-too-large"
    );
    // Over the session total is invalid, not too large (size must be 1..=total).
    let mut p = media_payload("k:c", "png", &png(16, 0));
    p["file"]["size"] = json!(256u64 * 1024 * 1024 + 1);
    assert_eq!(
        r.err(1, "uploadSessionMediaFile", p),
        "invalid-session-media"
    );
    assert_eq!(
        r.snapshot(CODE)
            .unwrap()
            .session_media_meta
            .unwrap()
            .files_count,
        1
    );
}

#[test]
fn session_total_counts_replacements_as_replacements() {
    let mut r = Relay::room_with(|s| {
        s.max_session_media_file_bytes = 64;
        s.max_session_media_total_bytes = 100;
    });
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(60, 1)),
    );
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:b", "png", &png(40, 2)),
    );
    assert_eq!(
        r.err(
            1,
            "uploadSessionMediaFile",
            media_payload("k:c", "png", &png(8, 3))
        ),
        "session-media-too-large"
    );
    assert_eq!(
        r.err(
            1,
            "uploadSessionMediaFile",
            media_payload("k:a", "png", &png(61, 1))
        ),
        "session-media-too-large"
    );
    let snap = r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:a", "png", &png(52, 1)),
    );
    assert_eq!(snap["sessionMediaMeta"]["totalBytes"], 92);
    r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:c", "png", &png(8, 3)),
    );
    let meta = r.snapshot(CODE).unwrap().session_media_meta.unwrap();
    assert_eq!((meta.files_count, meta.total_bytes), (3, 100));
}

#[test]
fn three_hundred_and_first_file_is_refused() {
    let mut r = Relay::room_with(|s| s.rate_max_messages = 10_000);
    let data = png(8, 0);
    for i in 0..300 {
        r.ok(
            1,
            "uploadSessionMediaFile",
            media_payload(&format!("k:{i}"), "png", &data),
        );
    }
    r.take(2);
    assert_eq!(
        r.err(
            1,
            "uploadSessionMediaFile",
            media_payload("k:300", "png", &data)
        ),
        "session-media-too-large"
    );
    assert!(r.take(2).is_empty());
    let snap = r.ok(
        1,
        "uploadSessionMediaFile",
        media_payload("k:299", "png", &png(9, 1)),
    );
    assert_eq!(snap["sessionMediaMeta"]["filesCount"], 300);
    assert_eq!(snap["sessionMediaMeta"]["totalBytes"], 300 * 8 + 1);
}
