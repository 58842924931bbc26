//! "Where we differ on purpose": the deployed relay checks that a code is free
//! before hashing the password, so concurrent creates of one code can all succeed.
//! Ours: over N real sockets at once, exactly one wins and every other gets
//! `session-already-exists`.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{guard, Server};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

const SOCKETS: usize = 8;
const ROUNDS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_creates_of_one_code_have_exactly_one_winner() {
    let server = Server::start(net::config()).await;
    for round in 0..ROUNDS {
        let code = format!("RACE-000{round}");
        let barrier = Arc::new(Barrier::new(SOCKETS));
        let mut tasks = Vec::new();
        for i in 0..SOCKETS {
            // Every socket is open before any create is sent.
            let mut client = server.client().await;
            let barrier = barrier.clone();
            let code = code.clone();
            tasks.push(tokio::spawn(async move {
                let host = format!("host-{i}");
                let payload = json!({"sessionCode": code, "hostClientId": host,
                    "password": format!("pw-{i}"), "sessionName": format!("room {i}")});
                barrier.wait().await;
                let reply = client.request("createRoom", payload).await;
                (host, reply, client)
            }));
        }
        let mut winners = Vec::new();
        let mut losers = Vec::new();
        for t in tasks {
            let (host, reply, client) = guard("a create", t).await.expect("task");
            if reply["ok"] == true {
                winners.push((host, reply, client));
            } else {
                assert_eq!(reply["error"], "session-already-exists", "{reply}");
                losers.push(client);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {} winners", winners.len());
        assert_eq!(losers.len(), SOCKETS - 1);

        // The room is the winner's: its snapshot, its password, its socket binding.
        let (host, reply, mut client) = winners.pop().unwrap();
        assert_eq!(reply["result"]["hostClientId"], host.as_str());
        let snap = client
            .ok("getRoomSnapshot", json!({"sessionCode": code}))
            .await;
        assert_eq!(snap["hostClientId"], host.as_str());
        assert_eq!(snap["participantIds"], json!([host]));
        let winner_pw = format!("pw-{}", host.trim_start_matches("host-"));
        for (k, loser) in losers.iter_mut().enumerate() {
            let code_err = loser
                .err("getRoomSnapshot", json!({"sessionCode": code}))
                .await;
            assert_eq!(code_err, "not-joined");
            if k == 0 {
                let join =
                    json!({"sessionCode": code, "clientId": "late-guest", "password": winner_pw});
                let snap = loser.ok("joinRoom", join).await;
                assert_eq!(snap["hostClientId"], host.as_str());
            }
        }
    }
}
