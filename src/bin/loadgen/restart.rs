//! `restart`: rooms x members with resume on our relay with a data dir; the relay
//! is killed with SIGKILL and started again, and every client reconnects and
//! resumes with its token. Measures the time until every client has resumed.

use crate::child::{listening, Relay};
use crate::net::Dialer;
use crate::report::Report;
use crate::resume::{enter, resume, Retry};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct Restart {
    pub relay_bin: PathBuf,
    pub data_dir: PathBuf,
    pub port: u16,
    pub rooms: usize,
    pub members: usize,
}

fn spawn(r: &Restart) -> Result<Relay, String> {
    let dir = r.data_dir.to_string_lossy();
    Relay::spawn(&r.relay_bin, r.port, &["--data-dir", &dir])
}

pub async fn run(r: Restart) -> Result<Report, String> {
    let addr: SocketAddr = ([127, 0, 0, 1], r.port).into();
    let child = spawn(&r)?;
    listening(addr).await?;
    let dialer = Dialer::new(addr);
    // Rooms at once; in each, the host first, then its members.
    let mut tasks = Vec::new();
    for room in 0..r.rooms {
        let (d, members) = (dialer.clone(), r.members);
        tasks.push(tokio::spawn(async move {
            let mut entered = Vec::with_capacity(members);
            for m in 0..members {
                entered.push(enter(&d, room, m).await?);
            }
            Ok::<_, String>(entered)
        }));
    }
    let mut tokens = Vec::new();
    let mut sockets = Vec::new();
    for t in tasks {
        for (token, ws) in t.await.map_err(|e| e.to_string())?? {
            tokens.push(token);
            sockets.push(ws);
        }
    }
    // Past the write-behind window: every room is on disk.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(child);
    let killed = Instant::now();
    drop(sockets);
    let child = spawn(&r)?;
    let spawned = Instant::now();
    let mut tasks = Vec::new();
    for token in tokens {
        let d = dialer.clone();
        tasks.push(tokio::spawn(async move {
            resume(&d, &token, Retry::Connect).await.map(drop)
        }));
    }
    listening(addr).await?;
    let listen = spawned.elapsed();
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut first_error = String::new();
    for t in tasks {
        match t.await.map_err(|e| e.to_string())? {
            Ok(()) => ok += 1,
            Err(e) => {
                failed += 1;
                if first_error.is_empty() {
                    first_error = e;
                }
            }
        }
    }
    let all = spawned.elapsed();
    let from_kill = killed.elapsed();
    drop(child);
    let mut rep = Report::new("restart");
    rep.set("rooms", r.rooms)
        .set("members", r.members)
        .set("resumed", ok)
        .set("failed", failed)
        .set("first_error", first_error)
        .num("listen_ms", listen.as_secs_f64() * 1000.0)
        .num("all_resumed_ms", all.as_secs_f64() * 1000.0)
        .num("kill_to_all_resumed_ms", from_kill.as_secs_f64() * 1000.0);
    Ok(rep)
}
