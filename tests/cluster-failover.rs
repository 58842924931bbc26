//! A cluster node dies mid-session (kill -9): its rooms move to another node
//! within seconds and nothing is lost (issue 15). The nodes are relay binaries on
//! one Redis of the test's own. The host is on the node that dies, a participant
//! on the other: the participant's node closes it with 1012 `room-moved` once the
//! dead node's heartbeat is gone, both resume with their tokens on the live node,
//! and the room's password, state, pack and media are as before.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;
mod net;
#[path = "net/redis.rs"]
mod redis_server;

use child::RelayChild;
use net::{create_room, join_room, publish_session, Client, Ended, Published, CODE};
use redis_server::RedisServer;
use serde_json::json;
use std::time::{Duration, Instant};

const HELLO: &str =
    r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#;

fn node(redis: &RedisServer, id: &str) -> RelayChild {
    RelayChild::spawn(
        &[
            "--redis-url",
            &redis.url(),
            "--node-id",
            id,
            "--lease-ms",
            "1500",
        ],
        &[],
        None,
    )
}

async fn negotiated(n: &RelayChild) -> Client {
    let mut c = Client::connect(n.addr, "/", &[]).await.expect("connects");
    c.send_text(HELLO).await;
    c.event(|e| e["type"] == "relay-features").await;
    c
}

#[tokio::test]
async fn the_owner_dies_and_its_room_goes_on_elsewhere_with_nothing_lost() {
    let redis = RedisServer::start();
    let mut a = node(&redis, "a");
    let b = node(&redis, "b");
    let mut host = negotiated(&a).await;
    let created = create_room(&mut host, "pw-Fail-1").await;
    let host_token = created["resumeToken"].as_str().expect("token").to_string();
    let mut guest = negotiated(&b).await;
    let joined = join_room(&mut guest, "guest-1", "pw-Fail-1").await;
    let guest_token = joined["resumeToken"].as_str().expect("token").to_string();
    let b64 = publish_session(
        &mut host,
        Published {
            index: 4,
            refs: 1,
            identity: "img-0",
            salt: 9,
        },
    )
    .await;
    let before = guest
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    let pack_before = guest
        .ok("getSessionPack", json!({"sessionCode": CODE}))
        .await;
    // Past the write-behind window (100 ms), then kill -9: no shutdown, no flush.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Instant::now();
    a.kill_9();
    drop(host);

    // The participant's node sees the owner gone and closes it to resume.
    assert_eq!(
        guest.ended().await,
        Ended::Close(1012, "room-moved".into()),
        "the crossed client is told to resume"
    );
    let mut guest = negotiated(&b).await;
    let resumed = guest
        .ok("resumeSession", json!({"resumeToken": guest_token}))
        .await;
    let took = killed.elapsed();
    assert_eq!(resumed["clientId"], "guest-1");
    let mut host = negotiated(&b).await;
    let back = host
        .ok("resumeSession", json!({"resumeToken": host_token}))
        .await;
    assert_eq!(
        (back["clientId"].as_str(), back["role"].as_str()),
        (Some("host-1"), Some("host"))
    );
    eprintln!("failover: the participant resumed {took:?} after kill -9 of the owner");

    let after = guest
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    for field in [
        "sessionName",
        "controlMode",
        "hostClientId",
        "sessionState",
        "sessionStateRevision",
        "sessionPackMeta",
        "sessionMediaMeta",
        "createdAt",
    ] {
        assert_eq!(after[field], before[field], "{field}");
    }
    let pack_after = guest
        .ok("getSessionPack", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(pack_after, pack_before);
    let file = guest
        .ok(
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "img-0"}),
        )
        .await;
    assert_eq!(file["file"]["dataBase64"], json!(b64));
    // The password moved too.
    let mut other = negotiated(&b).await;
    let wrong = other
        .err(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-2", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong, "invalid-password");
    // And the room goes on: the host's next change reaches the participant.
    host.ok(
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": false, "currentIndex": 5}}),
    )
    .await;
    let e = guest.event(|e| e["type"] == "session-state-updated").await;
    assert_eq!(e["state"]["revision"], 2, "{e}");
}

#[tokio::test]
async fn a_node_restarted_with_the_same_id_is_a_new_node() {
    let redis = RedisServer::start();
    let b = node(&redis, "b");
    let mut a = node(&redis, "a");
    let mut host = negotiated(&b).await;
    create_room(&mut host, "").await;
    // The guest's connection is the first of node a's process: connection id 1,
    // served on b (the room's owner) for a.
    let mut guest = negotiated(&a).await;
    join_room(&mut guest, "guest-1", "").await;
    a.kill_9();
    drop(guest);
    // At once, with the same id: its first connection has id 1 again, and must
    // not be taken for the old process's guest.
    let a = node(&redis, "a");
    let mut stranger = negotiated(&a).await;
    let e = stranger
        .err("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(e, "not-joined");
    let e = stranger
        .err(
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"currentIndex": 9}}),
        )
        .await;
    assert_eq!(e, "not-joined");
}
