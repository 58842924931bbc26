//! Graceful shutdown: when the shutdown future resolves (SIGTERM/SIGINT for the
//! binary), the relay stops accepting, closes every socket with 1001
//! `server-shutdown` and returns within its grace period, even if a client never
//! answers. The binary also honours `--host/--port`, `POSECHRONO_SYNC_RELAY_*`,
//! `PORT` and the relay's `POSECHRONO_SYNC_*` settings.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{guard, parse_frames, raw_upgrade, Client, Ended, Server};
use online_sync::RelaySettings;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::AsyncReadExt;

const GRACE_MS: u64 = 500;
/// Slack on top of the grace period: a hang guard, not a speed requirement.
const MARGIN: Duration = Duration::from_secs(3);

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001_and_returns_in_time() {
    let mut config = net::config();
    config.shutdown_grace_ms = GRACE_MS;
    let mut server = Server::start(config).await;
    let mut host = server.client().await;
    net::create_room(&mut host, "pw").await;
    let mut guest = server.client().await;
    net::join_room(&mut guest, "guest-1", "pw").await;
    let mut idle = server.client().await;
    // A client that will never answer the close handshake.
    let (mut dead, _) = raw_upgrade(server.addr, "/", &[]).await;
    // Every socket is registered before the shutdown.
    let _ = idle
        .request(
            "getRoomSnapshot",
            serde_json::json!({"sessionCode": net::CODE}),
        )
        .await;

    server.trigger_shutdown();
    for c in [&mut host, &mut guest, &mut idle] {
        assert_eq!(
            c.ended().await,
            Ended::Close(1001, "server-shutdown".into())
        );
    }
    let mut bytes = Vec::new();
    guard(
        "the dead client to be dropped",
        dead.read_to_end(&mut bytes),
    )
    .await
    .expect("read");
    let close = parse_frames(&bytes).iter().find_map(|f| f.close());
    assert_eq!(close, Some((1001, "server-shutdown".to_string())));

    let took = server.join().await;
    assert!(
        took <= Duration::from_millis(GRACE_MS) + MARGIN,
        "run() took {took:?}"
    );
    // Nothing listens any more.
    let refused = tokio::net::TcpStream::connect(server.addr).await;
    assert!(refused.is_err(), "a connection was accepted after shutdown");
}

#[tokio::test]
async fn shutdown_with_no_connections_returns_at_once() {
    let mut config = net::config();
    config.shutdown_grace_ms = 60_000;
    let server = Server::start(config).await;
    assert_eq!(net::http(server.addr, "GET", "/health").await.status, 200);
    let took = server.stop().await;
    assert!(took < MARGIN, "run() waited {took:?} with nothing to drain");
}

/// The relay binary, killed if a test fails before it exits.
struct Relay {
    child: Child,
    addr: SocketAddr,
}

impl Relay {
    /// Starts the binary with these arguments and environment (every relay variable
    /// of the test's own environment removed) and reads the address it prints.
    fn spawn(args: &[&str], env: &[(&str, &str)]) -> Relay {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_online-sync-relay"));
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("PORT")
            .env_remove("POSECHRONO_SYNC_RELAY_HOST")
            .env_remove("POSECHRONO_SYNC_RELAY_PORT")
            .env("POSECHRONO_SYNC_PASSWORD_HASH_LOG_N", "4");
        for name in RelaySettings::ENV_NAMES {
            if !name.ends_with("PASSWORD_HASH_LOG_N") {
                cmd.env_remove(name);
            }
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().expect("spawn the relay binary");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(net::GUARD).unwrap_or_default();
        let addr = line
            .trim()
            .strip_prefix("online-sync relay on ws://")
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            panic!("unexpected first line: {line:?}");
        };
        Relay { child, addr }
    }

    /// Sends SIGTERM.
    fn term(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(ok.success());
    }

    /// Waits for the process to exit (bounded).
    async fn exit(&mut self) -> ExitStatus {
        let deadline = std::time::Instant::now() + net::GUARD;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "hang guard: the relay did not exit"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, then the exit status.
    async fn stop(mut self) -> ExitStatus {
        self.term();
        self.exit().await
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn the_binary_exits_on_sigterm_after_closing_sockets_with_1001() {
    let mut relay = Relay::spawn(&["--host", "127.0.0.1", "--port", "0"], &[]);
    assert_eq!(relay.addr.ip().to_string(), "127.0.0.1");
    let mut host = Client::connect(relay.addr, "/", &[]).await.unwrap();
    net::create_room(&mut host, "pw").await;
    let mut guest = Client::connect(relay.addr, "/", &[]).await.unwrap();
    net::join_room(&mut guest, "guest-1", "pw").await;

    let started = tokio::time::Instant::now();
    relay.term();
    for c in [&mut host, &mut guest] {
        assert_eq!(
            c.ended().await,
            Ended::Close(1001, "server-shutdown".into())
        );
    }
    let status = relay.exit().await;
    assert!(status.success(), "{status}");
    // The default grace is 3 s; the exit must not wait for more than that.
    assert!(started.elapsed() < Duration::from_secs(3) + MARGIN);
}

#[tokio::test]
async fn the_binary_takes_host_and_port_from_the_environment() {
    // POSECHRONO_SYNC_RELAY_PORT wins over PORT; the host variable is read too.
    let (p1, p2) = (free_port(), free_port());
    let relay = Relay::spawn(
        &[],
        &[
            ("POSECHRONO_SYNC_RELAY_HOST", "127.0.0.1"),
            ("POSECHRONO_SYNC_RELAY_PORT", &p1.to_string()),
            ("PORT", &p2.to_string()),
        ],
    );
    assert_eq!(relay.addr, SocketAddr::from(([127, 0, 0, 1], p1)));
    assert!(relay.stop().await.success());

    // PORT is the fallback (an empty relay variable counts as unset, as in JS).
    let p2 = free_port();
    let relay = Relay::spawn(
        &["--host", "127.0.0.1"],
        &[
            ("POSECHRONO_SYNC_RELAY_PORT", ""),
            ("PORT", &p2.to_string()),
        ],
    );
    assert_eq!(relay.addr.port(), p2);
    assert!(relay.stop().await.success());

    // --port overrides both.
    let p3 = free_port();
    let relay = Relay::spawn(
        &["--host", "127.0.0.1", "--port", &p3.to_string()],
        &[("POSECHRONO_SYNC_RELAY_PORT", &free_port().to_string())],
    );
    assert_eq!(relay.addr.port(), p3);
    assert!(relay.stop().await.success());
}

#[tokio::test]
async fn the_binary_reads_relay_settings_from_the_environment() {
    let relay = Relay::spawn(
        &["--host", "127.0.0.1", "--port", "0"],
        &[("POSECHRONO_SYNC_MAX_CONNECTIONS", "1")],
    );
    let mut first = Client::connect(relay.addr, "/", &[]).await.unwrap();
    let code = first
        .err(
            "getRoomSnapshot",
            serde_json::json!({"sessionCode": net::CODE}),
        )
        .await;
    assert_eq!(code, "not-joined");
    let mut second = Client::connect(relay.addr, "/", &[]).await.unwrap();
    assert_eq!(
        second.ended().await,
        Ended::Close(1013, "server-full".into())
    );
    assert!(relay.stop().await.success());
}
