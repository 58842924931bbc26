//! Proof of drop-in: a Node script written like the deployed PoseChrono JS client
//! (`tests/js/deployed-client.mjs`) runs a whole session against this relay: create,
//! join, state, pack (hash re-checked over `JSON.stringify(JSON.parse(...))`), media
//! as base64, manifest, files, leave. Node is required: without it the test fails.
//! It runs again with the host and the participant on two nodes of a cluster
//! (`--redis-url`, issue 15): the deployed client sees one relay.
#![cfg(not(target_arch = "wasm32"))]

mod net;
#[path = "net/redis.rs"]
mod redis_server;

use net::Server;
use serde_json::Value;
use std::process::Command;

/// `node`'s major version.
fn node_major() -> u32 {
    let out = Command::new("node")
        .arg("--version")
        .output()
        .expect("node is required for this test (install Node.js 20+)");
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `node --version`: {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployed_js_client_runs_a_whole_session() {
    let server = Server::start(net::config()).await;
    assert_whole_session(&deployed_client(&server.url(), &server.url()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployed_js_client_runs_a_whole_session_across_cluster_nodes() {
    let redis = redis_server::RedisServer::start();
    let node = |id: &str| {
        let mut c = online_sync::server::cluster::ClusterConfig::new(redis.url());
        c.node_id = id.to_string();
        online_sync::server::ServerConfig {
            cluster: Some(c),
            ..net::config()
        }
    };
    let a = Server::start(node("a")).await;
    let b = Server::start(node("b")).await;
    assert_whole_session(&deployed_client(&a.url(), &b.url()).await);
}

/// Runs the deployed client's session: its host on `host`, its participant on
/// `guest`; its JSON summary.
async fn deployed_client(host: &str, guest: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/deployed-client.mjs");
    let mut cmd = Command::new("node");
    // Node 20 has a global WebSocket only behind this flag; 22+ has it by default.
    if node_major() < 22 {
        cmd.arg("--experimental-websocket");
    }
    cmd.arg("--no-warnings").arg(script).arg(host).arg(guest);
    let out = net::guard(
        "the node client",
        tokio::task::spawn_blocking(move || cmd.output()),
    )
    .await
    .expect("join")
    .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node client failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("no JSON summary ({e}):\n{stdout}\n{stderr}"))
}

/// What a whole session of the deployed client shows.
fn assert_whole_session(summary: &Value) {
    assert_eq!(summary["ok"], true, "{summary}");
    assert_eq!(summary["packHashVerified"], true);
    assert_eq!(summary["mediaFiles"], 1);
    assert_eq!(summary["mediaVerified"], 1);
    assert_eq!(summary["stateRevision"], 1);
    let sources: Vec<&str> = summary["hostEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "participant-joined",
        "host-state-update",
        "session-pack-updated",
        "session-media-upload-status",
        "session-media-reset",
        "session-media-updated",
        "participant-state-updated",
        "participant-left",
    ] {
        assert!(
            sources.contains(&expected),
            "{expected} missing: {sources:?}"
        );
    }
}
