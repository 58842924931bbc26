//! Over real sockets with the relay binary (`--host-grace-ms`): a host whose socket
//! drops comes back with its token within the grace and keeps the room for a
//! participant who stayed connected; a resume elsewhere closes the old socket with
//! 4001; the trace logs never hold a token.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;
mod net;

use child::RelayChild;
use net::{create_room, join_room, Client, Ended, CODE};
use serde_json::{json, Value};
use std::net::SocketAddr;

const HELLO: &str =
    r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#;

/// Connects and negotiates; returns the client and the `relay-features` event.
async fn negotiated(addr: SocketAddr) -> (Client, Value) {
    let mut c = Client::connect(addr, "/", &[]).await.expect("connects");
    c.send_text(HELLO).await;
    let first = c.recv().await;
    assert_eq!(first["type"], "event", "{first}");
    (c, first["event"].clone())
}

fn token(v: &Value) -> String {
    v["resumeToken"].as_str().expect("resumeToken").to_string()
}

#[tokio::test]
async fn a_host_resumes_within_the_grace_and_the_room_lives_on() {
    let mut relay = RelayChild::spawn(
        &["--host-grace-ms", "30000"],
        &[("RUST_LOG", "trace")],
        None,
    );
    let addr = relay.addr;

    let mut tokens = Vec::new();
    {
        let (mut host, features) = negotiated(addr).await;
        assert_eq!(
            features,
            json!({"type": "relay-features", "features": ["resume"], "hostGraceMs": 30000})
        );
        let created = create_room(&mut host, "pw-Secret-55").await;
        tokens.push(token(&created));
        let (mut guest, _) = negotiated(addr).await;
        let joined = join_room(&mut guest, "guest-1", "pw-Secret-55").await;
        tokens.push(token(&joined));
        // The host's socket drops without leaveRoom.
        drop(host);
        let away = guest
            .room_event("room-updated", "participant-state-updated")
            .await;
        assert_eq!(away["snapshot"]["hostConnected"], false);
        assert_eq!(away["snapshot"]["participantsCount"], 2);
        // A new socket resumes as the host.
        let (mut host2, _) = negotiated(addr).await;
        let back = host2
            .ok("resumeSession", json!({"resumeToken": tokens[0]}))
            .await;
        assert_eq!(
            (back["role"].as_str(), back["clientId"].as_str()),
            (Some("host"), Some("host-1"))
        );
        assert_eq!(back["hostConnected"], true);
        tokens.push(token(&back));
        let again = guest
            .room_event("room-updated", "participant-state-updated")
            .await;
        assert_eq!(again["snapshot"]["hostConnected"], true);
        // The room is alive and the host is the host: its state reaches the guest.
        host2
            .ok(
                "updateRoom",
                json!({"sessionCode": CODE, "patch": {"sessionName": "After the drop"}}),
            )
            .await;
        let renamed = guest.room_event("room-updated", "room-updated").await;
        assert_eq!(renamed["snapshot"]["sessionName"], "After the drop");
        // The used-up token is refused.
        let (mut thief, _) = negotiated(addr).await;
        assert_eq!(
            thief
                .err("resumeSession", json!({"resumeToken": tokens[0]}))
                .await,
            "session-expired"
        );
        // The guest resumes on a second socket while the first is open: the first closes.
        let (mut guest2, _) = negotiated(addr).await;
        let moved = guest2
            .ok("resumeSession", json!({"resumeToken": tokens[1]}))
            .await;
        assert_eq!(moved["clientId"], "guest-1");
        assert_eq!(moved["participantsCount"], 2);
        tokens.push(token(&moved));
        match guest.ended().await {
            Ended::Close(code, reason) => {
                assert_eq!((code, reason.as_str()), (4001, "session-resumed-elsewhere"))
            }
            other => panic!("expected a 4001 close, got {other:?}"),
        }
    }
    relay.terminate();
    let logs = relay.log();
    assert!(
        logs.contains("connection"),
        "connections are logged:\n{logs}"
    );
    for t in &tokens {
        let secret = t.rsplit('.').next().expect("secret");
        assert!(!logs.contains(secret), "the logs leak a token:\n{logs}");
    }
    assert!(!logs.contains("rt1."), "the logs leak a token:\n{logs}");
}
