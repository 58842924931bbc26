//! `failover`: two cluster nodes of our relay on one Redis; every room's host is
//! on node A (which creates the room and so owns it), its members on node B
//! (forwarded to A over Redis). A is killed with SIGKILL. Each host reconnects
//! to B and resumes with its token; each member waits until B closes its socket
//! with 1012 `room-moved` (B sees A's heartbeat gone), then resumes on B. Both
//! retry on any error. Measures, for every client, the time from the kill until
//! its `resumeSession` succeeded (and, for members, until the 1012 close).

use crate::child::{listening, Relay};
use crate::net::{Dialer, Ws};
use crate::report::{Latencies, Report};
use crate::resume::{enter, resume, Retry, PATIENCE};
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// What to run.
#[derive(Debug, Clone)]
pub struct Failover {
    pub relay_bin: PathBuf,
    /// The Redis both nodes use (`redis://host:port`), flushed or fresh.
    pub redis_url: String,
    /// Node A listens on `port`, node B on `port + 1`.
    pub port: u16,
    pub rooms: usize,
    /// Members per room, the host included.
    pub members: usize,
    /// The nodes' `--lease-ms`.
    pub lease_ms: u64,
}

/// The close code and reason that tell a crossed client its room moved.
const ROOM_MOVED: (u16, &str) = (1012, "room-moved");

/// Starts one node of the cluster.
fn node(f: &Failover, port: u16, name: &str) -> Result<Relay, String> {
    let id = format!("lg-{name}-{port}");
    let lease = f.lease_ms.to_string();
    let args = [
        "--redis-url",
        f.redis_url.as_str(),
        "--node-id",
        id.as_str(),
        "--lease-ms",
        lease.as_str(),
    ];
    Relay::spawn(&f.relay_bin, port, &args)
}

/// How the socket of a client ended: the close frame's code and reason, or
/// `None` when it ended without one (the node died), after `wait` at most.
async fn ended(ws: &mut Ws, wait: Duration) -> Option<(u16, String)> {
    let read = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(c))) => {
                    return c.map(|c| (u16::from(c.code), c.reason.to_string()))
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    };
    tokio::time::timeout(wait, read).await.ok().flatten()
}

/// One client's failover, from the kill.
#[derive(Debug)]
struct Moved {
    host: bool,
    /// Members: when the 1012 close came, or why it did not.
    closed: Result<Duration, String>,
    /// When `resumeSession` on B succeeded, or the last error.
    resumed: Result<Duration, String>,
}

/// Waits for the end of `ws` (a member: 1012 from B), then resumes on `b`.
async fn move_over(
    mut ws: Ws,
    token: String,
    host: bool,
    b: Dialer,
    killed: Instant,
) -> (Moved, Option<Ws>) {
    let end = ended(&mut ws, PATIENCE).await;
    let closed = match end {
        _ if host => Ok(killed.elapsed()),
        Some((code, reason)) if (code, reason.as_str()) == ROOM_MOVED => Ok(killed.elapsed()),
        Some((code, reason)) => Err(format!("closed {code} {reason}")),
        None => Err("ended without a close frame".to_string()),
    };
    drop(ws);
    let (resumed, kept) = match resume(&b, &token, Retry::Any).await {
        Ok(ws) => (Ok(killed.elapsed()), Some(ws)),
        Err(e) => (Err(e), None),
    };
    let moved = Moved {
        host,
        closed,
        resumed,
    };
    (moved, kept)
}

/// Adds min, p50, p90, p99 and max of `times` as `<prefix>_..._ms`.
fn spread(rep: &mut Report, prefix: &str, times: Vec<Duration>) {
    let lat = Latencies::new(times);
    rep.num(&format!("{prefix}_min_ms"), lat.ms(0.0))
        .latencies(prefix, &lat);
}

pub async fn run(f: Failover) -> Result<Report, String> {
    let (addr_a, addr_b): (SocketAddr, SocketAddr) = (
        ([127, 0, 0, 1], f.port).into(),
        ([127, 0, 0, 1], f.port + 1).into(),
    );
    let node_a = node(&f, f.port, "a")?;
    let _node_b = node(&f, f.port + 1, "b")?;
    listening(addr_a).await?;
    listening(addr_b).await?;
    let a = Dialer::new(addr_a);
    let b = a.to(addr_b);
    let mut tasks = Vec::new();
    for room in 0..f.rooms {
        let (a, b, members) = (a.clone(), b.clone(), f.members);
        tasks.push(tokio::spawn(async move {
            let mut entered = vec![enter(&a, room, 0).await?];
            for m in 1..members {
                entered.push(enter(&b, room, m).await?);
            }
            Ok::<_, String>(entered)
        }));
    }
    let mut clients = Vec::new();
    for t in tasks {
        let entered = t.await.map_err(|e| e.to_string())??;
        clients.extend(entered.into_iter().enumerate());
    }
    // Past the write-behind window: every room is in Redis.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed = Instant::now();
    node_a.kill();
    let mut tasks = Vec::new();
    for (m, (token, ws)) in clients {
        let b = b.clone();
        tasks.push(tokio::spawn(move_over(ws, token, m == 0, b, killed)));
    }
    let mut moved = Vec::new();
    let mut kept = Vec::new();
    for t in tasks {
        let (m, ws) = t.await.map_err(|e| e.to_string())?;
        moved.push(m);
        kept.push(ws);
    }
    let all = killed.elapsed();
    drop(kept);
    Ok(report(&f, &moved, all))
}

fn report(f: &Failover, moved: &[Moved], all: Duration) -> Report {
    let mut first_error = String::new();
    let mut note = |e: &String| {
        if first_error.is_empty() {
            first_error.clone_from(e);
        }
    };
    let (mut host_times, mut close_times, mut member_times) = (vec![], vec![], vec![]);
    let (mut host_failed, mut member_failed, mut wrong_close) = (0usize, 0usize, 0usize);
    for m in moved {
        match (&m.resumed, m.host) {
            (Ok(t), true) => host_times.push(*t),
            (Ok(t), false) => member_times.push(*t),
            (Err(e), host) => {
                note(e);
                *(if host {
                    &mut host_failed
                } else {
                    &mut member_failed
                }) += 1;
            }
        }
        match &m.closed {
            Ok(t) if !m.host => close_times.push(*t),
            Ok(_) => {}
            Err(e) => {
                note(e);
                wrong_close += 1;
            }
        }
    }
    let mut rep = Report::new("failover");
    rep.set("rooms", f.rooms)
        .set("members", f.members)
        .set("lease_ms", f.lease_ms)
        .set("hosts_resumed", host_times.len())
        .set("hosts_failed", host_failed)
        .set("members_room_moved", close_times.len())
        .set("members_other_end", wrong_close)
        .set("members_resumed", member_times.len())
        .set("members_failed", member_failed)
        .set("first_error", first_error);
    spread(&mut rep, "host_resumed", host_times);
    spread(&mut rep, "member_closed", close_times);
    spread(&mut rep, "member_resumed", member_times);
    rep.num("kill_to_all_resumed_ms", all.as_secs_f64() * 1000.0);
    rep
}
