//! The relay's logs, at the most verbose level, never contain a room password or
//! media bytes, while they do say what the relay does.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{create_room, join_room, png, Client, CODE};
use online_sync::validate::media::to_base64;
use serde_json::json;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn trace_logs_hold_no_password_and_no_media_bytes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_online-sync-relay"))
        .args(["--host", "127.0.0.1", "--port", "0"])
        .env("RUST_LOG", "trace")
        .env("POSECHRONO_SYNC_PASSWORD_HASH_LOG_N", "4")
        .env_remove("PORT")
        .env_remove("POSECHRONO_SYNC_RELAY_PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the relay binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    let addr: SocketAddr = line
        .trim()
        .trim_start_matches("online-sync relay on ws://")
        .parse()
        .expect("address");
    let mut stderr = child.stderr.take().expect("stderr");
    let logs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let secret = "tiger-Secret-9731";
    let bytes = png(77);
    let b64 = to_base64(&bytes);
    {
        let mut host = Client::connect(addr, "/", &[])
            .await
            .expect("host connects");
        create_room(&mut host, secret).await;
        let mut guest = Client::connect(addr, "/", &[])
            .await
            .expect("guest connects");
        let wrong = guest
            .err(
                "joinRoom",
                json!({"sessionCode": CODE, "clientId": "guest-1", "password": "wrong-Secret-1"}),
            )
            .await;
        assert_eq!(wrong, "invalid-password");
        join_room(&mut guest, "guest-1", secret).await;
        let file = json!({"identity": "img-1", "name": "p.png", "ext": "png", "mime": "image/png",
            "size": bytes.len(), "dataBase64": b64});
        host.ok(
            "uploadSessionMediaFile",
            json!({"sessionCode": CODE, "file": file}),
        )
        .await;
        let got = guest
            .ok(
                "getSessionMediaFile",
                json!({"sessionCode": CODE, "identity": "img-1"}),
            )
            .await;
        assert_eq!(got["file"]["dataBase64"], b64.as_str());
    }
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill")
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "hang guard: the relay did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let logs = logs.join().expect("log reader");
    assert!(
        logs.contains("relay listening"),
        "the logs say what happens:\n{logs}"
    );
    assert!(
        logs.contains("connection"),
        "connections are logged:\n{logs}"
    );
    for needle in [secret, "wrong-Secret-1", &b64[20..60]] {
        assert!(!logs.contains(needle), "the logs leak {needle:?}:\n{logs}");
    }
}
