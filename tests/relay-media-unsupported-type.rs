//! `session-media-unsupported-type`: an extension outside jpg/jpeg/png/webp/mp4/webm, a MIME
//! type that is not the extension's (jpg/jpeg also take image/jpg), or bytes without the
//! extension's signature. The canonical MIME type is stored.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

fn upload(ext: &str, mime: &str, bytes: &[u8]) -> Value {
    json!({"sessionCode": CODE, "file": {"identity": "k:x", "name": "x", "ext": ext, "mime": mime, "size": bytes.len(), "dataBase64": b64(bytes)}})
}

fn webp() -> Vec<u8> {
    let mut b = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    b.resize(20, 0);
    b
}

fn mp4() -> Vec<u8> {
    let mut b = b"\0\0\0\x18ftypisom".to_vec();
    b.resize(16, 0);
    b
}

const JPG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10];
const WEBM: &[u8] = &[0x1a, 0x45, 0xdf, 0xa3, 0x01];

#[test]
fn types_are_checked_by_extension_mime_and_magic_bytes() {
    let mut r = Relay::room();
    let png8 = png(8, 0);
    let unsupported = [
        upload("gif", "", b"GIF89a"),
        upload("", "", &png8),
        upload("exe", "", &png8),
        upload("png", "image/jpeg", &png8),
        upload("png", "text/plain", &png8),
        upload("jpg", "image/png", JPG),
        upload("png", "", JPG),
        upload("png", "", &png8[..7]),
        upload("jpg", "", &png8),
        upload("webp", "", b"RIFF\0\0\0\0WEBQ1234"),
        upload("mp4", "", b"\0\0\0\x18ftyp"),
        upload("mp4", "", b"\0\0\0\x18moovisom1234"),
        upload("webm", "", &[0x1a, 0x45, 0xdf, 0xa4]),
    ];
    for p in unsupported {
        assert_eq!(
            r.err(1, "uploadSessionMediaFile", p.clone()),
            "session-media-unsupported-type",
            "{p}"
        );
    }
    assert_eq!(
        r.snapshot(CODE)
            .unwrap()
            .session_media_meta
            .unwrap()
            .files_count,
        0
    );
    let accepted = [
        (upload(".PNG", "", &png8), "png", "image/png"),
        (upload("png", " IMAGE/PNG ", &png8), "png", "image/png"),
        (upload("jpg", "image/jpg", JPG), "jpg", "image/jpeg"),
        (upload("JPEG", "image/jpeg", JPG), "jpeg", "image/jpeg"),
        (upload("webp", "", &webp()), "webp", "image/webp"),
        (upload("mp4", "video/mp4", &mp4()), "mp4", "video/mp4"),
        (upload("webm", "", WEBM), "webm", "video/webm"),
    ];
    for (p, ext, mime) in accepted {
        r.ok(1, "uploadSessionMediaFile", p);
        let m = r.ok(2, "getSessionMediaManifest", json!({"sessionCode": CODE}));
        assert_eq!(
            (
                m["files"][0]["ext"].as_str(),
                m["files"][0]["mime"].as_str()
            ),
            (Some(ext), Some(mime))
        );
    }
}
