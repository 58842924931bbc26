//! `online-sync-relay`: a drop-in for the deployed PoseChrono relay.
//!
//! Same flags (`--host`, `--port`) and `POSECHRONO_SYNC_*` variables, same
//! defaults; SIGTERM or Ctrl-C closes every socket with 1001 and exits.

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
        /// Address to listen on.
        #[arg(long, env = "POSECHRONO_SYNC_RELAY_HOST", default_value = "0.0.0.0")]
        host: String,
        /// Port to listen on (falls back to PORT, then 8787).
        #[arg(long, env = "POSECHRONO_SYNC_RELAY_PORT")]
        port: Option<u16>,
        /// Proxies whose X-Forwarded-For is trusted (comma-separated addresses).
        #[arg(long, env = "POSECHRONO_SYNC_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxy: Vec<IpAddr>,
        /// Allowed Origins for WebSocket upgrades (comma-separated; empty: any).
        #[arg(long, env = "POSECHRONO_SYNC_ALLOWED_ORIGINS", value_delimiter = ',')]
        allowed_origin: Vec<String>,
        /// Serve the files of this directory (the demo page) on plain GET requests.
        #[arg(long, env = "POSECHRONO_SYNC_STATIC_DIR")]
        static_dir: Option<PathBuf>,
    }

    async fn shutdown_signal() {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    }

    #[tokio::main]
    pub async fn main() -> std::io::Result<()> {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "online_sync=info".into()),
            )
            .init();
        let args = Args::parse();
        let port = args
            .port
            .or_else(|| {
                std::env::var("PORT")
                    .ok()
                    .and_then(|p| p.trim().parse().ok())
            })
            .unwrap_or(8787);
        let config = ServerConfig {
            relay: RelaySettings::from_lookup(|k| std::env::var(k).ok()),
            trusted_proxies: args.trusted_proxy,
            allowed_origins: args.allowed_origin,
            static_dir: args.static_dir,
            ..ServerConfig::default()
        };
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), port)).await?;
        println!("online-sync relay on ws://{}", listener.local_addr()?);
        run(listener, config, shutdown_signal()).await
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::io::Result<()> {
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
