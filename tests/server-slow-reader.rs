//! A client that stops reading while the room keeps broadcasting is dropped once
//! its bounded outbound queue is full: the relay removes it from the room (the
//! others hear `participant-left`), keeps serving everyone else, and the slow
//! client's socket ends. Nothing grows without bound on the server.
//!
//! Socket buffers are made small on both ends so the slow path fills after a
//! few frames, whatever the machine's TCP autotuning.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{create_room, guard, join_room, Client, Ended, Server, CODE};
use online_sync::server::ServerConfig;
use serde_json::{json, Value};
use tokio::net::TcpSocket;

const QUEUE: usize = 8;
const FRAME_DATA: usize = 16 * 1024;
/// Hang guard on the number of broadcasts: far more than the queue plus the
/// (small) socket buffers can hold.
const MAX_BROADCASTS: usize = 400;

fn is_slow_left(frame: &Value) -> bool {
    let e = &frame["event"];
    frame["type"] == "event"
        && e["type"] == "room-updated"
        && e["source"] == "participant-left"
        && !e["snapshot"]["participantIds"]
            .as_array()
            .unwrap()
            .contains(&json!("slow"))
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_the_others_are_served() {
    let mut relay = net::settings();
    relay.rate_max_messages = 1_000_000;
    relay.drawing_rate_max_messages = 1_000_000;
    let config = ServerConfig {
        relay,
        outbound_queue: QUEUE,
        write_buffer_bytes: 4 * 1024,
        ..net::config()
    };
    // Accepted sockets inherit the listener's small send buffer.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(8 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let server = Server::start_on(socket.listen(64).unwrap(), config);

    let mut host = server.client().await;
    create_room(&mut host, "").await;
    let mut fast = server.client().await;
    join_room(&mut fast, "fast", "").await;
    let slow_socket = TcpSocket::new_v4().unwrap();
    slow_socket.set_recv_buffer_size(4 * 1024).unwrap();
    let tcp = guard("connect", slow_socket.connect(server.addr))
        .await
        .unwrap();
    let mut slow = Client::handshake(tcp, server.addr, "/", &[]).await.unwrap();
    join_room(&mut slow, "slow", "").await;
    // From here on, `slow` reads nothing until the end.

    let points = "p".repeat(FRAME_DATA);
    let mut sent = 0;
    let mut dropped = false;
    let mut fast_heard = false;
    while sent < MAX_BROADCASTS && !dropped {
        let frames = host
            .request_frames(
                "sendDrawingSync",
                json!({"sessionCode": CODE, "msgType": "stroke-batch", "data": {"points": points}}),
            )
            .await;
        assert_eq!(frames.last().unwrap()["ok"], true);
        sent += 1;
        dropped = frames.iter().any(is_slow_left);
        // The fast reader keeps up in lockstep: it gets every broadcast.
        loop {
            let frame = fast.recv().await;
            fast_heard |= is_slow_left(&frame);
            let ev = &frame["event"];
            if ev["type"] == "drawing-sync" {
                assert_eq!(
                    ev["data"]["points"].as_str().map(str::len),
                    Some(FRAME_DATA)
                );
                break;
            }
        }
    }
    assert!(
        dropped,
        "the slow client was still queued for after {sent} broadcasts"
    );
    assert!(sent > QUEUE, "dropped before its queue could fill ({sent})");

    // Everyone else is still served, and hears that `slow` left.
    if !fast_heard {
        let ev = fast.room_event("room-updated", "participant-left").await;
        assert_eq!(ev["snapshot"]["participantIds"], json!(["host-1", "fast"]));
    }
    let snap = fast
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(snap["participantsCount"], 2);
    let mut late = server.client().await;
    join_room(&mut late, "late", "").await;

    // The slow client's socket ends: a 1008 close if it fit in the buffers,
    // else the bare end of the stream.
    match slow.ended().await {
        Ended::Close(code, reason) => assert_eq!((code, reason.as_str()), (1008, "slow-consumer")),
        Ended::Dropped(_) => {}
    }
}
