//! Relay nodes on one Redis act as one relay (`--redis-url`, issue 15), over real
//! sockets with a Redis of the test's own: host and participants on different
//! nodes follow one room; every room rule holds across nodes (duplicate client
//! id, wrong password, room full, `max_rooms`); two nodes racing to create one
//! code give one room; with Redis down a request that needs it gets
//! `transport-unavailable` and `/health` says so, and the room is intact once
//! Redis is back; a node that loses a room's lease lets the room go and writes
//! it no more; a room closed and opened again at once keeps its owner; rooms are
//! written again when Redis comes back without its data.
#![cfg(not(target_arch = "wasm32"))]

mod net;
#[path = "net/redis.rs"]
mod redis_server;

use net::{config, create_room, http, join_room, Client, Ended, Server, CODE};
use online_sync::server::cluster::ClusterConfig;
use online_sync::server::ServerConfig;
use redis_server::RedisServer;
use serde_json::json;
use std::time::Duration;

const HELLO: &str =
    r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#;

/// A node of the cluster on `redis`, with a short lease so tests see its ticks
/// (not shorter: a node lets a room go when a renewal is late by a third of it,
/// and a test machine running many tests at once is slow).
fn node(redis: &RedisServer, id: &str) -> ServerConfig {
    let mut c = ClusterConfig::new(redis.url());
    c.node_id = id.to_string();
    c.lease_ms = 1_500;
    c.place_timeout_ms = 3_000;
    ServerConfig {
        cluster: Some(c),
        shards: 2,
        ..config()
    }
}

async fn nodes(redis: &RedisServer, n: usize, f: impl Fn(&mut ServerConfig)) -> Vec<Server> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut c = node(redis, &format!("node-{i}"));
        f(&mut c);
        out.push(Server::start(c).await);
    }
    out
}

async fn negotiated(s: &Server) -> Client {
    let mut c = s.client().await;
    c.send_text(HELLO).await;
    c.event(|e| e["type"] == "relay-features").await;
    c
}

#[tokio::test]
async fn host_and_participants_on_different_nodes_share_one_room() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 3, |_| {}).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "pw-1").await;
    let mut a = negotiated(&n[1]).await;
    let joined = join_room(&mut a, "guest-a", "pw-1").await;
    assert_eq!(joined["hostClientId"], "host-1");
    assert!(joined["resumeToken"].is_string(), "{joined}");
    let mut b = negotiated(&n[2]).await;
    join_room(&mut b, "guest-b", "pw-1").await;
    host.ok(
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true, "currentIndex": 3}}),
    )
    .await;
    for c in [&mut a, &mut b] {
        let e = c.event(|e| e["type"] == "session-state-updated").await;
        assert_eq!(e["state"]["revision"], 1, "{e}");
        assert_eq!(e["state"]["currentIndex"], 3, "{e}");
    }
    // The rules of the room's core, across nodes.
    let mut c = negotiated(&n[2]).await;
    let dup = c
        .err(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-a", "password": "pw-1"}),
        )
        .await;
    assert_eq!(dup, "duplicate-client-id");
    let wrong = c
        .err(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-c", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong, "invalid-password");
    let forbidden = a
        .err(
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"isPlaying": false}}),
        )
        .await;
    assert_eq!(forbidden, "forbidden-not-host");
    let snap = b.ok("getRoomSnapshot", json!({"sessionCode": CODE})).await;
    assert_eq!(snap["participantsCount"], 3, "{snap}");
    // A participant on another node leaves: the host sees it.
    a.ok("leaveRoom", json!({"sessionCode": CODE})).await;
    let left = host
        .event(|e| e["type"] == "room-updated" && e["source"] == "participant-left")
        .await;
    assert_eq!(left["snapshot"]["participantsCount"], 2, "{left}");
}

#[tokio::test]
async fn a_room_full_on_one_node_is_full_on_every_node() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 2, |c| c.relay.max_participants = 2).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "").await;
    let mut a = negotiated(&n[1]).await;
    join_room(&mut a, "guest-a", "").await;
    let mut b = negotiated(&n[0]).await;
    let full = b
        .err(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-b", "password": ""}),
        )
        .await;
    assert_eq!(full, "room-full");
}

#[tokio::test]
async fn two_nodes_racing_to_create_one_code_make_one_room() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 2, |_| {}).await;
    for round in 0..5 {
        let code = format!("RACE-{:04}", 2000 + round);
        let mut a = negotiated(&n[0]).await;
        let mut b = negotiated(&n[1]).await;
        let create = |host: &str| {
            json!({"sessionCode": code, "hostClientId": host, "sessionName": "r",
                "controlMode": "shared-pause", "password": "", "hostDisplayName": host})
        };
        let (ra, rb) = tokio::join!(
            a.request("createRoom", create("host-a")),
            b.request("createRoom", create("host-b"))
        );
        let oks = [&ra, &rb].iter().filter(|r| r["ok"] == true).count();
        assert_eq!(oks, 1, "round {round}: {ra} / {rb}");
        let lost = if ra["ok"] == true { &rb } else { &ra };
        assert_eq!(lost["error"], "session-already-exists", "{lost}");
    }
}

#[tokio::test]
async fn max_rooms_counts_the_rooms_of_every_node() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 2, |c| c.relay.max_rooms = 2).await;
    let create = |code: &str| {
        json!({"sessionCode": code, "hostClientId": "h", "sessionName": "r",
            "controlMode": "shared-pause", "password": "", "hostDisplayName": "h"})
    };
    let mut a = negotiated(&n[0]).await;
    a.ok("createRoom", create("ROOM-2001")).await;
    let mut b = negotiated(&n[1]).await;
    b.ok("createRoom", create("ROOM-2002")).await;
    // Each node learns the other's count with its next heartbeat (a third of
    // the lease); wait for a few.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut c = negotiated(&n[0]).await;
    let refused = c.err("createRoom", create("ROOM-2003")).await;
    assert_eq!(refused, "server-room-limit");
}

#[tokio::test]
async fn with_redis_down_requests_say_transport_unavailable_and_the_room_survives() {
    let mut redis = RedisServer::start();
    let n = nodes(&redis, 2, |_| {}).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "pw-2").await;
    host.ok(
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"currentIndex": 5}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = http(n[1].addr, "GET", "/health").await;
    assert!(health.body.contains(r#""redis":"up""#), "{}", health.body);
    redis.stop();
    let mut other = negotiated(&n[1]).await;
    let e = other
        .err(
            "joinRoom",
            json!({"sessionCode": "DOWN-2345", "clientId": "x", "password": ""}),
        )
        .await;
    assert_eq!(e, "transport-unavailable");
    let health = http(n[1].addr, "GET", "/health").await;
    assert!(health.body.contains(r#""redis":"down""#), "{}", health.body);
    let metrics = http(n[1].addr, "GET", "/metrics").await;
    assert!(
        metrics.body.contains("posechrono_relay_redis_errors_total"),
        "{}",
        metrics.body
    );
    assert!(!metrics
        .body
        .contains("posechrono_relay_redis_errors_total 0\n"));
    assert!(
        metrics.body.contains("posechrono_relay_redis_up 0\n"),
        "{}",
        metrics.body
    );
    let trips = metrics
        .body
        .lines()
        .find_map(|l| l.strip_prefix("posechrono_relay_redis_round_trips_total "))
        .and_then(|n| n.parse::<u64>().ok())
        .expect("round trips counted");
    assert!(trips > 0);
    // The owner cannot renew the room's lease: it lets the room go before the
    // lease could lapse (another node could take it then), closing the host.
    assert_eq!(host.ended().await, Ended::Close(1012, "room-moved".into()));
    redis.restart();
    // Back: a participant on the other node joins the room, state intact (the
    // host's node let the room go or kept it; either way it is whole).
    // A try whose letters crossed while node 1's subscription was still away
    // is closed with 1012 (it would resume): try again.
    let mut guest = None;
    for _ in 0..50 {
        let mut c = negotiated(&n[1]).await;
        let tried = tokio::spawn(async move {
            let r = c
                .request(
                    "joinRoom",
                    json!({"sessionCode": CODE, "clientId": "guest-1", "password": "pw-2"}),
                )
                .await;
            (c, r)
        })
        .await;
        let Ok((c, r)) = tried else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        if r["ok"] == true {
            assert_eq!(r["result"]["sessionState"]["currentIndex"], 5, "{r}");
            assert_eq!(r["result"]["sessionStateRevision"], 1, "{r}");
            guest = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(guest.is_some(), "the room is joinable once redis is back");
}

#[tokio::test]
async fn a_room_closed_and_created_again_at_once_keeps_its_owner() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 2, |_| {}).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "").await;
    host.ok("leaveRoom", json!({"sessionCode": CODE})).await;
    let mut again = negotiated(&n[0]).await;
    create_room(&mut again, "pw-3").await;
    // Past two lease renewals: the new room is still served, from any node.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let mut guest = negotiated(&n[1]).await;
    join_room(&mut guest, "guest-1", "pw-3").await;
    again
        .ok(
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"currentIndex": 1}}),
        )
        .await;
    let e = guest.event(|e| e["type"] == "session-state-updated").await;
    assert_eq!(e["state"]["currentIndex"], 1, "{e}");
}

#[tokio::test]
async fn a_node_that_loses_its_lease_lets_the_room_go() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 1, |_| {}).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored: Vec<u8> = redis.query(redis::cmd("GET").arg(format!("os:room:{CODE}")));
    assert!(!stored.is_empty(), "the room is written to redis");
    // Another node takes the lease (as if this node's had expired).
    let _: () = redis.query(
        redis::cmd("SET")
            .arg(format!("os:lease:{CODE}"))
            .arg("intruder"),
    );
    assert_eq!(host.ended().await, Ended::Close(1012, "room-moved".into()));
    // This node wrote nothing more: the record is the one before.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after: Vec<u8> = redis.query(redis::cmd("GET").arg(format!("os:room:{CODE}")));
    assert_eq!(after, stored);
}

#[tokio::test]
async fn rooms_are_written_again_when_redis_comes_back_without_its_data() {
    let mut redis = RedisServer::start();
    let n = nodes(&redis, 2, |_| {}).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "pw-4").await;
    host.ok(
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"currentIndex": 7}}),
    )
    .await;
    redis.restart_empty();
    // The owner renews (taking its lease again: nobody else can have it) and
    // writes its rooms again. (A client of another node that names the room
    // before that may take the lease first: docs/cluster.md, Redis without
    // persistence.)
    let key = format!("os:room:{CODE}");
    for _ in 0..100 {
        if redis.query::<bool>(redis::cmd("EXISTS").arg(&key)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lease: Option<String> = redis.query(redis::cmd("GET").arg(format!("os:lease:{CODE}")));
    assert!(
        lease.as_deref().is_some_and(|l| l.starts_with("node-0.")),
        "{lease:?}"
    );
    let mut c = negotiated(&n[1]).await;
    let r = c
        .request(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-1", "password": "pw-4"}),
        )
        .await;
    let joined = (r["ok"] == true).then_some(r);
    let r = joined.expect("the room is served again");
    assert_eq!(r["result"]["sessionState"]["currentIndex"], 7, "{r}");
}

#[tokio::test]
async fn a_dead_owners_lease_is_waited_out_up_to_the_place_timeout() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 1, |c| {
        if let Some(cl) = c.cluster.as_mut() {
            cl.place_timeout_ms = 400;
        }
    })
    .await;
    let join = |code: &str| json!({"sessionCode": code, "clientId": "g", "password": ""});
    // A lease of a node with no heartbeat (dead), longer than the wait.
    let _: () = redis.query(
        redis::cmd("SET")
            .arg("os:lease:GHST-2345")
            .arg("ghost")
            .arg("PX")
            .arg(60_000),
    );
    let mut c = negotiated(&n[0]).await;
    let started = std::time::Instant::now();
    assert_eq!(
        c.err("joinRoom", join("GHST-2345")).await,
        "transport-unavailable"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    // One that expires within the wait: the room is placed here (and has no room).
    let _: () = redis.query(
        redis::cmd("SET")
            .arg("os:lease:GHST-2346")
            .arg("ghost")
            .arg("PX")
            .arg(150),
    );
    assert_eq!(
        c.err("joinRoom", join("GHST-2346")).await,
        "session-not-found"
    );
}

#[tokio::test]
async fn the_password_lockout_counts_guesses_from_every_node() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 3, |c| {
        c.relay.password_lockout_max = 6;
        c.relay.password_lockout_window_ms = 60_000;
    })
    .await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "right-pw").await;
    let mut checked = 0;
    // Guesses from one address, spread over the three nodes.
    for i in 0..9 {
        let mut guesser = n[i % 3].client().await;
        let r = guesser
            .request(
                "joinRoom",
                json!({"sessionCode": CODE, "clientId": format!("g{i}"), "password": format!("guess-{i}")}),
            )
            .await;
        match r["error"].as_str() {
            Some("invalid-password") => checked += 1,
            Some("too-many-password-attempts") => {}
            other => panic!("unexpected reply {other:?}: {r}"),
        }
    }
    assert_eq!(
        checked, 6,
        "one window for the room and address, whatever the node"
    );
}

#[tokio::test]
async fn a_room_its_owner_holds_keeps_its_lease_when_its_record_is_gone() {
    let redis = RedisServer::start();
    let n = nodes(&redis, 1, |_| {}).await;
    let mut host = negotiated(&n[0]).await;
    create_room(&mut host, "").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The record goes (a Redis that lost it, a write that failed).
    let _: () = redis.query(redis::cmd("DEL").arg(format!("os:room:{CODE}")));
    // Past the young time and several renewals (lease 1.5 s): still served.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    host.ok(
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"currentIndex": 4}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored: Option<Vec<u8>> = redis.query(redis::cmd("GET").arg(format!("os:room:{CODE}")));
    assert!(stored.is_some(), "the next change writes the room again");
    let lease: Option<String> = redis.query(redis::cmd("GET").arg(format!("os:lease:{CODE}")));
    assert!(lease.is_some_and(|l| l.starts_with("node-0.")));
}
