//! A connection's inbound budget (`max_payload` plus a little, in bytes of
//! messages handed on and not yet handled): past it the socket is not read, and
//! the connection still goes on reading and handing on the messages ahead, so the
//! budget frees and pipelined large messages are all answered, in order.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{config, guard, Server};
use online_sync::server::ServerConfig;
use serde_json::Value;

/// A getRoomSnapshot request `id` padded to `len` bytes (read off the shard
/// threads: it is over 64 KiB).
fn padded(id: usize, len: usize) -> String {
    let base = format!(
        r#"{{"type":"request","id":"{id}","action":"getRoomSnapshot","payload":{{"sessionCode":"ABCD-EFGH","pad":""}}}}"#
    );
    let pad = "x".repeat(len - base.len());
    base.replace(r#""pad":"""#, &format!(r#""pad":"{pad}""#))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_messages_past_the_budget_are_all_answered_in_order() {
    let mut cfg: ServerConfig = config();
    cfg.relay.max_payload = 1024 * 1024;
    let server = Server::start(cfg).await;
    let mut c = server.client().await;
    // Each is 700 KiB: the second already waits for the first's budget.
    for id in 0..4 {
        c.send_text(&padded(id, 700 * 1024)).await;
    }
    for id in 0..4 {
        let reply: Value = guard("a reply", c.recv()).await;
        assert_eq!(reply["id"], id.to_string(), "{reply}");
        assert_eq!(reply["error"], "not-joined", "{reply}");
    }
}
