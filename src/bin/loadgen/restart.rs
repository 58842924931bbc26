//! `restart`: rooms x members with resume on our relay with a data dir; the relay
//! is killed with SIGKILL and started again, and every client reconnects and
//! resumes with its token. Measures the time until every client has resumed.

use crate::net::{self, Dialer};
use crate::report::Report;
use futures_util::SinkExt;
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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

/// The relay process, killed (SIGKILL) and reaped when dropped: a run that
/// fails half-way (a client refused, no listen) leaves no relay behind.
struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(r: &Restart) -> Result<Relay, String> {
    Command::new(&r.relay_bin)
        .args(["--host", "127.0.0.1", "--port", &r.port.to_string()])
        .arg("--data-dir")
        .arg(&r.data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Relay)
        .map_err(|e| format!("spawn {}: {e}", r.relay_bin.display()))
}

/// Waits until the relay accepts TCP connections.
async fn listening(addr: SocketAddr) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err("the relay did not listen within 60 s".into())
}

/// One client's token: connect, hello, create or join.
async fn enter(d: &Dialer, r: usize, m: usize) -> Result<(String, net::Ws), String> {
    let mut ws = d.connect().await?;
    ws.send(net::hello()).await.map_err(|e| e.to_string())?;
    let reply = if m == 0 {
        net::create(&mut ws, r).await?
    } else {
        net::join(&mut ws, r, m).await?
    };
    let token = reply["resumeToken"]
        .as_str()
        .ok_or("no resumeToken: is this our relay?")?
        .to_string();
    Ok((token, ws))
}

/// Reconnects (retrying while the relay starts) and resumes with `token`.
async fn resume(d: &Dialer, token: String) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        match d.connect().await {
            Ok(mut ws) => {
                ws.send(net::hello()).await.map_err(|e| e.to_string())?;
                let p = json!({"resumeToken": token});
                return net::call(&mut ws, "r", "resumeSession", p).await.map(drop);
            }
            Err(e) if Instant::now() > until => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
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
        tasks.push(tokio::spawn(async move { resume(&d, token).await }));
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
