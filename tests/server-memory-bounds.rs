//! What a client can make the relay hold is bounded, measured on the relay binary's
//! resident memory (`VmRSS`): sockets idle after one max-size message, a ping
//! flood from a client that never reads, and members that stop reading while the
//! host publishes large states.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;
mod net;

use child::{mib, RelayChild};
use net::{guard, Client, CODE};
use std::time::Duration;

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
