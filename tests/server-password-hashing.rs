//! Room passwords over real sockets, with the hashes off the relay-core thread (the
//! default: 2 workers) and inline on it (`password_hash_workers: 0`): the same
//! outcomes either way, at the deployed scrypt cost.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{guard, Server};
use online_sync::server::ServerConfig;
use serde_json::json;

async fn protected_room_round_trip(config: ServerConfig) {
    let server = Server::start(config).await;
    let mut host = server.client().await;
    let create =
        json!({"sessionCode": "LOCK-2345", "hostClientId": "host-1", "password": "s3cret"});
    assert_eq!(
        host.ok("createRoom", create).await["sessionCode"],
        "LOCK-2345"
    );
    let mut guest = server.client().await;
    let join =
        |pw: &str| json!({"sessionCode": "LOCK-2345", "clientId": "guest-1", "password": pw});
    assert_eq!(
        guest.err("joinRoom", join("wrong")).await,
        "invalid-password"
    );
    assert_eq!(guest.err("joinRoom", join("")).await, "invalid-password");
    let snap = guest.ok("joinRoom", join(" s3cret ")).await;
    assert_eq!(snap["participantIds"], json!(["host-1", "guest-1"]));
    // Several joins at once, each waiting for its own hash.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let mut c = server.client().await;
        tasks.push(tokio::spawn(async move {
            let p = json!({"sessionCode": "LOCK-2345", "clientId": format!("g-{i}"), "password": "s3cret"});
            c.ok("joinRoom", p).await;
            c // kept open: a closed socket leaves the room
        }));
    }
    let mut joined = Vec::new();
    for t in tasks {
        joined.push(guard("a join", t).await.expect("join task"));
    }
    let snap = host
        .ok("getRoomSnapshot", json!({"sessionCode": "LOCK-2345"}))
        .await;
    assert_eq!(snap["participantsCount"], 6);
    server.stop().await;
}

fn deployed_cost(workers: usize) -> ServerConfig {
    let mut config = net::config();
    config.relay.password_hash_log_n = 14;
    config.password_hash_workers = workers;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn off_the_core_thread() {
    protected_room_round_trip(deployed_cost(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inline_with_no_workers() {
    protected_room_round_trip(deployed_cost(0)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_one_pending_at_most_requests_pass_one_by_one() {
    // The edge of `password_hash_max_pending`: with 1, requests still pass one by one.
    let mut config = deployed_cost(1);
    config.password_hash_max_pending = 1;
    protected_room_round_trip_sequential(config).await;
}

async fn protected_room_round_trip_sequential(config: ServerConfig) {
    let server = Server::start(config).await;
    let mut host = server.client().await;
    let create = json!({"sessionCode": "LOCK-2345", "hostClientId": "host-1", "password": "pw"});
    host.ok("createRoom", create).await;
    let mut joined = Vec::new();
    for i in 0..3 {
        let mut c = server.client().await;
        let p = json!({"sessionCode": "LOCK-2345", "clientId": format!("g-{i}"), "password": "pw"});
        c.ok("joinRoom", p).await;
        joined.push(c); // kept open: a closed socket leaves the room
    }
    let snap = host
        .ok("getRoomSnapshot", json!({"sessionCode": "LOCK-2345"}))
        .await;
    assert_eq!(snap["participantsCount"], 4);
    server.stop().await;
}
