//! Hostile and broken clients over real sockets against the relay server, each
//! limit at its edge: the handshake deadline and the per-address cap on
//! unfinished handshakes, the load the defaults must let through, 1009 for a
//! frame one byte over the default 20 MiB limit (a close frame, not a reset),
//! the ping-flood close, the outbound byte bound, and `GET /metrics`.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{create_room, guard, http, join_room, raw_upgrade, Client, Ended, Server, CODE};
use online_sync::server::ServerConfig;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn config(f: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut c = net::config();
    f(&mut c);
    c
}

/// A TCP connection to `addr` from the loopback source address `from`.
async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().expect("socket");
    s.bind(format!("{from}:0").parse().expect("source"))
        .expect("bind");
    guard("connect", s.connect(addr)).await.expect("connect")
}

/// Reads until the peer closes; `true` if it did within the guard.
async fn closed_by_peer(tcp: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(net::GUARD, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// A masked client frame.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n @ 0..=125 => out.push(0x80 | n as u8),
        n @ 126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

#[tokio::test]
async fn an_unfinished_handshake_is_closed_at_its_deadline() {
    let server = Server::start(config(|c| c.handshake_timeout_ms = 1500)).await;
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Well before the deadline it is still open...
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut probe = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(50), stalled.read(&mut probe))
            .await
            .is_err(),
        "closed long before its deadline"
    );
    // ... and it is closed after it, while an upgrade that finished is served on.
    let mut live = server.client().await;
    assert!(closed_by_peer(&mut stalled).await, "never closed");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let code = live
        .err("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(code, "not-joined");
    let m = http(server.addr, "GET", "/metrics").await.body;
    assert!(
        m.contains("posechrono_relay_handshake_timeouts_total 1\n"),
        "{m}"
    );
}

#[tokio::test]
async fn past_the_per_address_cap_new_unfinished_sockets_are_closed() {
    let server = Server::start(config(|c| c.max_handshakes_per_ip = 2)).await;
    let mut a = connect_from("127.0.0.2", server.addr).await;
    let mut b = connect_from("127.0.0.2", server.addr).await;
    // Let the relay accept both before the third arrives.
    let _ = http(server.addr, "GET", "/health").await;
    let mut c = connect_from("127.0.0.2", server.addr).await;
    assert!(closed_by_peer(&mut c).await, "the third socket was kept");
    // The first two are still open; another address is not affected.
    a.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    guard("health", a.read_to_string(&mut reply)).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    drop(b.write_all(b"GET").await);
    let tcp = connect_from("127.0.0.3", server.addr).await;
    Client::handshake(tcp, server.addr, "/", &[])
        .await
        .expect("upgrade");
    let m = http(server.addr, "GET", "/metrics").await.body;
    assert!(
        m.contains("posechrono_relay_connections_refused_total{reason=\"handshakes-per-ip\"} 1"),
        "{m}"
    );
}

#[tokio::test]
async fn past_the_total_cap_the_oldest_unfinished_socket_makes_room() {
    let server = Server::start(config(|c| {
        c.max_handshakes = 3;
        c.max_handshakes_per_ip = 100;
    }))
    .await;
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        stalled.push(tcp);
        // Accepted in this order.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // At the cap, a new request is served: the oldest stalled socket is closed for it.
    let r = http(server.addr, "GET", "/health").await;
    assert_eq!(r.status, 200);
    assert!(closed_by_peer(&mut stalled[0]).await, "the oldest was kept");
    let mut probe = [0u8; 1];
    for s in &mut stalled[1..] {
        let still_open = tokio::time::timeout(Duration::from_millis(100), s.read(&mut probe)).await;
        assert!(still_open.is_err(), "a newer stalled socket was closed");
    }
    let m = http(server.addr, "GET", "/metrics").await.body;
    assert!(
        m.contains("posechrono_relay_handshakes_evicted_total "),
        "{m}"
    );
}

#[tokio::test]
async fn sixty_four_concurrent_handshakes_over_loopback_addresses_pass_the_defaults() {
    // Every defence at its default (only the password hash cost lowered).
    let server = Server::start(net::config()).await;
    let addr = server.addr;
    let mut tasks = Vec::new();
    for i in 0..64u32 {
        // Ten sockets per address at most: 127.0.5.1 .. 127.0.5.7.
        let from = format!("127.0.5.{}", 1 + i / 10);
        tasks.push(tokio::spawn(async move {
            let tcp = connect_from(&from, addr).await;
            let mut c = Client::handshake(tcp, addr, "/", &[])
                .await
                .expect("upgrade");
            let code = c.err("getRoomSnapshot", json!({"sessionCode": CODE})).await;
            assert_eq!(code, "not-joined");
            c
        }));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(t.await.expect("client task"));
    }
    assert_eq!(clients.len(), 64);
}

#[tokio::test]
async fn a_frame_one_byte_over_the_default_limit_gets_close_1009_not_a_reset() {
    let server = Server::start(net::config()).await;
    let max = ServerConfig::default().relay.max_payload;
    let (mut tcp, head) = raw_upgrade(server.addr, "/", &[]).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let frame = client_frame(1, &vec![b' '; max + 1]);
    // A client that writes its whole message before reading (as most do): the
    // relay closes as soon as it reads the header, and drains the rest instead of
    // resetting the connection, so the close frame is still there to read.
    let written = guard("writing the message", tcp.write_all(&frame)).await;
    assert!(
        written.is_ok(),
        "the relay reset the connection: {written:?}"
    );
    let mut got = Vec::new();
    let read = guard("the 1009 close", tcp.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "{read:?}");
    let frames = net::parse_frames(&got);
    let close = frames.iter().find_map(|f| f.close());
    assert_eq!(
        close,
        Some((1009, "message-too-big".to_string())),
        "{frames:?}"
    );
}

#[tokio::test]
async fn pings_up_to_the_limit_are_answered_and_one_more_closes_1008() {
    let server = Server::start(config(|c| {
        c.max_client_pings = 5;
        c.client_ping_window_ms = 60_000;
    }))
    .await;
    let (mut tcp, _) = raw_upgrade(server.addr, "/", &[]).await;
    for _ in 0..5 {
        tcp.write_all(&client_frame(9, b"hi")).await.unwrap();
    }
    let req = r#"{"type":"request","id":"1","action":"getRoomSnapshot","payload":{"sessionCode":"ABC234"}}"#;
    tcp.write_all(&client_frame(1, req.as_bytes()))
        .await
        .unwrap();
    // Five pongs and the reply: still open.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("not-joined") {
        let n = guard("reply", tcp.read(&mut buf)).await.unwrap();
        assert!(n > 0, "closed at the limit");
        got.extend_from_slice(&buf[..n]);
    }
    let pongs = net::parse_frames(&got)
        .iter()
        .filter(|f| f.opcode == 10)
        .count();
    assert_eq!(pongs, 5);
    tcp.write_all(&client_frame(9, b"hi")).await.unwrap();
    let mut rest = Vec::new();
    let _ = guard("close", tcp.read_to_end(&mut rest)).await;
    let close = net::parse_frames(&rest).iter().find_map(|f| f.close());
    assert_eq!(close, Some((1008, "ping-flood".to_string())));
}

#[tokio::test]
async fn a_frame_over_the_byte_bound_still_reaches_a_reader_with_an_empty_queue() {
    const BOUND: usize = 8 * 1024;
    let server = Server::start(config(|c| c.outbound_queue_bytes = BOUND)).await;
    let mut host = server.client().await;
    create_room(&mut host, "").await;
    let mut guest = server.client().await;
    join_room(&mut guest, "guest-1", "").await;
    host.ok(
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": net::pack(300)}),
    )
    .await;
    // The reply alone is larger than the bound: it goes out, as nothing else waits.
    let raw = guest
        .request_raw("getSessionPack", json!({"sessionCode": CODE}))
        .await;
    assert!(raw.len() > BOUND, "{}", raw.len());
    let snap = guest
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(snap["participantsCount"], 2);
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_text_format() {
    let server = Server::start(net::config()).await;
    let mut host = server.client().await;
    create_room(&mut host, "").await;
    let r = http(server.addr, "GET", "/metrics").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    for line in [
        "posechrono_relay_connections_open 1\n",
        "posechrono_relay_rooms 1\n",
        "posechrono_relay_messages_in_total 1\n",
        "# TYPE posechrono_relay_bytes_out_total counter\n",
        "# TYPE process_resident_memory_bytes gauge\n",
    ] {
        assert!(r.body.contains(line), "missing {line:?} in\n{}", r.body);
    }
    host.send_close().await;
    assert_eq!(host.ended().await, Ended::Close(1000, String::new()));
}
