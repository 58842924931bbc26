//! The relay server: the relay core behind real sockets (tokio + axum).
//!
//! [`run`] takes a bound listener and a shutdown future, as mini-redis does; the
//! binary `online-sync-relay` is a short `main` around it. Wire behaviour follows
//! PROTOCOL.md: WebSocket on any path, `GET /health`, `OPTIONS` 204, CORS `*`,
//! 404 JSON elsewhere (or static files when a directory is configured).

mod actor;
mod conn;
mod http;

pub use actor::now_ms;

use crate::settings::RelaySettings;
use axum::Router;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// Socket-level settings of the server (the relay's rules are in [`RelaySettings`]).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The relay core's settings.
    pub relay: RelaySettings,
    /// Peers whose `X-Forwarded-For` is believed (e.g. a same-host reverse proxy).
    pub trusted_proxies: Vec<IpAddr>,
    /// Allowed `Origin`s for WebSocket upgrades; empty allows all (as deployed).
    pub allowed_origins: Vec<String>,
    /// Serve this directory's files on plain GET requests (the demo page).
    pub static_dir: Option<PathBuf>,
    /// Frames queued for one connection before it counts as a slow reader and is closed.
    pub outbound_queue: usize,
    /// WebSocket read buffer, bytes.
    pub read_buffer_bytes: usize,
    /// WebSocket write buffer, bytes.
    pub write_buffer_bytes: usize,
    /// Ping every this many ms.
    pub ping_interval_ms: u64,
    /// A connection silent (no message, no pong) this long is closed, ms.
    pub idle_timeout_ms: u64,
    /// On shutdown, connections get this long to close before the server exits, ms.
    pub shutdown_grace_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            relay: RelaySettings::default(),
            trusted_proxies: Vec::new(),
            allowed_origins: Vec::new(),
            static_dir: None,
            outbound_queue: 256,
            read_buffer_bytes: 128 * 1024,
            write_buffer_bytes: 128 * 1024,
            ping_interval_ms: 20_000,
            idle_timeout_ms: 60_000,
            shutdown_grace_ms: 3_000,
        }
    }
}

/// State shared by the HTTP handlers.
#[derive(Debug, Clone)]
struct Shared {
    config: Arc<ServerConfig>,
    actor: Arc<Mutex<actor::ActorTx>>,
    next_conn: Arc<AtomicU64>,
    local: SocketAddr,
}

/// Serves the relay on `listener` until `shutdown` resolves, then closes every
/// connection with 1001 `server-shutdown` and returns within the grace period.
///
/// # Errors
/// When the listener fails.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
    let relay = config.relay.clone();
    let actor = std::thread::Builder::new()
        .name("relay-core".into())
        .spawn(move || actor::run(relay, seed, rx))?;
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let shared = Shared {
        config: Arc::new(config),
        actor: Arc::new(Mutex::new(tx.clone())),
        next_conn: Arc::new(AtomicU64::new(1)),
        local,
    };
    let app = Router::new().fallback(http::handle).with_state(shared);
    tracing::info!(%local, "relay listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let handle = tokio::spawn(async move { server.await });
    let mut stop = stop_rx;
    let _ = stop.changed().await;
    tracing::info!("shutting down: closing connections");
    let _ = tx.send(actor::Input::Shutdown);
    // Open WebSockets keep axum's graceful shutdown waiting; bound it.
    let _ = tokio::time::timeout(grace, handle).await;
    let _ = tokio::task::spawn_blocking(move || actor.join()).await;
    Ok(())
}
