//! Pack errors: `session-pack-not-found` before any upload; `session-pack-too-large` when the
//! input's JSON is over the limit (checked first); `invalid-session-pack` for anything else
//! wrong. A refused upload keeps the previous pack.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

#[test]
fn no_pack_yet() {
    let mut r = Relay::room();
    assert_eq!(
        r.err(2, "getSessionPack", json!({"sessionCode": CODE})),
        "session-pack-not-found"
    );
    assert_eq!(
        r.err(1, "getSessionPack", json!({"sessionCode": CODE})),
        "session-pack-not-found"
    );
}

#[test]
fn invalid_packs_are_refused() {
    let mut r = Relay::room();
    let with = |path: &[&str], v: Value| {
        let mut p = pack();
        let mut cur = &mut p;
        for k in &path[..path.len() - 1] {
            cur = &mut cur[*k];
        }
        cur[path[path.len() - 1]] = v;
        p
    };
    let mut no_session = pack();
    no_session.as_object_mut().unwrap().remove("session");
    let mut no_memory_type = pack();
    no_memory_type["session"]
        .as_object_mut()
        .unwrap()
        .remove("memoryType");
    let cases = [
        json!(null),
        json!([]),
        json!("pack"),
        json!({}),
        with(&["schema"], json!("other")),
        with(&["version"], json!(2)),
        with(&["version"], json!("one")),
        no_session,
        no_memory_type,
        with(&["session"], json!([])),
        with(&["session", "mode"], json!("fast")),
        with(&["session", "selectedDuration"], json!(0)),
        with(&["session", "imagesCount"], json!(-1)),
        with(
            &["session", "customQueue"],
            json!([{"type": "nap", "duration": 1}]),
        ),
        with(&["session", "mediaOrderKeys"], json!(["bad key"])),
        with(&["mediaRefs"], json!([{"identity": "k:a"}])),
        with(&["mediaRefs"], json!([{"identity": "a/b", "index": 0}])),
    ];
    for p in cases {
        assert_eq!(
            r.err(
                1,
                "uploadSessionPack",
                json!({"sessionCode": CODE, "pack": p})
            ),
            "invalid-session-pack",
            "{p}"
        );
    }
    assert_eq!(
        r.err(1, "uploadSessionPack", json!({"sessionCode": CODE})),
        "invalid-session-pack"
    );
    // The version may be a numeric string.
    let ok = with(&["version"], json!("1"));
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": ok}),
    );
    assert!(r.snapshot(CODE).unwrap().session_pack_meta.is_some());
}

#[test]
fn size_is_checked_first_and_a_refusal_keeps_the_old_pack() {
    let mut r = Relay::room_with(|s| s.max_session_pack_bytes = 1024);
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack()}),
    );
    let before = r.ok(2, "getSessionPack", json!({"sessionCode": CODE}));
    let len = serde_json::to_string(&pack()).unwrap().len();
    // Unknown keys count toward the size even though they are dropped.
    let mut big = pack();
    big["notes"] = json!("n".repeat(1024 - len - r#","notes":"""#.len() + 1));
    assert_eq!(
        r.err(
            1,
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": big.clone()})
        ),
        "session-pack-too-large"
    );
    big["notes"] = json!("n".repeat(1024 - len - r#","notes":"""#.len()));
    r.ok(
        1,
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": big}),
    );
    let mut big_and_bad = pack();
    big_and_bad["schema"] = json!("x".repeat(2000));
    assert_eq!(
        r.err(
            1,
            "uploadSessionPack",
            json!({"sessionCode": CODE, "pack": big_and_bad})
        ),
        "session-pack-too-large"
    );
    assert_eq!(
        r.ok(2, "getSessionPack", json!({"sessionCode": CODE}))["hash"],
        before["hash"]
    );
}
