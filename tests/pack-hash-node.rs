//! The canonical pack text survives JavaScript's `JSON.stringify(JSON.parse(text))` byte for
//! byte, so the deployed clients (which hash that re-serialization) compute our `hash`, and our
//! `size` is JavaScript's `.length`. Runs real Node; fails when `node` is not on PATH.
#![cfg(not(target_arch = "wasm32"))]

mod node;

use online_sync::validate::pack::validate_pack;
use online_sync::RelaySettings;
use serde_json::{json, Value};

/// Reads the pack text on stdin, prints `<sha256 hex>\n<length>\n<re-serialized text>`.
const NODE_SCRIPT: &str = r#"
const crypto = require("crypto");
const fs = require("fs");
const text = fs.readFileSync(0, "utf8");
const again = JSON.stringify(JSON.parse(text));
const hash = crypto.createHash("sha256").update(again, "utf8").digest("hex");
process.stdout.write(hash + "\n" + again.length + "\n" + again);
"#;

struct NodeView {
    hash: String,
    length: usize,
    text: String,
}

fn node_view(text: &str) -> NodeView {
    let stdout = node::run(NODE_SCRIPT, text);
    let mut parts = stdout.splitn(3, '\n');
    let hash = parts.next().expect("hash line").to_string();
    let length = parts
        .next()
        .expect("length line")
        .parse()
        .expect("length is a number");
    let text = parts.next().expect("text").to_string();
    NodeView { hash, length, text }
}

fn session(extra: Value) -> Value {
    let mut s = json!({
        "mode": "classique",
        "selectedDuration": 60,
        "timeRemaining": 60,
        "memoryType": "flash",
        "memoryDuration": 0,
        "memoryPosesCount": 1,
        "memoryDrawingTime": 0,
        "imagesCount": 0
    });
    for (k, v) in extra.as_object().expect("extra is an object") {
        s[k] = v.clone();
    }
    s
}

fn packs() -> Vec<(&'static str, Value)> {
    vec![
        (
            "minimal, no mediaRefs",
            json!({"schema": "posechrono-session-pack", "version": 1, "session": session(json!({}))}),
        ),
        (
            "numeric strings, version \"1\", floats floored",
            json!({
                "schema": " posechrono-session-pack ", "version": "1",
                "createdAt": "2024-05-01T10:00:00.000Z",
                "source": {"runtime": "eagle", "language": "en"},
                "session": session(json!({
                    "mode": "Classic", "selectedDuration": "60", "timeRemaining": 59.99,
                    "memoryDuration": "12.5", "memoryPosesCount": 3.7, "memoryDrawingTime": " 30 ",
                    "imagesCount": "2", "memoryNoPressure": "yes",
                    "customQueue": [
                        {"type": "pose", "duration": "30", "count": "2", "id": "17"},
                        {"type": "PAUSE", "duration": 10.9, "count": 42, "id": 1.5}
                    ]
                }))
            }),
        ),
        (
            "non-ASCII names: emoji, CJK, accents, RTL, U+2028",
            json!({
                "schema": "posechrono-session-pack", "version": 1.9,
                "createdAt": "2024-05-01T10:00:00+09:00",
                "source": {"runtime": "desktop", "language": "日本語"},
                "session": session(json!({"mode": "memory", "memoryType": "progressive",
                    "imagesCount": 4, "mediaOrderKeys": ["img:1", "img:2", "img:3", "img:4"]})),
                "mediaRefs": [
                    {"identity": "img:1", "index": 0, "name": "😀 ポーズ 🧍‍♀️.png", "ext": "PNG"},
                    {"identity": "img:2", "index": 1, "name": "人物素描-参考图.jpg", "ext": "jpg"},
                    {"identity": "img:3", "index": 2, "name": "Étude à la plage, n°3 — ß", "ext": ".webp"},
                    {"identity": "img:4", "index": 3, "name": "שלום عربى\u{2028}\u{2029}\u{feff}x", "ext": "mp4"}
                ]
            }),
        ),
        (
            "quotes, backslashes, escapes and control characters",
            json!({
                "schema": "posechrono-session-pack", "version": 1,
                "createdAt": "\"quoted\" \\ back\\slash \u{1}\t",
                "source": {"runtime": "a\"b", "language": "\\u0041"},
                "session": session(json!({"imagesCount": 2})),
                "mediaRefs": [
                    {"identity": "k1", "index": 0, "name": "C:\\images\\\"pose\".jpg", "ext": "jpg"},
                    {"identity": "k2", "index": 1, "name": "</script><b>&amp;'\u{7f}\u{80}\u{9f}", "ext": "x/y\\z"}
                ]
            }),
        ),
        (
            "extra unknown keys everywhere",
            json!({
                "schema": "posechrono-session-pack", "version": 1,
                "tags": ["a", "b"], "annotation": {"text": "x"}, "star": 5, "zzz": null,
                "source": {"runtime": "desktop", "language": "fr", "os": "linux"},
                "session": session(json!({"mode": "relax", "extra": [1, 2, 3],
                    "customQueue": [{"type": "pose", "duration": 5, "count": 1, "id": 1, "note": "x"}]})),
                "mediaRefs": [{"identity": "m", "index": 0, "name": "n", "ext": "e", "tags": ["t"], "star": 3}]
            }),
        ),
        (
            "steps without ids get now + index, large ids",
            json!({
                "schema": "posechrono-session-pack", "version": 1,
                "session": session(json!({"mode": "custom", "customQueue": [
                    {"type": "pose", "duration": 86400, "count": 10000},
                    {"type": "pause", "duration": 1},
                    {"type": "pose", "duration": 1, "count": 1, "id": 9_007_199_254_740_991_u64}
                ]}))
            }),
        ),
        (
            "mediaRefs present but empty, defaults for names",
            json!({
                "schema": "posechrono-session-pack", "version": 1,
                "session": session(json!({"imagesCount": 50000})),
                "mediaRefs": [
                    {"identity": " spaced:id ", "index": "7", "name": "   "},
                    {"identity": 123, "index": 0.5, "name": 0, "ext": null}
                ]
            }),
        ),
        (
            "long names cut on UTF-16 units without splitting a pair",
            json!({
                "schema": "posechrono-session-pack", "version": 1,
                "createdAt": "😀".repeat(30),
                "source": {"runtime": "é".repeat(40), "language": format!("a{}", "😀".repeat(20))},
                "session": session(json!({"mediaOrderKeys": ["k".repeat(128)]})),
                "mediaRefs": [{"identity": "k".repeat(128), "index": 0, "name": format!("{}😀", "x".repeat(159))}]
            }),
        ),
        (
            "non-array customQueue, mediaOrderKeys, mediaRefs count as empty",
            json!({
                "schema": "posechrono-session-pack", "version": 1,
                "session": session(json!({"customQueue": {"0": 1}, "mediaOrderKeys": "a,b", "memoryNoPressure": 1})),
                "mediaRefs": {"identity": "x", "index": 0}
            }),
        ),
    ]
}

#[test]
fn canonical_text_and_hash_match_node() {
    let settings = RelaySettings::default();
    for (label, raw) in packs() {
        let pack = validate_pack(Some(&raw), &settings, 1_700_000_000_000)
            .unwrap_or_else(|e| panic!("{label}: rejected with {e:?}"));
        let node = node_view(&pack.text);
        assert_eq!(
            node.text.as_bytes(),
            pack.text.as_bytes(),
            "{label}: JS re-serialization differs"
        );
        assert_eq!(node.hash, pack.hash, "{label}: hash differs");
        assert_eq!(node.length, pack.size, "{label}: size differs");
    }
}

#[test]
fn node_is_required() {
    let out = std::process::Command::new("node")
        .arg("--version")
        .output()
        .expect("`node` must be on PATH for this test");
    assert!(out.status.success());
}
