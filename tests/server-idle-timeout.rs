//! Pings and the idle timeout: a client that does not answer pings (a raw TCP
//! socket that did the upgrade by hand) is closed with 1001 `idle-timeout` and
//! its slot is released; a client that reads (and so answers pings) stays open.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{guard, parse_frames, raw_upgrade, Server, CODE};
use online_sync::server::ServerConfig;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

const PING_MS: u64 = 100;
const IDLE_MS: u64 = 300;

fn config() -> ServerConfig {
    let mut c = net::config();
    c.ping_interval_ms = PING_MS;
    c.idle_timeout_ms = IDLE_MS;
    c.relay.max_connections = 1;
    c
}

#[tokio::test]
async fn a_client_that_never_answers_pings_is_closed() {
    let server = Server::start(config()).await;
    let started = Instant::now();
    let (mut tcp, head) = raw_upgrade(server.addr, "/", &[]).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    // Never write anything (no pong, no close reply); just see what arrives.
    let mut bytes = Vec::new();
    guard(
        "the relay to drop the dead client",
        tcp.read_to_end(&mut bytes),
    )
    .await
    .expect("read");
    assert!(
        started.elapsed() >= Duration::from_millis(IDLE_MS),
        "closed before the idle timeout"
    );
    let frames = parse_frames(&bytes);
    assert!(frames.iter().any(|f| f.opcode == 9), "no ping: {frames:?}");
    let close = frames.iter().find_map(|f| f.close());
    assert_eq!(
        close,
        Some((1001, "idle-timeout".to_string())),
        "{frames:?}"
    );
    // Its slot is free again (max_connections is 1).
    let mut c = server.client().await;
    let code = c.err("getRoomSnapshot", json!({"sessionCode": CODE})).await;
    assert_eq!(code, "not-joined");
}

#[tokio::test]
async fn a_client_that_reads_stays_open() {
    let server = Server::start(config()).await;
    let mut c = server.client().await;
    net::create_room(&mut c, "").await;
    // Silent at the application level for several idle timeouts, but reading.
    let pings = c.pings_during(Duration::from_millis(4 * IDLE_MS)).await;
    assert!(pings >= 1, "the relay never pinged");
    let snap = c.ok("getRoomSnapshot", json!({"sessionCode": CODE})).await;
    assert_eq!(snap["hostClientId"], "host-1");
}
