//! What a client can make the relay hold is bounded, measured on the relay binary's
//! resident memory (`VmRSS`): sockets idle after one max-size message, a ping
//! flood from a client that never reads, and members that stop reading while the
//! host publishes large states.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;
mod net;

use child::{mib, RelayChild};
use net::{create_room, guard, http, join_room, raw_upgrade, Client, CODE};
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

/// A masked client ping with a 125-byte payload (the largest a ping may carry).
fn ping_frame() -> Vec<u8> {
    let mut f = vec![0x89, 0x80 | 125, 1, 2, 3, 4];
    f.extend(std::iter::repeat_n(b'p' ^ 1, 125));
    f
}

/// A counter's value in the relay's `/metrics`.
async fn metric(relay: &RelayChild, name: &str) -> u64 {
    let body = http(relay.addr, "GET", "/metrics").await.body;
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{body}"))
}

/// A getRoomSnapshot request padded to exactly `len` bytes.
fn request_of_len(len: usize) -> String {
    let base = format!(
        r#"{{"type":"request","id":"9","action":"getRoomSnapshot","payload":{{"sessionCode":"{CODE}","pad":""}}}}"#
    );
    let pad = "x".repeat(len - base.len());
    base.replace(r#""pad":"""#, &format!(r#""pad":"{pad}""#))
}

#[tokio::test]
async fn sockets_idle_after_a_max_size_message_give_the_memory_back() {
    let relay = RelayChild::spawn(&[], &[], None);
    let before = relay.rss();
    let big = request_of_len(20 * 1024 * 1024);
    let mut clients = Vec::new();
    for _ in 0..8 {
        let mut c = Client::connect(relay.addr, "/", &[])
            .await
            .expect("connect");
        c.send_text(&big).await;
        let reply = guard("reply", c.frames_until_response("9")).await;
        assert_eq!(reply.last().unwrap()["error"], "not-joined");
        clients.push(c);
    }
    let peak = relay.rss();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = relay.rss();
    eprintln!("rss before {before} peak {peak} after {after}");
    assert!(
        after <= before + mib(64),
        "grew by {} MiB",
        (after - before) / mib(1)
    );
}

#[tokio::test]
async fn a_ping_flood_from_clients_that_never_read_is_closed_and_bounded() {
    let relay = RelayChild::spawn(&[], &[], None);
    let before = relay.rss();
    let mut peak = before;
    let batch: Vec<u8> = std::iter::repeat_n(ping_frame(), 2000).flatten().collect();
    let until = Instant::now() + Duration::from_secs(6);
    let mut connections = 0;
    // Flood, never read; when the relay closes one, open another.
    while Instant::now() < until {
        let (mut tcp, head) = raw_upgrade(relay.addr, "/", &[]).await;
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        connections += 1;
        while Instant::now() < until {
            match tokio::time::timeout(Duration::from_secs(2), tcp.write_all(&batch)).await {
                Ok(Ok(())) => peak = peak.max(relay.rss()),
                // The relay closed it, or stopped reading it.
                Ok(Err(_)) | Err(_) => break,
            }
        }
    }
    peak = peak.max(relay.rss());
    eprintln!("ping flood: {connections} connections, rss before {before} peak {peak}");
    assert!(
        peak <= before + mib(64),
        "grew by {} MiB",
        (peak - before) / mib(1)
    );
    assert!(metric(&relay, "posechrono_relay_ping_flood_closes_total").await >= 1);
    // The relay still serves.
    let mut c = Client::connect(relay.addr, "/", &[])
        .await
        .expect("connect");
    let code = c.err("getRoomSnapshot", json!({"sessionCode": CODE})).await;
    assert_eq!(code, "not-joined");
}

/// A session state of about 4 MB (the default `max_state_bytes` is 4 MiB).
fn large_state(revision: usize) -> serde_json::Value {
    let keys: Vec<String> = (0..30_000)
        .map(|i| format!("{revision}k{i:0>120}"))
        .collect();
    json!({"sessionActive": true, "isPlaying": true, "currentIndex": 0, "mediaOrderKeys": keys})
}

#[tokio::test]
async fn members_that_stop_reading_large_states_are_closed_and_bounded() {
    let relay = RelayChild::spawn(&[], &[], None);
    let mut host = Client::connect(relay.addr, "/", &[]).await.expect("host");
    create_room(&mut host, "").await;
    let mut readers = Vec::new();
    for i in 0..3 {
        let mut c = Client::connect(relay.addr, "/", &[]).await.expect("member");
        join_room(&mut c, &format!("slow-{i}"), "").await;
        // From here on, never read.
        readers.push(c);
    }
    let before = relay.rss();
    let mut peak = before;
    let mut published = 0;
    for revision in 0..30 {
        let reply = host
            .request(
                "updateSessionState",
                json!({"sessionCode": CODE, "payload": large_state(revision)}),
            )
            .await;
        assert_eq!(reply["ok"], true, "{reply}");
        published += 1;
        peak = peak.max(relay.rss());
        if metric(&relay, "posechrono_relay_slow_consumer_closes_total").await == 3 {
            break;
        }
    }
    peak = peak.max(relay.rss());
    eprintln!("slow consumers: {published} states, rss before {before} peak {peak}");
    assert_eq!(
        metric(&relay, "posechrono_relay_slow_consumer_closes_total").await,
        3,
        "after {published} states of 4 MB"
    );
    assert!(
        peak <= before + mib(128),
        "grew by {} MiB",
        (peak - before) / mib(1)
    );
    let snap = host
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(snap["participantsCount"], 1);
    drop(readers);
}

#[tokio::test]
async fn sockets_idle_after_receiving_a_max_size_message_give_the_memory_back() {
    // A drawing snapshot is relayed, not kept: what stays is the sockets' own.
    // The sender gets the event too, behind its reply: room for both in its queue.
    let env = [
        ("POSECHRONO_SYNC_MAX_DRAWING_BYTES", "20000000"),
        ("POSECHRONO_SYNC_OUTBOUND_QUEUE_BYTES", "67108864"),
    ];
    let relay = RelayChild::spawn(&[], &env, None);
    let mut host = Client::connect(relay.addr, "/", &[]).await.expect("host");
    create_room(&mut host, "").await;
    let mut members = Vec::new();
    for i in 0..8 {
        let mut c = Client::connect(relay.addr, "/", &[]).await.expect("member");
        join_room(&mut c, &format!("reader-{i}"), "").await;
        members.push(c);
    }
    let before = relay.rss();
    let snapshot = "s".repeat(19 * 1024 * 1024);
    let reply = host
        .request(
            "sendDrawingSync",
            json!({"sessionCode": CODE, "msgType": "canvas-snapshot", "data": {"png": snapshot}}),
        )
        .await;
    assert_eq!(reply["ok"], true, "{}", reply["error"]);
    for c in &mut members {
        let e = guard("the snapshot", c.event(|e| e["type"] == "drawing-sync")).await;
        assert_eq!(
            e["data"]["png"].as_str().map(str::len),
            Some(snapshot.len())
        );
    }
    let peak = relay.rss();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = relay.rss();
    eprintln!("rss before {before} peak {peak} after {after}");
    assert!(
        after <= before + mib(64),
        "8 sockets that each got a 19 MiB message grew the relay by {} MiB",
        (after - before) / mib(1)
    );
}
