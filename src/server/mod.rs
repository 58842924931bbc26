//! The relay server: the relay core behind real sockets (tokio + axum).
//!
//! [`run`] takes a bound listener and a shutdown future, as mini-redis does; the
//! binary `online-sync-relay` is a short `main` around it. Wire behaviour follows
//! PROTOCOL.md: WebSocket on any path, `GET /health`, `OPTIONS` 204, CORS `*`,
//! 404 JSON elsewhere (or static files when a directory is configured).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use online_sync::server::{run, ServerConfig};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(run(listener, ServerConfig::default(), async {
//!     let _ = stopped.await;
//! }));
//! // ... connect clients to ws://127.0.0.1:<port> ...
//! let _ = stop.send(());
//! server.await.expect("server task")?;
//! # Ok(()) }
//! ```
//!
//! Layers: [`accept`] admits each TCP connection (handshake deadline and caps,
//! file-limit headroom), [`http`] routes each request (upgrade, health, metrics,
//! CORS, origin check), [`socket`] is tungstenite over the upgraded connection
//! (small buffers, fragmented large writes), [`conn`] runs one socket (limits,
//! pings, close codes, [`ends`] logged), [`admission`] counts connections,
//! [`route`] picks a message's shard, [`actor`] runs one shard: a sans-IO relay
//! core on its own thread, [`metrics`] counts.
//!
//! Rooms are sharded across `shards` threads (default: one per core) by a hash
//! of their code; global limits (rooms, connections, per address) stay exact.

mod accept;
mod actor;
mod admission;
pub mod cluster;
mod conn;
mod ends;
mod http;
mod inbound;
mod metrics;
pub mod persist;
mod refragment;
mod route;
mod socket;
pub mod static_files;

pub use actor::now_ms;

use crate::settings::RelaySettings;
use axum::serve::ListenerExt;
use axum::Router;
use metrics::Metrics;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Socket-level settings of the server (the relay's rules are in [`RelaySettings`]).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The relay core's settings.
    pub relay: RelaySettings,
    /// Peers whose `X-Forwarded-For` is believed (e.g. a same-host reverse proxy).
    pub trusted_proxies: Vec<IpAddr>,
    /// Allowed `Origin`s for WebSocket upgrades; empty allows all (as deployed),
    /// `null` included (the origin of pages opened from `file://`, e.g. webview
    /// shells); list `"null"` to allow those pages along with the listed sites.
    /// An upgrade without an `Origin` header (a non-browser client) is always
    /// allowed. A refused origin is upgraded, then closed with 1008
    /// `origin-not-allowed` (and a log line naming the origin and the peer).
    pub allowed_origins: Vec<String>,
    /// Serve this directory's files on plain GET requests (the demo page).
    pub static_dir: Option<PathBuf>,
    /// Frames queued for one connection before it counts as a slow reader and is
    /// closed (1008 `slow-consumer`).
    pub outbound_queue: usize,
    /// Bytes queued for one connection (frames not yet written) before it counts
    /// as a slow reader and is closed (1008 `slow-consumer`); one frame larger
    /// than this still goes out when nothing else is queued.
    pub outbound_queue_bytes: usize,
    /// Pings and pongs a client may send per `client_ping_window_ms`; past it the
    /// connection is closed (1008 `ping-flood`).
    pub max_client_pings: u32,
    /// Window of `max_client_pings`, ms.
    pub client_ping_window_ms: u64,
    /// A connection that has not finished its WebSocket upgrade this long after
    /// it was accepted is closed (plain HTTP connections too), ms.
    pub handshake_timeout_ms: u64,
    /// Connections not (yet) upgraded at once; past it the oldest is closed to
    /// make room.
    pub max_handshakes: usize,
    /// Connections not (yet) upgraded from one address; past it new ones are
    /// closed at once (trusted proxies are exempt). Plain HTTP connections count
    /// until they close, and a browser loading the demo page opens about six, so
    /// the default (64) leaves room for several people behind one address.
    pub max_handshakes_per_ip: usize,
    /// File descriptors kept free below the process's `RLIMIT_NOFILE`: past that
    /// the oldest unfinished handshake is closed, or the new socket refused.
    pub fd_reserve: usize,
    /// WebSocket read buffer, bytes: what an idle socket holds (large client
    /// frames arrive as 60 KiB fragments; the buffer grows for one).
    pub read_buffer_bytes: usize,
    /// Bytes of frames collected before tungstenite writes them (a batch is
    /// flushed anyway); messages over 16 KiB go out as 16 KiB fragments.
    pub write_buffer_bytes: usize,
    /// Ping every this many ms.
    pub ping_interval_ms: u64,
    /// A connection silent (no message, no pong) this long is closed (1001
    /// `idle-timeout`), ms. A single write that cannot complete this long drops
    /// the connection too.
    pub idle_timeout_ms: u64,
    /// On shutdown, connections get this long to close before the server exits, ms.
    pub shutdown_grace_ms: u64,
    /// Room-password hashes (scrypt) that run at once, off the relay-core thread;
    /// 0 hashes inline on that thread (every room waits ~50 ms per hash).
    pub password_hash_workers: usize,
    /// Create/join requests that may wait for a password hash at once; past it they
    /// get `rate-limited` (at least 1).
    pub password_hash_max_pending: usize,
    /// Keep rooms in this directory (`rooms.redb` and `media/`): restored at start,
    /// changes written within ~100 ms. `None`: memory only, nothing written.
    pub data_dir: Option<PathBuf>,
    /// Large messages (over 64 KiB: media uploads) read at once on the blocking
    /// pool, in the whole relay (at least 1): their parsing, base64 and hashing
    /// leave the other cores to the rest of the rooms.
    pub large_message_readers: usize,
    /// Relay-core threads the rooms are sharded across (by a hash of the code);
    /// 0: one per available core. At most 64.
    pub shards: usize,
    /// With a Redis URL: this relay is one node of a cluster that acts as one
    /// relay ([`cluster`]); `None`: a relay on its own (the default).
    pub cluster: Option<cluster::ClusterConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            relay: RelaySettings::default(),
            trusted_proxies: Vec::new(),
            allowed_origins: Vec::new(),
            static_dir: None,
            outbound_queue: 256,
            outbound_queue_bytes: 16 * 1024 * 1024,
            max_client_pings: 30,
            client_ping_window_ms: 10_000,
            handshake_timeout_ms: 10_000,
            max_handshakes: 512,
            max_handshakes_per_ip: 64,
            fd_reserve: 64,
            read_buffer_bytes: 1024,
            write_buffer_bytes: 16 * 1024,
            ping_interval_ms: 20_000,
            idle_timeout_ms: 60_000,
            shutdown_grace_ms: 3_000,
            password_hash_workers: 2,
            password_hash_max_pending: 32,
            data_dir: None,
            shards: 0,
            large_message_readers: 1,
            cluster: None,
        }
    }
}

/// State shared by the HTTP handlers and every connection task.
#[derive(Debug, Clone)]
struct Shared {
    config: Arc<ServerConfig>,
    /// Each shard's input, by index ([`route::shard_of`]).
    shards: Arc<[actor::Target]>,
    /// Connections open, in total and per address, across shards.
    admission: Arc<admission::Admission>,
    /// Large messages read at once ([`ServerConfig::large_message_readers`]).
    aside: Arc<tokio::sync::Semaphore>,
    next_conn: Arc<AtomicU64>,
    /// `relayUrls` of `/health`.
    relay_urls: Arc<[String]>,
    /// `Some(deadline)` once the server shuts down: close with 1001 by then.
    stop: watch::Receiver<Option<Instant>>,
    /// Held by every task that may touch a socket; [`run`] waits until all are gone.
    _alive: mpsc::Sender<()>,
    /// The server's counters (`GET /metrics`).
    metrics: Arc<Metrics>,
    /// Admits TCP connections; told when one is upgraded.
    gate: Arc<accept::Gate>,
    /// On a cluster node: the index in `shards` of the gateway every message
    /// naming a room goes to ([`cluster`]).
    gateway: Option<usize>,
    /// On a cluster node: its id.
    node: Option<Arc<str>>,
}

impl Shared {
    /// The relay-core threads of this node (`shards` less the gateway).
    fn local_shards(&self) -> usize {
        (self.shards.len() - usize::from(self.gateway.is_some())).max(1)
    }
}

/// Serves the relay on `listener` until `shutdown` resolves, then stops accepting,
/// closes every connection with 1001 `server-shutdown` and returns within
/// `shutdown_grace_ms` (connections still open by then are dropped).
///
/// # Errors
/// When the listener's address cannot be read, the relay thread cannot start, or
/// the server or the relay thread stops on its own (e.g. a panic); connections are
/// closed with 1001 first, as on shutdown.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let metrics = Arc::new(Metrics::default());
    // A cluster node keeps one shard bit for its gateway (conn.rs: 64 in all).
    let count = shard_count(config.shards).min(if config.cluster.is_some() { 63 } else { 64 });
    let cluster = match &config.cluster {
        Some(c) => Some(cluster::start(c, &config.relay)?),
        None => None,
    };
    let store: Option<Arc<dyn crate::store::RoomStore>> = match (&cluster, &config.data_dir) {
        // Rooms live in Redis (loaded room by room when a lease is taken).
        (Some(c), _) => Some(c.store.clone()),
        (None, Some(dir)) => Some(Arc::new(
            crate::store::RedbStore::open(dir).map_err(|e| std::io::Error::other(e.to_string()))?,
        )),
        (None, None) => None,
    };
    // With a data dir: every stored room to its shard, one writer for all.
    let mut stored: Vec<Vec<crate::store::RoomRecord>> = (0..count).map(|_| Vec::new()).collect();
    let mut writer = None;
    if let Some(store) = &store {
        for record in persist::load(store.as_ref()) {
            let shard = crate::validate::SessionCode::normalize(&record.code)
                .map_or(0, |c| route::shard_of(&c, count));
            stored[shard].push(record);
        }
        writer = Some(Arc::new(persist::Writer::start(store.clone())?));
    }
    // The cores count connections no more: `admission` does, across shards.
    let mut relay = config.relay.clone();
    let admission = admission::Admission::new(relay.max_connections, relay.max_connections_per_ip);
    relay.max_connections = usize::MAX;
    relay.max_connections_per_ip = usize::MAX;
    // The media memory bounds count every shard's media (one bound for the relay).
    let media_shares = Arc::new(crate::relay::media_shares::MediaShares::new(count));
    let rooms_open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let permits = Arc::new(tokio::sync::Semaphore::new(
        config.password_hash_workers.max(1),
    ));
    let (ended_tx, mut core_ended) = mpsc::unbounded_channel::<()>();
    let next_conn = Arc::new(AtomicU64::new(1));
    let mut txs = Vec::with_capacity(count);
    let mut threads = Vec::with_capacity(count);
    for (index, records) in stored.into_iter().enumerate() {
        let (tx, rx) = std::sync::mpsc::channel();
        // Shared by the server's tasks; the shard keeps a weak handle for its hash
        // tasks, so the thread still ends when the server is gone.
        let tx = Arc::new(tx);
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
        let shard = actor::Shard {
            settings: relay.clone(),
            seed,
            rx,
            hashing: actor::Hashing {
                workers: config.password_hash_workers,
                max_pending: config.password_hash_max_pending,
                runtime: tokio::runtime::Handle::current(),
                tx: Arc::downgrade(&tx),
                permits: permits.clone(),
            },
            limits: actor::Limits {
                outbound_queue_bytes: config.outbound_queue_bytes.max(1),
                metrics: metrics.clone(),
            },
            rooms_open: rooms_open.clone(),
            rooms_elsewhere: cluster.as_ref().map(|c| c.rooms_elsewhere.clone()),
            media_shares: (media_shares.clone(), index),
            store: match (&store, &writer) {
                (Some(s), Some(w)) => Some(actor::Stored {
                    store: s.clone(),
                    records,
                    writer: w.clone(),
                }),
                _ => None,
            },
        };
        // Tells `run` when the thread ends, normally or by a panic.
        let ended = Ended(ended_tx.clone());
        threads.push(
            std::thread::Builder::new()
                .name(format!("relay-shard-{index}"))
                .spawn(move || {
                    let _ended = ended;
                    actor::run(shard);
                })?,
        );
        txs.push(tx);
    }
    drop((ended_tx, writer));
    let mut targets: Vec<actor::Target> = txs.iter().cloned().map(actor::Target::Shard).collect();
    let mut gateway = None;
    let mut node = None;
    if let Some(c) = &cluster {
        let _ = metrics.redis.set(c.link.health.clone());
        let tx = c.spawn(cluster::Wiring {
            shards: txs.clone(),
            settings: relay.clone(),
            outbound_queue: config.outbound_queue.max(1),
            outbound_queue_bytes: config.outbound_queue_bytes.max(1),
            next_conn: next_conn.clone(),
            rooms_open: rooms_open.clone(),
        });
        gateway = Some(txs.len());
        node = Some(Arc::from(c.node.as_str()));
        targets.push(actor::Target::Gateway(tx));
        tracing::info!(node = %c.node, redis = %c.redis_url(), "relay node of a cluster");
    }
    let shards: Arc<[actor::Target]> = targets.into();
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let (stop_tx, stop_rx) = watch::channel(None);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let nofile = accept::file_limit();
    let max_open = nofile.map_or(usize::MAX, |n| n.saturating_sub(config.fd_reserve).max(16));
    let gate = Arc::new(accept::Gate::new(
        accept::GateLimits {
            handshake_timeout: Duration::from_millis(config.handshake_timeout_ms.max(1)),
            max_pending: config.max_handshakes.max(1),
            max_pending_per_ip: config.max_handshakes_per_ip.max(1),
            max_open,
            exempt: config.trusted_proxies.clone(),
            linger_bytes: config.relay.max_payload.saturating_add(64 * 1024),
            max_frame: config.relay.max_payload,
        },
        metrics.clone(),
    ));
    let aside = Arc::new(tokio::sync::Semaphore::new(
        config.large_message_readers.max(1),
    ));
    let shared = Shared {
        config: Arc::new(config),
        shards: shards.clone(),
        admission,
        aside,
        next_conn,
        relay_urls: relay_urls(local).into(),
        stop: stop_rx,
        _alive: alive_tx,
        metrics,
        gate: gate.clone(),
        gateway,
        node,
    };
    let app = Router::new().fallback(http::handle).with_state(shared);
    // `tap_io` (a no-op) gives the gated listener axum's `ConnectInfo<SocketAddr>`.
    let listener = accept::GatedListener::new(listener, gate).tap_io(|_| {});
    let (accepting_tx, accepting_rx) = oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = accepting_rx.await;
    });
    let mut server = tokio::spawn(std::future::IntoFuture::into_future(server));
    tracing::info!(%local, ?nofile, max_open, shards = count, "relay listening");

    let failed = tokio::select! {
        () = shutdown => None,
        r = &mut server => Some(match r {
            Ok(Ok(())) => std::io::Error::other("the server stopped"),
            Ok(Err(e)) => e,
            Err(e) => std::io::Error::other(e.to_string()),
        }),
        _ = core_ended.recv() => Some(std::io::Error::other("a relay shard stopped")),
    };
    match &failed {
        None => tracing::info!("shutting down: closing connections"),
        Some(e) => tracing::error!(error = %e, "relay failed; closing connections"),
    }
    let deadline = Instant::now() + grace;
    // Stop accepting (axum drops the listener), then close every socket with 1001.
    let _ = accepting_tx.send(());
    let _ = stop_tx.send(Some(deadline));
    for tx in shards.iter() {
        let _ = tx.send(actor::Input::Shutdown);
    }
    drop(shards);
    let drained =
        tokio::time::timeout_at(deadline, async { while alive_rx.recv().await.is_some() {} })
            .await
            .is_ok();
    if !drained {
        tracing::warn!("shutdown grace elapsed; dropping the remaining connections");
    }
    server.abort();
    let _ = tokio::task::spawn_blocking(move || {
        for t in threads {
            let _ = t.join();
        }
    })
    .await;
    tracing::info!("relay stopped");
    failed.map_or(Ok(()), Err)
}

/// Shards to run: `configured`, or one per available core when 0; 1 to 64.
fn shard_count(configured: usize) -> usize {
    let n = if configured == 0 {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    } else {
        configured
    };
    n.clamp(1, 64)
}

/// Sends once when dropped: a shard thread ended.
struct Ended(mpsc::UnboundedSender<()>);

impl Drop for Ended {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// `relayUrls` of `/health`, as the deployed relay computes them: the bound host
/// when it is shareable, else the machine's LAN IPv4 address (the deployed relay
/// lists every non-internal IPv4 interface; std offers no interface list, so this
/// takes the one the default route uses). Empty when there is none.
fn relay_urls(local: SocketAddr) -> Vec<String> {
    let ip = local.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        return vec![format!("ws://{local}")];
    }
    lan_ipv4()
        .map(|ip| vec![format!("ws://{ip}:{}", local.port())])
        .unwrap_or_default()
}

/// A local, non-loopback IPv4 address of this machine, read from the kernel's
/// table of local addresses (`/proc/net/fib_trie`, Linux). Nothing is sent
/// anywhere to find it. `None` elsewhere or when there is none.
fn lan_ipv4() -> Option<Ipv4Addr> {
    let table = std::fs::read_to_string("/proc/net/fib_trie").ok()?;
    local_addresses(&table)
        .into_iter()
        .find(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

/// The `/32 host LOCAL` entries of a `fib_trie` listing: the machine's own addresses.
fn local_addresses(table: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in table.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.parse().ok();
        } else if t == "/32 host LOCAL" {
            if let Some(ip) = last.take() {
                if !out.contains(&ip) {
                    out.push(ip);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_one_per_core_by_default_and_1_to_64() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        assert_eq!(shard_count(0), cores.clamp(1, 64));
        assert_eq!(shard_count(1), 1);
        assert_eq!(shard_count(64), 64);
        assert_eq!(shard_count(65), 64);
    }

    #[test]
    fn a_shareable_bound_host_is_the_relay_url() {
        let v6: SocketAddr = "[2001:db8::7]:8787".parse().unwrap();
        assert_eq!(relay_urls(v6), vec!["ws://[2001:db8::7]:8787".to_string()]);
        let v4: SocketAddr = "192.168.1.20:9000".parse().unwrap();
        assert_eq!(relay_urls(v4), vec!["ws://192.168.1.20:9000".to_string()]);
    }

    #[test]
    fn local_addresses_come_from_the_kernel_table() {
        let table = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.1.2.0\n        /24 link UNICAST\n     |-- 10.1.2.7\n        /32 host LOCAL\n     |-- 127.0.0.1\n        /32 host LOCAL\n     |-- 10.1.2.7\n        /32 host LOCAL\n";
        let want: Vec<Ipv4Addr> = vec!["10.1.2.7".parse().unwrap(), "127.0.0.1".parse().unwrap()];
        assert_eq!(local_addresses(table), want);
    }

    #[test]
    fn loopback_and_unspecified_hosts_suggest_a_lan_address() {
        for local in ["127.0.0.1:8787", "0.0.0.0:8787"] {
            for url in relay_urls(local.parse().unwrap()) {
                assert!(url.starts_with("ws://") && url.ends_with(":8787"), "{url}");
                assert!(
                    !url.contains("127.0.0.1") && !url.contains("0.0.0.0"),
                    "{url}"
                );
            }
        }
    }
}
