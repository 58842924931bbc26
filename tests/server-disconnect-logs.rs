//! The relay binary's log says how each connection ended, with the client's
//! address, in words an operator can act on: a client that vanished is not a
//! `1002 protocol-error`, a client's close shows its code, a close by the relay
//! shows its code and reason; no password appears.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;
mod net;

use child::RelayChild;
use net::{create_room, guard, Client, Ended, CODE};
use std::time::Duration;

/// Waits until the relay's log holds a line with every one of `parts`; returns it.
async fn line_with(relay: &RelayChild, parts: &[&str]) -> String {
    guard("the log line", async {
        loop {
            let log = relay.log();
            if let Some(l) = log.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
                return l.to_string();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

#[tokio::test]
async fn every_disconnect_is_logged_as_what_happened() {
    let relay = RelayChild::spawn(&[], &[("POSECHRONO_SYNC_MAX_PAYLOAD", "2048")], None);
    let secret = "tiger-Secret-5521";

    // A client that vanishes without a close frame.
    let mut host = Client::connect(relay.addr, "/", &[]).await.expect("host");
    create_room(&mut host, secret).await;
    drop(host);
    let gone = line_with(&relay, &["connection ended", "went away"]).await;
    assert!(gone.contains("ip=127.0.0.1"), "{gone}");
    // The room it was in is named, so an operator can tell whose session it was.
    assert!(gone.contains(&format!("room={CODE}")), "{gone}");

    // A client that closes with 1000.
    let mut polite = Client::connect(relay.addr, "/", &[])
        .await
        .expect("connect");
    polite.send_close().await;
    assert_eq!(polite.ended().await, Ended::Close(1000, String::new()));
    let closed = line_with(&relay, &["closed by the client", "code=1000"]).await;
    assert!(closed.contains("ip=127.0.0.1"), "{closed}");
    assert!(closed.contains("room=-"), "no room: {closed}");

    // The relay closes one: a message over the (lowered) size limit.
    let mut big = Client::connect(relay.addr, "/", &[])
        .await
        .expect("connect");
    big.send_text(&"x".repeat(4096)).await;
    assert!(matches!(big.ended().await, Ended::Close(1009, _)));
    let by_relay = line_with(&relay, &["closed by the relay", "code=1009"]).await;
    assert!(by_relay.contains("message-too-big"), "{by_relay}");

    let log = relay.log();
    assert!(
        !log.contains("1002"),
        "an abrupt disconnect logged as 1002:\n{log}"
    );
    assert!(!log.contains("protocol-error"), "{log}");
    assert!(!log.contains(secret), "the password is in the log");
}
