//! Password guessing over real sockets: a client that opens a new socket for every
//! guess (the per-socket join limit never trips) has at most `password_lockout_max`
//! wrong passwords checked per room in any window; the next guess, right or wrong,
//! gets `too-many-password-attempts` with `retryAfterMs`, and the host's room is
//! untouched.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{create_room, Server, CODE};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The body of `GET /metrics`.
async fn metrics(server: &Server) -> String {
    let mut s = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_sockets_are_locked_out_per_room_and_address() {
    let mut config = net::config();
    config.relay.password_lockout_max = 8;
    config.relay.password_lockout_window_ms = 60_000;
    let server = Server::start(config).await;
    let mut host = server.client().await;
    create_room(&mut host, "right-pw").await;
    let mut checked = 0;
    for i in 0..12 {
        let mut guesser = server.client().await;
        let r = guesser
            .request(
                "joinRoom",
                json!({"sessionCode": CODE, "clientId": format!("g{i}"), "password": format!("guess-{i}")}),
            )
            .await;
        match r["error"].as_str() {
            Some("invalid-password") => checked += 1,
            Some("too-many-password-attempts") => {
                let after = r["retryAfterMs"].as_u64().expect("retryAfterMs");
                assert!(after > 0 && after <= 60_000, "{r}");
            }
            other => panic!("unexpected reply {other:?}: {r}"),
        }
    }
    assert_eq!(checked, 8, "wrong passwords checked in the window");
    // Even the right password waits for the window now.
    let mut late = server.client().await;
    let r = late
        .request(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "late", "password": "right-pw"}),
        )
        .await;
    assert_eq!(r["error"], "too-many-password-attempts", "{r}");
    let snap = host
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    assert_eq!(snap["participantsCount"], 1);
    // 4 guesses past the edge and the late right password: 5 lockouts counted.
    let m = metrics(&server).await;
    assert!(
        m.lines()
            .any(|l| l == "posechrono_relay_password_lockouts_total 5"),
        "{m}"
    );
    server.stop().await;
}
