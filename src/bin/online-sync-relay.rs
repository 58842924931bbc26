//! `online-sync-relay`: a drop-in for the deployed PoseChrono relay.
//!
//! Same flags (`--host`, `--port`) and `POSECHRONO_SYNC_*` variables, same
//! defaults; SIGTERM or Ctrl-C closes every socket with 1001 and exits. Prints
//! `online-sync relay on ws://<address>` on stdout once it listens (`--port 0`
//! picks a free port).

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use clap::Parser;
    use online_sync::server::{run, ServerConfig};
    use online_sync::RelaySettings;
    use std::net::IpAddr;
    use std::path::PathBuf;

    /// PoseChrono online sync relay.
    #[derive(Parser, Debug)]
    #[command(version, about)]
    struct Args {
        /// Address to listen on [env: POSECHRONO_SYNC_RELAY_HOST; default: 0.0.0.0].
        #[arg(long)]
        host: Option<String>,
        /// Port to listen on [env: POSECHRONO_SYNC_RELAY_PORT, then PORT; default: 8787].
        #[arg(long)]
        port: Option<String>,
        /// Proxies whose X-Forwarded-For is trusted (comma-separated addresses).
        #[arg(long, env = "POSECHRONO_SYNC_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxy: Vec<IpAddr>,
        /// Allowed Origins for WebSocket upgrades (comma-separated, e.g.
        /// `https://app.example,null`) [default: none set, every origin allowed].
        /// `null` is the Origin of pages opened from file:// (webview shells):
        /// allowed when no list is set, and with a list only if `null` is listed.
        /// Clients that send no Origin (not browsers) are always allowed. A refused
        /// origin is upgraded, then closed with 1008 `origin-not-allowed`, and
        /// logged with the origin and the peer address.
        #[arg(long, env = "POSECHRONO_SYNC_ALLOWED_ORIGINS", value_delimiter = ',')]
        allowed_origin: Vec<String>,
        /// Serve the files of this directory (the demo page) on plain GET requests.
        #[arg(long, env = "POSECHRONO_SYNC_STATIC_DIR")]
        static_dir: Option<PathBuf>,
        /// Keep rooms here (restored after a restart, written within ~100 ms);
        /// without it the relay keeps rooms in memory only.
        #[arg(long, env = "POSECHRONO_SYNC_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Frames queued per connection before a non-reading client is closed (1008).
        #[arg(long, env = "POSECHRONO_SYNC_OUTBOUND_QUEUE")]
        outbound_queue: Option<usize>,
        /// Bytes queued per connection (not yet written) before a non-reading client
        /// is closed (1008) [default: 16 MiB].
        #[arg(long, env = "POSECHRONO_SYNC_OUTBOUND_QUEUE_BYTES")]
        outbound_queue_bytes: Option<usize>,
        /// Pings and pongs a client may send per ping window before it is closed
        /// (1008 ping-flood) [default: 30].
        #[arg(long, env = "POSECHRONO_SYNC_MAX_CLIENT_PINGS")]
        max_client_pings: Option<u32>,
        /// Window of --max-client-pings, ms [default: 10000].
        #[arg(long, env = "POSECHRONO_SYNC_CLIENT_PING_WINDOW_MS")]
        client_ping_window_ms: Option<u64>,
        /// Close a connection that has not finished its WebSocket upgrade (or plain
        /// HTTP exchange) this long after it was accepted, ms [default: 10000].
        #[arg(long, env = "POSECHRONO_SYNC_HANDSHAKE_TIMEOUT_MS")]
        handshake_timeout_ms: Option<u64>,
        /// Connections not yet upgraded at once; past it the oldest is closed to
        /// make room [default: 512].
        #[arg(long, env = "POSECHRONO_SYNC_MAX_HANDSHAKES")]
        max_handshakes: Option<usize>,
        /// Connections not yet upgraded from one address; past it new ones are
        /// closed (trusted proxies exempt) [default: 16].
        #[arg(long, env = "POSECHRONO_SYNC_MAX_HANDSHAKES_PER_IP")]
        max_handshakes_per_ip: Option<usize>,
        /// File descriptors kept free below the process's file limit [default: 64].
        #[arg(long, env = "POSECHRONO_SYNC_FD_RESERVE")]
        fd_reserve: Option<usize>,
        /// WebSocket read buffer per connection, bytes.
        #[arg(long, env = "POSECHRONO_SYNC_READ_BUFFER_BYTES")]
        read_buffer_bytes: Option<usize>,
        /// WebSocket write buffer per connection, bytes.
        #[arg(long, env = "POSECHRONO_SYNC_WRITE_BUFFER_BYTES")]
        write_buffer_bytes: Option<usize>,
        /// Ping interval, ms.
        #[arg(long, env = "POSECHRONO_SYNC_PING_INTERVAL_MS")]
        ping_interval_ms: Option<u64>,
        /// Close a connection silent this long (no message, no pong), ms.
        #[arg(long, env = "POSECHRONO_SYNC_IDLE_TIMEOUT_MS")]
        idle_timeout_ms: Option<u64>,
        /// On shutdown, wait this long for sockets to close, ms.
        #[arg(long, env = "POSECHRONO_SYNC_SHUTDOWN_GRACE_MS")]
        shutdown_grace_ms: Option<u64>,
        /// Room-password hashes (scrypt) run at once off the relay-core thread
        /// [default: 2]; 0 hashes on that thread, stalling every room per hash.
        #[arg(long, env = "POSECHRONO_SYNC_PASSWORD_HASH_WORKERS")]
        password_hash_workers: Option<usize>,
        /// Create/join requests waiting for a password hash at once; past it they
        /// get rate-limited [default: 32; at least 1].
        #[arg(long, env = "POSECHRONO_SYNC_PASSWORD_HASH_MAX_PENDING")]
        password_hash_max_pending: Option<usize>,
        /// How long a member whose connection dropped (a host's room included) may
        /// resume, ms [default: 60000]; 0 closes at once, as deployed. Overrides
        /// POSECHRONO_SYNC_HOST_GRACE_MS.
        #[arg(long)]
        host_grace_ms: Option<u64>,
        /// Relay-core threads the rooms are sharded across, by a hash of the
        /// session code [default: 0, one per available core; at most 64].
        #[arg(long, env = "POSECHRONO_SYNC_SHARDS")]
        shards: Option<usize>,
        /// Large messages (over 64 KiB: media uploads) parsed and checked at once,
        /// off the shard threads, in the whole relay [default: 1; at least 1].
        #[arg(long, env = "POSECHRONO_SYNC_LARGE_MESSAGE_READERS")]
        large_message_readers: Option<usize>,
        /// Make this relay one node of a cluster on this Redis
        /// (`redis://host:port[/db]`): any number of nodes on one Redis act as one
        /// relay; rooms live in Redis (--data-dir is not used then).
        #[arg(long, env = "POSECHRONO_SYNC_REDIS_URL")]
        redis_url: Option<String>,
        /// This node's id in the cluster (with a random suffix per process: a
        /// restarted node is a new node) [default: random].
        #[arg(long, env = "POSECHRONO_SYNC_NODE_ID")]
        node_id: Option<String>,
        /// How long a room's lease in Redis lasts without renewal, ms: a dead
        /// node's rooms move to another node within about this long [default: 3000;
        /// at least 300].
        #[arg(long, env = "POSECHRONO_SYNC_LEASE_MS")]
        lease_ms: Option<u64>,
        /// How long a request waits for its room to find an owner (a dead node's
        /// lease to expire) before it is answered transport-unavailable, ms
        /// [default: 8000].
        #[arg(long, env = "POSECHRONO_SYNC_PLACE_TIMEOUT_MS")]
        place_timeout_ms: Option<u64>,
    }

    /// `Number(x)` of a JS string, for a port: whitespace trimmed, a finite
    /// integer in 0..=65535 (0 picks a free port).
    fn js_port(v: &str) -> Option<u16> {
        let f: f64 = v.trim().parse().ok()?;
        (f.is_finite() && f.fract() == 0.0 && (0.0..=65535.0).contains(&f)).then_some(f as u16)
    }

    /// The deployed relay's host: `--host` if non-empty, else
    /// `POSECHRONO_SYNC_RELAY_HOST` if non-empty, else `0.0.0.0`.
    pub(crate) fn resolve_host(cli: Option<&str>, env: impl Fn(&str) -> Option<String>) -> String {
        let non_empty = |v: String| (!v.trim().is_empty()).then(|| v.trim().to_string());
        cli.map(str::to_string)
            .and_then(non_empty)
            .or_else(|| env("POSECHRONO_SYNC_RELAY_HOST").and_then(non_empty))
            .unwrap_or_else(|| "0.0.0.0".to_string())
    }

    /// The deployed relay's port: `Number(RELAY_PORT || PORT || 8787)`, 8787 when
    /// that is not a port; a valid `--port` overrides it.
    pub(crate) fn resolve_port(cli: Option<&str>, env: impl Fn(&str) -> Option<String>) -> u16 {
        let set = |k: &str| env(k).filter(|v| !v.is_empty());
        let from_env = set("POSECHRONO_SYNC_RELAY_PORT")
            .or_else(|| set("PORT"))
            .map_or(Some(8787), |v| js_port(&v))
            .unwrap_or(8787);
        cli.and_then(js_port).unwrap_or(from_env)
    }

    fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
        // Registered before the address is printed, so an early SIGTERM is not fatal.
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let term = signal(SignalKind::terminate());
            let int = signal(SignalKind::interrupt());
            async move {
                match (term, int) {
                    (Ok(mut term), Ok(mut int)) => {
                        tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
                    }
                    _ => std::future::pending().await,
                }
            }
        }
        #[cfg(not(unix))]
        {
            async {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }

    /// Makes glibc's malloc give large freed blocks back to the system.
    ///
    /// By default glibc raises its mmap threshold to the size of the largest block
    /// freed (up to 32 MiB), after which a 20 MiB message buffer comes from the
    /// heap and stays resident once freed. A fixed threshold keeps every block
    /// over 256 KiB in its own mapping, unmapped when freed.
    pub fn return_large_blocks() {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only changes allocator tuning; called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        }
    }

    #[tokio::main]
    pub async fn main() -> std::io::Result<()> {
        use std::io::IsTerminal;
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "online_sync=info".into()),
            )
            .init();
        let args = Args::parse();
        let env = |k: &str| std::env::var(k).ok();
        let host = resolve_host(args.host.as_deref(), env);
        let port = resolve_port(args.port.as_deref(), env);
        let d = ServerConfig::default();
        let config = ServerConfig {
            relay: RelaySettings {
                host_grace_ms: args
                    .host_grace_ms
                    .unwrap_or(RelaySettings::from_lookup(env).host_grace_ms),
                ..RelaySettings::from_lookup(env)
            },
            trusted_proxies: args.trusted_proxy,
            allowed_origins: args.allowed_origin,
            static_dir: args.static_dir,
            outbound_queue: args.outbound_queue.unwrap_or(d.outbound_queue).max(1),
            outbound_queue_bytes: args
                .outbound_queue_bytes
                .unwrap_or(d.outbound_queue_bytes)
                .max(1024),
            max_client_pings: args.max_client_pings.unwrap_or(d.max_client_pings).max(1),
            client_ping_window_ms: args
                .client_ping_window_ms
                .unwrap_or(d.client_ping_window_ms)
                .max(100),
            handshake_timeout_ms: args
                .handshake_timeout_ms
                .unwrap_or(d.handshake_timeout_ms)
                .max(100),
            max_handshakes: args.max_handshakes.unwrap_or(d.max_handshakes).max(1),
            max_handshakes_per_ip: args
                .max_handshakes_per_ip
                .unwrap_or(d.max_handshakes_per_ip)
                .max(1),
            fd_reserve: args.fd_reserve.unwrap_or(d.fd_reserve),
            read_buffer_bytes: args.read_buffer_bytes.unwrap_or(d.read_buffer_bytes),
            write_buffer_bytes: args.write_buffer_bytes.unwrap_or(d.write_buffer_bytes),
            ping_interval_ms: args.ping_interval_ms.unwrap_or(d.ping_interval_ms).max(100),
            idle_timeout_ms: args.idle_timeout_ms.unwrap_or(d.idle_timeout_ms).max(100),
            shutdown_grace_ms: args.shutdown_grace_ms.unwrap_or(d.shutdown_grace_ms),
            password_hash_workers: args
                .password_hash_workers
                .unwrap_or(d.password_hash_workers),
            password_hash_max_pending: args
                .password_hash_max_pending
                .unwrap_or(d.password_hash_max_pending)
                .max(1),
            data_dir: args.data_dir,
            shards: args.shards.unwrap_or(d.shards),
            large_message_readers: args
                .large_message_readers
                .unwrap_or(d.large_message_readers)
                .max(1),
            cluster: args.redis_url.filter(|u| !u.trim().is_empty()).map(|url| {
                let mut c = online_sync::server::cluster::ClusterConfig::new(url.trim());
                c.node_id = args.node_id.unwrap_or_default();
                c.lease_ms = args.lease_ms.unwrap_or(c.lease_ms);
                c.place_timeout_ms = args.place_timeout_ms.unwrap_or(c.place_timeout_ms);
                c
            }),
        };
        let shutdown = shutdown_signal();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let listener = tokio::net::TcpListener::bind((host, port)).await?;
        println!("online-sync relay on ws://{}", listener.local_addr()?);
        run(listener, config, shutdown).await
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |k| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        }

        #[test]
        fn port_falls_back_like_the_deployed_relay() {
            assert_eq!(resolve_port(None, env(&[])), 8787);
            assert_eq!(resolve_port(None, env(&[("PORT", "9001")])), 9001);
            let both = [("POSECHRONO_SYNC_RELAY_PORT", "9002"), ("PORT", "9001")];
            assert_eq!(resolve_port(None, env(&both)), 9002);
            let empty = [("POSECHRONO_SYNC_RELAY_PORT", ""), ("PORT", "9001")];
            assert_eq!(resolve_port(None, env(&empty)), 9001);
            assert_eq!(resolve_port(None, env(&[("PORT", "nope")])), 8787);
            assert_eq!(resolve_port(Some("9003"), env(&both)), 9003);
            assert_eq!(resolve_port(Some("70000"), env(&both)), 9002);
            assert_eq!(resolve_port(Some("0"), env(&both)), 0);
        }

        #[test]
        fn host_falls_back_like_the_deployed_relay() {
            assert_eq!(resolve_host(None, env(&[])), "0.0.0.0");
            let set = [("POSECHRONO_SYNC_RELAY_HOST", "127.0.0.1")];
            assert_eq!(resolve_host(None, env(&set)), "127.0.0.1");
            assert_eq!(resolve_host(Some(" "), env(&set)), "127.0.0.1");
            assert_eq!(resolve_host(Some("::1"), env(&set)), "::1");
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::io::Result<()> {
    native::return_large_blocks();
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
