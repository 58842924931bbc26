//! The relay's side of `media-chunks` on raw frames: a plain (deployed) connection
//! never sees the extension; a damaged, misplaced or over-rate chunk changes nothing
//! and gets its code; the last chunk publishes the file; chunks are served with
//! their SHA-256.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use online_sync::protocol::chunks::encode_frame;
use online_sync::validate::digest::sha256_hex;
use serde_json::{json, Value};

const HELLO: &str = r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume","media-chunks"]}}"#;
const MIB: usize = 1024 * 1024;

fn media_bytes(len: usize) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    b.extend((8..len).map(|i| (i * 7 % 251) as u8));
    b
}

fn host(r: &mut Relay, conn: u64, negotiate: bool) {
    r.connect(conn);
    if negotiate {
        r.send(conn, HELLO);
    }
    r.ok(
        conn,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
}

fn announce(bytes: &[u8]) -> Value {
    json!({"sessionCode": CODE, "file": {"identity": "img-1", "name": "a.png", "ext": "png",
        "mime": "", "size": bytes.len(), "sha256": sha256_hex(bytes)}})
}

fn put(r: &mut Relay, conn: u64, id: &str, offset: usize, data: &[u8], sha: &str) -> Value {
    let header = json!({"type": "request", "id": id, "action": "putSessionMediaChunk",
        "payload": {"sessionCode": CODE, "uploadId": UPLOAD.with(|u| u.borrow().clone()), "offset": offset, "sha256": sha}});
    let frames = r.send_bytes(conn, &encode_frame(&header.to_string(), data));
    frames.last().map(|f| f.json.clone()).unwrap_or(Value::Null)
}

thread_local! {
    static UPLOAD: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

#[test]
fn a_plain_connection_never_sees_the_extension() {
    let mut r = Relay::default();
    host(&mut r, 1, false);
    let bytes = media_bytes(100);
    assert_eq!(
        r.err(1, "beginSessionMediaUpload", announce(&bytes)),
        "unknown-action:beginSessionMediaUpload"
    );
    assert_eq!(
        r.err(
            1,
            "getSessionMediaChunk",
            json!({"sessionCode": CODE, "identity": "x", "offset": 0})
        ),
        "unknown-action:getSessionMediaChunk"
    );
    let header = json!({"type": "request", "id": "9", "action": "putSessionMediaChunk", "payload": {"sessionCode": CODE}});
    assert!(
        r.send_bytes(1, &encode_frame(&header.to_string(), &bytes))
            .is_empty(),
        "a chunk frame is ignored"
    );
}

#[test]
fn bad_chunks_change_nothing_and_the_last_one_publishes() {
    let mut r = Relay::default();
    host(&mut r, 1, true);
    let bytes = media_bytes(MIB + 10);
    let status = r.ok(1, "beginSessionMediaUpload", announce(&bytes));
    assert_eq!(
        (status["offset"].clone(), status["done"].clone()),
        (json!(0), json!(false))
    );
    UPLOAD.with(|u| *u.borrow_mut() = status["uploadId"].as_str().unwrap().to_string());
    let (a, b) = bytes.split_at(MIB);
    // Damaged: the bytes do not hash to the declared SHA-256.
    let reply = put(&mut r, 1, "c1", 0, b, &sha256_hex(a));
    assert_eq!(reply["error"], "media-chunk-corrupt");
    // Out of place.
    let reply = put(&mut r, 1, "c2", MIB, b, &sha256_hex(b));
    assert_eq!(reply["error"], "media-chunk-out-of-order");
    // Nothing was kept: the upload still stands at 0.
    assert_eq!(
        r.ok(1, "beginSessionMediaUpload", announce(&bytes))["offset"],
        0
    );
    let reply = put(&mut r, 1, "c3", 0, a, &sha256_hex(a));
    assert_eq!(reply["result"]["offset"], MIB);
    // A resume learns where it stands.
    assert_eq!(
        r.ok(1, "beginSessionMediaUpload", announce(&bytes))["offset"],
        MIB
    );
    let reply = put(&mut r, 1, "c4", MIB, b, &sha256_hex(b));
    assert_eq!(reply["result"]["done"], true, "{reply}");
    let manifest = r.ok(1, "getSessionMediaManifest", json!({"sessionCode": CODE}));
    assert_eq!(manifest["files"][0]["sha256"], sha256_hex(&bytes));
    // Served in chunks with their hash.
    let chunk = r.ok(
        1,
        "getSessionMediaChunk",
        json!({"sessionCode": CODE, "identity": "img-1", "offset": MIB}),
    );
    assert_eq!(chunk["sha256"], sha256_hex(b));
    // Same bytes again: done at once.
    let again = r.ok(1, "beginSessionMediaUpload", announce(&bytes));
    assert_eq!(
        (again["done"].clone(), again["uploadId"].clone()),
        (json!(true), json!(""))
    );
}

#[test]
fn transfer_rates_and_file_limits_hold_at_their_edges() {
    let mut r = Relay::with(|s| {
        s.media_rate_ip_bytes_per_sec = MIB as u64;
        s.max_chunked_media_file_bytes = 2 * MIB;
    });
    host(&mut r, 1, true);
    let over = media_bytes(2 * MIB + 1);
    assert_eq!(
        r.err(1, "beginSessionMediaUpload", announce(&over)),
        "session-media-too-large"
    );
    let bytes = media_bytes(2 * MIB);
    let status = r.ok(1, "beginSessionMediaUpload", announce(&bytes));
    UPLOAD.with(|u| *u.borrow_mut() = status["uploadId"].as_str().unwrap().to_string());
    let (a, b) = bytes.split_at(MIB);
    assert_eq!(put(&mut r, 1, "c1", 0, a, &sha256_hex(a))["ok"], true);
    // The address's second of burst is spent: wait a second.
    let reply = put(&mut r, 1, "c2", MIB, b, &sha256_hex(b));
    assert_eq!(
        (reply["error"].clone(), reply["retryAfterMs"].clone()),
        (json!("media-rate-limited"), json!(1000))
    );
    r.advance(1000);
    assert_eq!(
        put(&mut r, 1, "c3", MIB, b, &sha256_hex(b))["result"]["done"],
        true
    );
}

#[test]
fn session_total_and_held_upload_bytes_hold_at_their_edges() {
    // The session total counts files, unfinished uploads (announced sizes) and the new one.
    let mut r = Relay::with(|s| s.max_chunked_media_total_bytes = 3000);
    host(&mut r, 1, true);
    let a = media_bytes(1000);
    let b = media_bytes(2000);
    let mut b2 = b.clone();
    b2[1999] ^= 1;
    r.ok(1, "beginSessionMediaUpload", announce(&a));
    let mut second = announce(&b);
    second["file"]["identity"] = json!("img-2");
    r.ok(1, "beginSessionMediaUpload", second);
    let mut third = announce(&b2);
    third["file"]["identity"] = json!("img-3");
    third["file"]["size"] = json!(1);
    third["file"]["sha256"] = json!(sha256_hex(&b2[..1]));
    assert_eq!(
        r.err(1, "beginSessionMediaUpload", third),
        "session-media-too-large"
    );

    // Bytes of unfinished uploads, every room together: at the edge, and one past it.
    let mut r = Relay::with(|s| s.max_partial_upload_bytes = 3000);
    host(&mut r, 1, true);
    r.ok(1, "beginSessionMediaUpload", announce(&a));
    let mut second = announce(&b);
    second["file"]["identity"] = json!("img-2");
    r.ok(1, "beginSessionMediaUpload", second);
    let c = media_bytes(1);
    let mut third = announce(&c);
    third["file"]["identity"] = json!("img-3");
    let (_, reply) = r.request(1, "beginSessionMediaUpload", third);
    assert_eq!(reply, Err("media-rate-limited".to_string()));
}

#[test]
fn a_room_rate_is_shared_by_its_members() {
    let mut r = Relay::with(|s| {
        s.media_rate_room_bytes_per_sec = MIB as u64;
    });
    host(&mut r, 1, true);
    let bytes = media_bytes(MIB);
    let status = r.ok(1, "beginSessionMediaUpload", announce(&bytes));
    UPLOAD.with(|u| *u.borrow_mut() = status["uploadId"].as_str().unwrap().to_string());
    assert_eq!(
        put(&mut r, 1, "c1", 0, &bytes, &sha256_hex(&bytes))["result"]["done"],
        true
    );
    // Another member, another address, same room: the room's second is spent.
    r.connect_from(2, "10.0.0.2");
    r.send(2, HELLO);
    r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1"}),
    );
    let (_, reply) = r.request(
        2,
        "getSessionMediaChunk",
        json!({"sessionCode": CODE, "identity": "img-1", "offset": 0}),
    );
    assert_eq!(reply, Err("media-rate-limited".to_string()));
    r.advance(1000);
    let chunk = r.ok(
        2,
        "getSessionMediaChunk",
        json!({"sessionCode": CODE, "identity": "img-1", "offset": 0}),
    );
    assert_eq!(chunk["sha256"], sha256_hex(&bytes));
}

#[test]
fn the_relay_wide_held_bytes_hold_at_their_edge() {
    let mut r = Relay::with(|s| s.max_media_held_bytes = 2 * MIB as u64);
    host(&mut r, 1, true);
    let a = media_bytes(MIB);
    let status = r.ok(1, "beginSessionMediaUpload", announce(&a));
    UPLOAD.with(|u| *u.borrow_mut() = status["uploadId"].as_str().unwrap().to_string());
    assert_eq!(
        put(&mut r, 1, "c1", 0, &a, &sha256_hex(&a))["result"]["done"],
        true
    );
    // Another room: a file held (1 MiB) + an unfinished upload (1 MiB) = the edge.
    r.connect(2);
    r.send(2, HELLO);
    let other = json!({"sessionCode": "OTHR-ROOM", "hostClientId": "host-2"});
    r.ok(2, "createRoom", other);
    let b = media_bytes(MIB - 16);
    let mut second = announce(&b);
    second["sessionCode"] = json!("OTHR-ROOM");
    r.ok(2, "beginSessionMediaUpload", second);
    let c = media_bytes(16);
    let mut third = announce(&c);
    third["sessionCode"] = json!("OTHR-ROOM");
    third["file"]["identity"] = json!("img-3");
    r.ok(2, "beginSessionMediaUpload", third.clone());
    let d = media_bytes(9);
    let mut fourth = announce(&d);
    fourth["sessionCode"] = json!("OTHR-ROOM");
    fourth["file"]["identity"] = json!("img-4");
    assert_eq!(
        r.err(2, "beginSessionMediaUpload", fourth),
        "session-media-too-large"
    );
}
