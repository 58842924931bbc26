//! The `Origin` rules of WebSocket upgrades, over real sockets. A page opened from
//! `file://` (a webview shell) sends `Origin: null`: accepted when no allow-list
//! is set (as deployed), accepted with a list only when `null` is listed. A
//! refused origin is upgraded, then closed with 1008 `origin-not-allowed` (so a
//! browser sees why), and the relay logs the origin and the peer.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;
mod net;

use child::RelayChild;
use net::{guard, Client, Ended, Server, CODE};
use online_sync::server::ServerConfig;
use serde_json::json;
use std::net::SocketAddr;
use tokio::net::TcpStream;

const REFUSED: (u16, &str) = (1008, "origin-not-allowed");

fn allowing(origins: &[&str]) -> ServerConfig {
    ServerConfig {
        allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..net::config()
    }
}

/// Connects with these headers; the client's own address and the client.
async fn connect(addr: SocketAddr, headers: &[(&str, &str)]) -> (SocketAddr, Client) {
    let tcp = guard("tcp connect", TcpStream::connect(addr))
        .await
        .expect("connect");
    let local = tcp.local_addr().expect("local addr");
    let client = Client::handshake(tcp, addr, "/", headers)
        .await
        .expect("the upgrade itself succeeds");
    (local, client)
}

fn headers(origin: Option<&str>) -> Vec<(&str, &str)> {
    origin.map(|o| ("Origin", o)).into_iter().collect()
}

/// A client with this `Origin` (none: no header) is served: its request gets a
/// reply (`not-joined` for a snapshot outside a room).
async fn served(addr: SocketAddr, origin: Option<&str>) {
    let (_, mut c) = connect(addr, &headers(origin)).await;
    let code = c.err("getRoomSnapshot", json!({"sessionCode": CODE})).await;
    assert_eq!(code, "not-joined", "origin {origin:?}");
}

/// A client with this `Origin` is upgraded, then closed with 1008
/// `origin-not-allowed`; so is one that offers subprotocols (the first is echoed,
/// or a browser would fail the handshake before seeing the reason).
async fn refused(addr: SocketAddr, origin: &str) {
    for protocols in [None, Some("posechrono-sync, other")] {
        let mut h = headers(Some(origin));
        h.extend(protocols.map(|p| ("Sec-WebSocket-Protocol", p)));
        let (_, mut c) = connect(addr, &h).await;
        assert_eq!(
            c.ended().await,
            Ended::Close(REFUSED.0, REFUSED.1.into()),
            "origin {origin:?}, subprotocols {protocols:?}"
        );
    }
}

#[tokio::test]
async fn without_an_allow_list_null_and_any_origin_are_served() {
    let server = Server::start(net::config()).await;
    served(server.addr, Some("null")).await;
    served(server.addr, Some("https://evil.example")).await;
    served(server.addr, None).await;
}

#[tokio::test]
async fn a_listed_null_serves_local_pages_and_still_refuses_others() {
    let server = Server::start(allowing(&["https://app.example", "null"])).await;
    served(server.addr, Some("null")).await;
    served(server.addr, Some("https://app.example")).await;
    refused(server.addr, "https://evil.example").await;
    served(server.addr, None).await;
}

#[tokio::test]
async fn with_a_list_without_null_local_pages_are_closed_with_a_reason() {
    let server = Server::start(allowing(&["https://app.example"])).await;
    refused(server.addr, "null").await;
    refused(server.addr, "https://evil.example").await;
    // The listed site, and clients that send no Origin, are served alongside.
    served(server.addr, Some("https://APP.example/")).await;
    served(server.addr, None).await;
}

/// The relay binary with these arguments (info log).
fn spawn_relay(args: &[&str]) -> RelayChild {
    RelayChild::spawn(args, &[], None)
}

#[tokio::test]
async fn the_binary_takes_null_in_allowed_origin_and_logs_a_refusal() {
    // `--allowed-origin null` (with a site, comma-separated): local pages are served.
    let mut relay = spawn_relay(&["--allowed-origin", "https://app.example,null"]);
    let addr = relay.addr;
    served(addr, Some("null")).await;
    served(addr, Some("https://app.example")).await;
    refused(addr, "https://evil.example").await;
    relay.terminate();

    // Without `null` in the list: refused, and the log names the origin and the peer.
    let mut relay = spawn_relay(&["--allowed-origin", "https://app.example"]);
    let addr = relay.addr;
    let (peer, mut c) = connect(addr, &[("Origin", "null")]).await;
    assert_eq!(c.ended().await, Ended::Close(REFUSED.0, REFUSED.1.into()));
    served(addr, Some("https://app.example")).await;
    relay.terminate();
    let logs = relay.log();
    let line = logs
        .lines()
        .find(|l| l.contains("origin-not-allowed"))
        .unwrap_or_else(|| panic!("no refusal logged:\n{logs}"));
    assert!(
        line.contains(&peer.to_string()),
        "the peer is named: {line}"
    );
    assert!(
        line.contains(r#"origin="null""#),
        "the origin is named: {line}"
    );
}
