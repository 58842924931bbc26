//! A relay whose rooms are sharded across cores (`--shards`) behaves as one relay:
//! replies come in the order of the messages even when the hello went to one
//! shard and the room lives on another, what the hello negotiated holds on every
//! shard, and the room limit counts rooms across shards exactly.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{config, png_signature, Client, Server};
use online_sync::server::ServerConfig;
use online_sync::validate::media::to_base64;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const HELLO: &str = r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume","media-chunks"]}}"#;

fn sharded(shards: usize) -> ServerConfig {
    ServerConfig { shards, ..config() }
}

fn code(i: usize) -> String {
    format!("SHRD-{:04}", 2000 + i)
}

/// A media announce of `chunks` (a file over the whole-file limit).
fn announce(code: &str) -> Value {
    announce_filled(code, 7)
}

/// The announce of a 3 MiB file of `fill` bytes.
fn announce_filled(code: &str, fill: u8) -> Value {
    let bytes = vec![fill; 3 * 1024 * 1024];
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({"sessionCode": code, "file": {"identity": "img-1", "name": "a.png", "ext": "png",
        "mime": "image/png", "size": bytes.len(), "sha256": sha}})
}

/// A whole-file upload's `file` of `len` PNG-signed bytes of `fill`.
fn whole_file(identity: &str, len: usize, fill: u8) -> Value {
    let bytes = png_signature(len, fill);
    json!({"identity": identity, "name": "a.png", "ext": "png", "mime": "image/png",
        "size": bytes.len(), "dataBase64": to_base64(&bytes)})
}

/// Sends the hello and waits for its `relay-features`.
async fn negotiate(c: &mut Client) {
    c.send_text(HELLO).await;
    c.event(|e| e["type"] == "relay-features").await;
}

/// The hello and a create sent back to back, without waiting: the first frame
/// back is the hello's answer, the next the create's reply, whichever shard the
/// room lands on; the create's shard knows what the hello negotiated (a resume
/// token, chunked uploads).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_keep_the_order_of_messages_across_shards() {
    let server = Server::start(sharded(8)).await;
    for i in 0..24 {
        let mut host = Client::connect(server.addr, "/", &[])
            .await
            .expect("connects");
        host.send_text(HELLO).await;
        let id = host
            .send_request(
                "createRoom",
                json!({"sessionCode": code(i), "hostClientId": format!("host-{i}")}),
            )
            .await;
        let first = host.recv().await;
        assert_eq!(
            first["event"]["type"], "relay-features",
            "room {i}: {first}"
        );
        assert_eq!(
            first["event"]["features"],
            json!(["resume", "media-chunks"])
        );
        let second = host.recv().await;
        assert_eq!(
            (&second["type"], &second["id"]),
            (&json!("response"), &json!(id)),
            "room {i}: {second}"
        );
        assert_eq!(second["ok"], true, "{second}");
        assert!(second["result"]["resumeToken"].is_string(), "{second}");
        let status = host.ok("beginSessionMediaUpload", announce(&code(i))).await;
        assert_eq!(status["offset"], 0, "{status}");
    }
}

/// The shard of a code, as the relay computes it (FNV-1a, modulo the shards).
fn shard_of(code: &str, shards: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % shards
}

/// Codes that land on `shard` of two.
fn codes_on(shard: u64) -> impl Iterator<Item = String> {
    (0..).map(code).filter(move |c| shard_of(c, 2) == shard)
}

/// The same, with the hello's shard busy: another client's create hashes its
/// password on that shard's thread (inline hashing), so the room's shard would
/// answer the create first if nothing kept the order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_hello_shard_still_answers_first() {
    let mut cfg = sharded(2);
    cfg.password_hash_workers = 0;
    cfg.relay.password_hash_log_n = 14;
    let server = Server::start(cfg).await;
    let mut on = [codes_on(0), codes_on(1)];
    for trial in 0..4 {
        let busy = trial % 2;
        let mut blocker = server.client().await;
        let blocked = on[busy].next().expect("a code");
        let blocking = blocker
            .send_request(
                "createRoom",
                json!({"sessionCode": blocked, "hostClientId": "b", "password": "pw-Secret-9"}),
            )
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let mut host = server.client().await;
        host.send_text(HELLO).await;
        let room = on[1 - busy].next().expect("a code");
        let id = host
            .send_request(
                "createRoom",
                json!({"sessionCode": room, "hostClientId": "h"}),
            )
            .await;
        let first = host.recv().await;
        assert_eq!(
            first["event"]["type"], "relay-features",
            "trial {trial}: {first}"
        );
        let second = host.recv().await;
        assert_eq!(second["id"], json!(id), "trial {trial}: {second}");
        let done = blocker.frames_until_response(&blocking).await;
        assert_eq!(done.last().expect("reply")["ok"], true);
    }
}

/// `max_rooms` across four shards: exactly that many rooms open, whichever
/// shards their codes hash to; a room that closes gives its place back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_limit_counts_rooms_across_shards() {
    let mut cfg = sharded(4);
    cfg.relay.max_rooms = 3;
    let server = Server::start(cfg).await;
    let mut hosts = Vec::new();
    for i in 0..3 {
        let mut c = server.client().await;
        c.ok(
            "createRoom",
            json!({"sessionCode": code(i), "hostClientId": "h"}),
        )
        .await;
        hosts.push(c);
    }
    for i in 3..9 {
        let mut c: Client = server.client().await;
        let err = c
            .err(
                "createRoom",
                json!({"sessionCode": code(i), "hostClientId": "h"}),
            )
            .await;
        assert_eq!(err, "server-room-limit", "room {i}");
    }
    let mut first = hosts.remove(0);
    first.ok("leaveRoom", json!({"sessionCode": code(0)})).await;
    let mut c = server.client().await;
    c.ok(
        "createRoom",
        json!({"sessionCode": code(5), "hostClientId": "h"}),
    )
    .await;
}

/// One shard is the single-core relay: the same replies, in the same order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shard_serves_as_a_single_core() {
    let server = Server::start(sharded(1)).await;
    let mut host = server.client().await;
    host.send_text(HELLO).await;
    let created = host
        .ok(
            "createRoom",
            json!({"sessionCode": code(0), "hostClientId": "h", "password": "pw-Secret-1"}),
        )
        .await;
    assert!(created["resumeToken"].is_string());
    let mut guest = server.client().await;
    let joined = guest
        .ok(
            "joinRoom",
            json!({"sessionCode": code(0), "clientId": "g", "password": "pw-Secret-1"}),
        )
        .await;
    assert_eq!(joined["participantIds"], json!(["h", "g"]));
    assert!(joined.get("resumeToken").is_none(), "no hello, no token");
}

/// `large_message_readers` at its edge: 0 reads as 1, and one reader still
/// serves uploads of several rooms at once (they wait their turn, none is lost)
/// while small requests of another room are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_large_message_reader_serves_every_upload_in_turn() {
    let server = Server::start(ServerConfig {
        large_message_readers: 0,
        ..sharded(2)
    })
    .await;
    let mut hosts = Vec::new();
    for i in 0..3 {
        let mut c = server.client().await;
        c.ok(
            "createRoom",
            json!({"sessionCode": code(i), "hostClientId": "h"}),
        )
        .await;
        hosts.push(c);
    }
    let mut ids = Vec::new();
    for (i, host) in hosts.iter_mut().enumerate().take(2) {
        let file = whole_file("k:a", 1024 * 1024, i as u8);
        ids.push(
            host.send_request(
                "uploadSessionMediaFile",
                json!({"sessionCode": code(i), "file": file}),
            )
            .await,
        );
    }
    let snapshot = hosts[2]
        .ok("getRoomSnapshot", json!({"sessionCode": code(2)}))
        .await;
    assert_eq!(snapshot["hostClientId"], "h", "{snapshot}");
    for (host, id) in hosts.iter_mut().zip(ids) {
        let frames = host.frames_until_response(&id).await;
        let reply = frames.last().expect("a reply");
        assert_eq!(reply["ok"], true, "{reply}");
    }
}

/// `max_media_held_bytes` bounds the relay, not each shard, and a room may use
/// all of it wherever it lives: with 8 MiB over two shards, two 3 MiB uploads on
/// one shard are held (more than half), a third on the other shard is refused (9
/// MiB would pass the bound), and once a room on the first shard closes, the other
/// shard may hold its file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_media_held_bound_holds_across_shards() {
    let mut cfg = sharded(2);
    cfg.relay.max_media_held_bytes = 8 * 1024 * 1024;
    let server = Server::start(cfg).await;
    let mut on = [codes_on(0), codes_on(1)];
    let mut hosts = Vec::new();
    let mut announce_on = |shard: usize, fill: u8| {
        let code = on[shard].next().expect("a code");
        let server = &server;
        async move {
            let mut host = server.client().await;
            negotiate(&mut host).await;
            host.ok(
                "createRoom",
                json!({"sessionCode": code, "hostClientId": "h"}),
            )
            .await;
            let reply = host
                .request("beginSessionMediaUpload", announce_filled(&code, fill))
                .await;
            (host, code, reply)
        }
    };
    for fill in [1, 2] {
        let (host, code, reply) = announce_on(0, fill).await;
        assert_eq!(reply["ok"], true, "upload {fill} on shard 0: {reply}");
        hosts.push((host, code));
    }
    let (_refused, _, reply) = announce_on(1, 3).await;
    assert_eq!(reply["error"], "session-media-too-large", "{reply}");
    let (mut first, code) = hosts.remove(0);
    first.ok("leaveRoom", json!({"sessionCode": code})).await;
    let (_held, _, reply) = announce_on(1, 4).await;
    assert_eq!(reply["ok"], true, "after a room closed on shard 0: {reply}");
}

/// The per-connection message limit (`rate_max_messages` in `rate_window_ms`)
/// counts every message of the connection, whichever shards its rooms live on:
/// requests alternating between rooms of two shards get `rate-limited` at the
/// same message as on one shard (the deployed relay's security suite checks this
/// with creates of many codes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_rate_counts_every_shard() {
    let mut cfg = sharded(2);
    cfg.relay.rate_max_messages = 10;
    cfg.relay.rate_window_ms = 60_000;
    let server = Server::start(cfg).await;
    let mut on = [codes_on(0), codes_on(1)];
    let mut c = server.client().await;
    for i in 0..10 {
        let code = on[i % 2].next().expect("a code");
        let r = c
            .request(
                "createRoom",
                json!({"sessionCode": code, "hostClientId": format!("h{i}")}),
            )
            .await;
        assert_ne!(r["error"], "rate-limited", "message {i}: {r}");
    }
    for shard in [0, 1] {
        let code = on[shard].next().expect("a code");
        let r = c
            .request(
                "createRoom",
                json!({"sessionCode": code, "hostClientId": "late"}),
            )
            .await;
        assert_eq!(
            r["error"], "rate-limited",
            "past the limit, shard {shard}: {r}"
        );
    }
}

/// Waiting to change shards does not stop the connection's writes: while a
/// message for another shard waits for the requests before it (password creates,
/// hashed inline on their shard's thread, one after another), their replies are
/// written as they come, so a reading client with a small outbound queue is not
/// taken for a slow one, and every reply comes in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_change_keeps_writing_the_replies_before_it() {
    let mut cfg = sharded(2);
    cfg.outbound_queue = 3;
    cfg.password_hash_workers = 0;
    cfg.relay.password_hash_log_n = 13;
    let server = Server::start(cfg).await;
    let mut on = [codes_on(0), codes_on(1)];
    let mut c = server.client().await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let code = on[0].next().expect("a code");
        let p = json!({"sessionCode": code, "hostClientId": format!("h{i}"), "password": "pw-Secret-3"});
        ids.push(c.send_request("createRoom", p).await);
    }
    let code = on[1].next().expect("a code");
    let p = json!({"sessionCode": code, "hostClientId": "other"});
    ids.push(c.send_request("createRoom", p).await);
    for (n, id) in ids.iter().enumerate() {
        let reply = c.recv().await;
        assert_eq!(reply["id"], json!(id), "reply {n} in order: {reply}");
        assert_eq!(reply["ok"], true, "{reply}");
    }
}

/// A whole-file upload on one shard counts against the bound another shard
/// checks: with 7 MiB, 1.5 MiB stored on shard 1 leaves room for one 3 MiB
/// chunked file on shard 0, not two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_file_upload_counts_on_every_shard() {
    let mut cfg = sharded(2);
    cfg.relay.max_media_held_bytes = 7 * 1024 * 1024;
    let server = Server::start(cfg).await;
    let mut on = [codes_on(0), codes_on(1)];
    let code = on[1].next().expect("a code");
    let mut small = server.client().await;
    small
        .ok(
            "createRoom",
            json!({"sessionCode": code, "hostClientId": "w"}),
        )
        .await;
    let file = whole_file("k:w", 1536 * 1024, 9);
    small
        .ok(
            "uploadSessionMediaFile",
            json!({"sessionCode": code, "file": file}),
        )
        .await;
    let mut host = server.client().await;
    negotiate(&mut host).await;
    let code = on[0].next().expect("a code");
    host.ok(
        "createRoom",
        json!({"sessionCode": code, "hostClientId": "h"}),
    )
    .await;
    let first = host
        .request("beginSessionMediaUpload", announce_filled(&code, 1))
        .await;
    assert_eq!(first["ok"], true, "{first}");
    let mut second = json!(announce_filled(&code, 2));
    second["file"]["identity"] = json!("img-2");
    let second = host.request("beginSessionMediaUpload", second).await;
    assert_eq!(second["error"], "session-media-too-large", "{second}");
}
