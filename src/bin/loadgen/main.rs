//! `online-sync-loadgen`: load for the relay, measured the same way for any relay
//! that speaks the protocol (ours, or the deployed Node relay).
//!
//! ```text
//! online-sync-loadgen fanout --addr 127.0.0.1:8787 --pid <relay pid> --rooms 100 --members 10 --updates 20 --burst
//! online-sync-loadgen idle   --addr 127.0.0.1:8787 --pid <relay pid> --sockets 10000
//! online-sync-loadgen upload --addr 127.0.0.1:8787 --pid <relay pid> --rooms 50 --members 10
//! online-sync-loadgen floor  --sockets 1000 --rounds 20 --frame-bytes 300
//! online-sync-loadgen restart --relay-bin target/release/online-sync-relay --data-dir /tmp/d --rooms 1000
//! ```
//!
//! Every scenario prints a table on stderr and one JSON line on stdout. Sockets
//! come from loopback source addresses 127.0.x.y, ten each, at most 64
//! handshakes at once; the relay's CPU (`utime + stime`, per-thread run time)
//! and RSS are read from `/proc/<pid>`. The relay's limits must let the load in
//! (e.g. `POSECHRONO_SYNC_MAX_CONNECTIONS`, `_MAX_ROOMS`, `_STATE_RATE_MAX_MESSAGES`).

#[cfg(not(target_arch = "wasm32"))]
mod fanout;
#[cfg(not(target_arch = "wasm32"))]
mod floor;
#[cfg(not(target_arch = "wasm32"))]
mod idle;
#[cfg(not(target_arch = "wasm32"))]
mod net;
#[cfg(not(target_arch = "wasm32"))]
mod procfs;
#[cfg(not(target_arch = "wasm32"))]
mod report;
#[cfg(not(target_arch = "wasm32"))]
mod restart;
#[cfg(not(target_arch = "wasm32"))]
mod upload;

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use crate::{fanout, floor, idle, net, procfs, restart, upload};
    use clap::{Args, Parser, Subcommand};
    use std::net::SocketAddr;
    use std::path::PathBuf;
    use std::time::Duration;

    #[derive(Parser, Debug)]
    #[command(about = "Load and measurements for a PoseChrono relay")]
    struct Cli {
        #[command(subcommand)]
        cmd: Cmd,
    }

    /// The relay under load.
    #[derive(Args, Debug, Clone)]
    struct Target {
        /// The relay's address.
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// The relay's process id (CPU and RSS from /proc).
        #[arg(long)]
        pid: u32,
    }

    #[derive(Args, Debug, Clone)]
    struct Rooms {
        #[arg(long, default_value_t = 100)]
        rooms: usize,
        /// Members per room, the host included.
        #[arg(long, default_value_t = 10)]
        members: usize,
        /// Session states each host publishes.
        #[arg(long, default_value_t = 20)]
        updates: usize,
        /// Send every update at once instead of one per interval.
        #[arg(long)]
        burst: bool,
        /// Between two updates of a room when not bursting, ms.
        #[arg(long, default_value_t = 50)]
        interval_ms: u64,
    }

    impl Rooms {
        fn fanout(&self) -> fanout::Fanout {
            fanout::Fanout {
                rooms: self.rooms,
                members: self.members,
                updates: self.updates,
                burst: self.burst,
                interval: Duration::from_millis(self.interval_ms),
                on_start: None,
            }
        }
    }

    #[derive(Subcommand, Debug)]
    enum Cmd {
        /// Rooms x members x session-state updates: latency, losses, CPU per delivery.
        Fanout {
            #[command(flatten)]
            target: Target,
            #[command(flatten)]
            rooms: Rooms,
        },
        /// N sockets idle after one small exchange: the relay's RSS per socket.
        Idle {
            #[command(flatten)]
            target: Target,
            #[arg(long, default_value_t = 10_000)]
            sockets: usize,
            /// Wait before reading the RSS, ms.
            #[arg(long, default_value_t = 2000)]
            settle_ms: u64,
        },
        /// 2 MiB media uploads in one room while other rooms fan out (spread).
        Upload {
            #[command(flatten)]
            target: Target,
            #[command(flatten)]
            rooms: Rooms,
            /// Uploads in flight at once.
            #[arg(long, default_value_t = 4)]
            inflight: usize,
        },
        /// No relay: one bare write of the frame size per delivery, writer-thread CPU.
        Floor {
            #[arg(long, default_value_t = 1000)]
            sockets: usize,
            #[arg(long, default_value_t = 20)]
            rounds: usize,
            #[arg(long, default_value_t = 300)]
            frame_bytes: usize,
        },
        /// Our relay with a data dir: kill -9, restart, time until every client resumed.
        Restart {
            #[arg(long)]
            relay_bin: PathBuf,
            #[arg(long)]
            data_dir: PathBuf,
            #[arg(long, default_value_t = 18787)]
            port: u16,
            #[arg(long, default_value_t = 1000)]
            rooms: usize,
            #[arg(long, default_value_t = 10)]
            members: usize,
        },
    }

    pub fn main() -> Result<(), String> {
        let cli = Cli::parse();
        procfs::raise_file_limit();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let report = rt.block_on(async move {
            match cli.cmd {
                Cmd::Fanout { target, rooms } => {
                    let d = net::Dialer::new(target.addr);
                    fanout::run(&d, target.pid, rooms.fanout()).await
                }
                Cmd::Idle {
                    target,
                    sockets,
                    settle_ms,
                } => {
                    let d = net::Dialer::new(target.addr);
                    idle::run(&d, target.pid, sockets, Duration::from_millis(settle_ms)).await
                }
                Cmd::Upload {
                    target,
                    rooms,
                    inflight,
                } => {
                    let d = net::Dialer::new(target.addr);
                    upload::run(&d, target.pid, rooms.fanout(), inflight).await
                }
                Cmd::Floor {
                    sockets,
                    rounds,
                    frame_bytes,
                } => floor::run(sockets, rounds, frame_bytes),
                Cmd::Restart {
                    relay_bin,
                    data_dir,
                    port,
                    rooms,
                    members,
                } => {
                    restart::run(restart::Restart {
                        relay_bin,
                        data_dir,
                        port,
                        rooms,
                        members,
                    })
                    .await
                }
            }
        })?;
        report.print();
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = cli::main() {
        eprintln!("online-sync-loadgen: {e}");
        std::process::exit(1);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
