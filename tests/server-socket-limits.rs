//! Limits on the socket itself, each at its edge: the connection cap (1013
//! `server-full`), the per-address cap (4029 `too-many-connections`, with and
//! without a trusted proxy) and the message size cap (1009). The Origin rules are in
//! `server-origin.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{Client, Ended, Server, CODE};
use online_sync::server::ServerConfig;
use serde_json::json;

fn config(f: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut c = net::config();
    f(&mut c);
    c
}

/// A client whose socket is registered with the relay (it got a reply).
async fn live(server: &Server, headers: &[(&str, &str)]) -> Client {
    let mut c = Client::connect(server.addr, "/", headers)
        .await
        .expect("connect");
    let code = c.err("getRoomSnapshot", json!({"sessionCode": CODE})).await;
    assert_eq!(code, "not-joined");
    c
}

/// A client that is upgraded, then refused with a close frame.
async fn refused(server: &Server, headers: &[(&str, &str)]) -> Ended {
    let mut c = Client::connect(server.addr, "/", headers)
        .await
        .expect("the upgrade itself succeeds");
    c.ended().await
}

/// Closes a client and waits until the relay has answered the close (by then it
/// has released the connection's slot).
async fn close(mut c: Client) {
    c.send_close().await;
    assert_eq!(c.ended().await, Ended::Close(1000, String::new()));
}

#[tokio::test]
async fn exactly_max_connections_are_served_and_the_next_gets_1013() {
    let server = Server::start(config(|c| c.relay.max_connections = 3)).await;
    let a = live(&server, &[]).await;
    let _b = live(&server, &[]).await;
    let _c = live(&server, &[]).await;
    assert_eq!(
        refused(&server, &[]).await,
        Ended::Close(1013, "server-full".into())
    );
    // A freed slot is reusable.
    close(a).await;
    let _d = live(&server, &[]).await;
    assert_eq!(
        refused(&server, &[]).await,
        Ended::Close(1013, "server-full".into())
    );
}

#[tokio::test]
async fn the_per_address_cap_closes_with_4029() {
    let server = Server::start(config(|c| {
        c.relay.max_connections_per_ip = 2;
    }))
    .await;
    let a = live(&server, &[]).await;
    let _b = live(&server, &[]).await;
    assert_eq!(
        refused(&server, &[]).await,
        Ended::Close(4029, "too-many-connections".into())
    );
    close(a).await;
    let _c = live(&server, &[]).await;
}

#[tokio::test]
async fn forwarded_for_counts_clients_apart_only_behind_a_trusted_proxy() {
    let trusted = Server::start(config(|c| {
        c.relay.max_connections_per_ip = 2;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    }))
    .await;
    let one = [("X-Forwarded-For", "203.0.113.1")];
    let two = [("X-Forwarded-For", "198.51.100.7, 203.0.113.2")];
    let _a1 = live(&trusted, &one).await;
    let _a2 = live(&trusted, &one).await;
    assert_eq!(
        refused(&trusted, &one).await,
        Ended::Close(4029, "too-many-connections".into())
    );
    // Another client behind the same proxy has its own count, and so does the
    // proxy's own address.
    let _b1 = live(&trusted, &two).await;
    let _b2 = live(&trusted, &two).await;
    let _p1 = live(&trusted, &[]).await;
    let _p2 = live(&trusted, &[]).await;
    assert_eq!(
        refused(&trusted, &two).await,
        Ended::Close(4029, "too-many-connections".into())
    );

    // Without trust, the header is ignored: everyone is 127.0.0.1.
    let untrusted = Server::start(config(|c| c.relay.max_connections_per_ip = 2)).await;
    let _u1 = live(&untrusted, &one).await;
    let _u2 = live(&untrusted, &two).await;
    let three = [("X-Forwarded-For", "192.0.2.99")];
    assert_eq!(
        refused(&untrusted, &three).await,
        Ended::Close(4029, "too-many-connections".into())
    );
}

/// A getRoomSnapshot request padded to exactly `len` bytes.
fn request_of_len(len: usize) -> String {
    let base = format!(
        r#"{{"type":"request","id":"9","action":"getRoomSnapshot","payload":{{"sessionCode":"{CODE}","pad":""}}}}"#
    );
    assert!(len >= base.len());
    let pad = "x".repeat(len - base.len());
    let text = base.replace(r#""pad":"""#, &format!(r#""pad":"{pad}""#));
    assert_eq!(text.len(), len);
    text
}

#[tokio::test]
async fn a_message_over_max_payload_closes_with_1009() {
    let max = 1024;
    let server = Server::start(config(|c| c.relay.max_payload = max)).await;
    let mut c = live(&server, &[]).await;
    // At the limit: served.
    c.send_text(&request_of_len(max)).await;
    let reply = c.frames_until_response("9").await.pop().unwrap();
    assert_eq!(reply["error"], "not-joined");
    // One byte over, in a text or a binary frame: closed with 1009.
    c.send_text(&request_of_len(max + 1)).await;
    assert!(matches!(c.ended().await, Ended::Close(1009, _)));
    let mut c = live(&server, &[]).await;
    c.send_binary(request_of_len(max + 1).as_bytes()).await;
    assert!(matches!(c.ended().await, Ended::Close(1009, _)));
    // The relay keeps serving others.
    live(&server, &[]).await;
}
