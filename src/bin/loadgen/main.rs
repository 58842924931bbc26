//! `online-sync-loadgen`: load for the relay, measured the same way for any relay
//! that speaks the protocol (ours, or the deployed Node relay).
//!
//! ```text
//! online-sync-loadgen fanout --addr 127.0.0.1:8787 --pid <relay pid> --rooms 100 --members 10 --updates 20 --burst
//! online-sync-loadgen idle   --addr 127.0.0.1:8787 --pid <relay pid> --sockets 10000
//! online-sync-loadgen upload --addr 127.0.0.1:8787 --pid <relay pid> --rooms 50 --members 10
//! online-sync-loadgen floor  --sockets 1000 --rounds 20 --frame-bytes 300
//! online-sync-loadgen restart --relay-bin target/release/online-sync-relay --data-dir /tmp/d --rooms 1000
//! online-sync-loadgen fanout --addr 127.0.0.1:8801,127.0.0.1:8802,127.0.0.1:8803 --pid 11,12,13 --redis-pid 10 --burst
//! online-sync-loadgen rtt    --addr 127.0.0.1:8801,127.0.0.1:8802 --pid 11,12 --rooms 10 --requests 200
//! online-sync-loadgen failover --relay-bin target/release/online-sync-relay --redis-url redis://127.0.0.1:6379 --rooms 100
//! ```
//!
//! Every scenario prints a table on stderr and one JSON line on stdout. Sockets
//! come from loopback source addresses 127.0.x.y, ten each, at most 64
//! handshakes at once; the relay's CPU (`utime + stime`, per-thread run time)
//! and RSS are read from `/proc/<pid>`. The relay's limits must let the load in
//! (e.g. `POSECHRONO_SYNC_MAX_CONNECTIONS`, `_MAX_ROOMS`, `_STATE_RATE_MAX_MESSAGES`).
//!
//! A cluster of nodes on one Redis (issue 15) is given as lists: `--addr` and
//! `--pid` name every node, in the same order, and `--redis-pid` its Redis.
//! `fanout` (and `upload`) then spread each room over the nodes (`nodes.rs`),
//! report the CPU of every node together and Redis's apart, and the latency of the
//! deliveries that crossed nodes apart; with one address nothing changes.

#[cfg(not(target_arch = "wasm32"))]
mod child;
#[cfg(not(target_arch = "wasm32"))]
mod failover;
#[cfg(not(target_arch = "wasm32"))]
mod fanout;
#[cfg(not(target_arch = "wasm32"))]
mod floor;
#[cfg(not(target_arch = "wasm32"))]
mod idle;
#[cfg(not(target_arch = "wasm32"))]
mod net;
#[cfg(not(target_arch = "wasm32"))]
mod nodes;
#[cfg(not(target_arch = "wasm32"))]
mod procfs;
#[cfg(not(target_arch = "wasm32"))]
mod report;
#[cfg(not(target_arch = "wasm32"))]
mod restart;
#[cfg(not(target_arch = "wasm32"))]
mod resume;
#[cfg(not(target_arch = "wasm32"))]
mod rtt;
#[cfg(not(target_arch = "wasm32"))]
mod upload;

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use crate::nodes::Nodes;
    use crate::{failover, fanout, floor, idle, net, procfs, restart, rtt, upload};
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
        /// The relay's address; a comma-separated list for the nodes of a cluster.
        #[arg(long, default_value = "127.0.0.1:8787", value_delimiter = ',')]
        addr: Vec<SocketAddr>,
        /// The relay's process id (CPU and RSS from /proc); one per address.
        #[arg(long, value_delimiter = ',', required = true)]
        pid: Vec<u32>,
        /// The process id of the cluster's Redis (its CPU, reported apart).
        #[arg(long)]
        redis_pid: Option<u32>,
    }

    impl Target {
        /// Every node, dialed from one pool of source addresses.
        fn nodes(&self) -> Result<Nodes, String> {
            let first = net::Dialer::new(self.addr[0]);
            let dialers = self.addr.iter().map(|a| first.to(*a)).collect();
            Nodes::new(dialers, self.pid.clone(), self.redis_pid)
        }

        /// The one relay of a scenario that measures one process.
        fn single(&self) -> Result<(net::Dialer, u32), String> {
            match (self.addr.as_slice(), self.pid.as_slice()) {
                ([addr], [pid]) => Ok((net::Dialer::new(*addr), *pid)),
                _ => Err("this scenario takes one --addr and one --pid".into()),
            }
        }
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
        /// One request's round trip at low load, on the room's node and across nodes.
        Rtt {
            #[command(flatten)]
            target: Target,
            #[arg(long, default_value_t = 10)]
            rooms: usize,
            /// Requests per member.
            #[arg(long, default_value_t = 200)]
            requests: usize,
            /// Between a reply and the next request, ms.
            #[arg(long, default_value_t = 20)]
            interval_ms: u64,
        },
        /// Two cluster nodes on one Redis: kill -9 of the rooms' owner, time until
        /// every client resumed on the other node.
        Failover {
            #[arg(long)]
            relay_bin: PathBuf,
            /// A Redis of this run alone (flushed): both nodes use it.
            #[arg(long)]
            redis_url: String,
            /// Node A's port; node B listens on the next one.
            #[arg(long, default_value_t = 18887)]
            port: u16,
            #[arg(long, default_value_t = 100)]
            rooms: usize,
            #[arg(long, default_value_t = 10)]
            members: usize,
            /// The nodes' --lease-ms.
            #[arg(long, default_value_t = 3000)]
            lease_ms: u64,
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
                    fanout::run(&target.nodes()?, rooms.fanout()).await
                }
                Cmd::Idle {
                    target,
                    sockets,
                    settle_ms,
                } => {
                    let (d, pid) = target.single()?;
                    idle::run(&d, pid, sockets, Duration::from_millis(settle_ms)).await
                }
                Cmd::Upload {
                    target,
                    rooms,
                    inflight,
                } => upload::run(&target.nodes()?, rooms.fanout(), inflight).await,
                Cmd::Rtt {
                    target,
                    rooms,
                    requests,
                    interval_ms,
                } => {
                    let t = rtt::Rtt {
                        rooms,
                        requests,
                        interval: Duration::from_millis(interval_ms),
                    };
                    rtt::run(&target.nodes()?, t).await
                }
                Cmd::Failover {
                    relay_bin,
                    redis_url,
                    port,
                    rooms,
                    members,
                    lease_ms,
                } => {
                    failover::run(failover::Failover {
                        relay_bin,
                        redis_url,
                        port,
                        rooms,
                        members,
                        lease_ms,
                    })
                    .await
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
