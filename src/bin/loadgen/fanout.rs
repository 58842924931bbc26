//! `fanout`: rooms x members, each host publishing `updates` session states that
//! every member (the host included) receives. Measures each delivery's latency
//! (host's send to the member's receipt), losses, and the relay's CPU per
//! delivered message. Over several nodes of a cluster, the clients are spread as
//! [`Nodes`] says, the CPU is every node's together (Redis's apart), and the
//! latencies of deliveries that crossed nodes are also given on their own.

use crate::net::{self, Rx, Tx};
use crate::nodes::Nodes;
use crate::report::{Latencies, Report};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// What to run.
#[derive(Debug, Clone)]
pub struct Fanout {
    pub rooms: usize,
    pub members: usize,
    pub updates: usize,
    /// All updates at once (`true`) or one per `interval` per room.
    pub burst: bool,
    pub interval: Duration,
    /// Told once the measured phase starts (the upload scenario waits for it).
    pub on_start: Option<Arc<tokio::sync::Notify>>,
}

/// Shared by every task of one run.
struct Clock {
    base: Instant,
    /// When update k of room r was sent (ns after `base`, 0 = not yet).
    sent: Vec<AtomicU64>,
    updates: usize,
    frame_bytes: AtomicUsize,
}

/// The `currentIndex` of a `session-state-updated` event frame, read without parsing it all.
fn index_of(text: &str) -> Option<usize> {
    if !text.contains("\"session-state-updated\"") {
        return None;
    }
    let at = text.find("\"currentIndex\":")? + "\"currentIndex\":".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The state update `k` of room `r`.
fn update(r: usize, k: usize) -> Message {
    let p = json!({"sessionCode": net::room_code(r), "payload": {
        "sessionActive": true, "isPlaying": true, "currentIndex": k, "timeRemaining": 60,
        "mediaOrderCount": 20, "sessionName": "load test session, update payload",
    }});
    net::request(&format!("u{k}"), "updateSessionState", p)
}

/// Reads one member's frames until it has every update of its room or `until`.
async fn receive(
    mut rx: Rx,
    r: usize,
    clock: Arc<Clock>,
    mut until: watch::Receiver<Instant>,
) -> Vec<Duration> {
    let mut lat = Vec::with_capacity(clock.updates);
    loop {
        let deadline = *until.borrow();
        let next = tokio::select! {
            n = rx.next() => n,
            _ = tokio::time::sleep_until(deadline.into()) => break,
            _ = until.changed() => continue,
        };
        let Some(Ok(Message::Text(t))) = next else {
            if matches!(next, None | Some(Err(_))) {
                break;
            }
            continue;
        };
        let Some(k) = index_of(&t) else { continue };
        let now = clock.base.elapsed();
        let sent = clock
            .sent
            .get(r * clock.updates + k)
            .map_or(0, |s| s.load(Ordering::Acquire));
        if sent > 0 {
            lat.push(now.saturating_sub(Duration::from_nanos(sent)));
            clock.frame_bytes.store(t.len(), Ordering::Relaxed);
        }
        if lat.len() >= clock.updates {
            break;
        }
    }
    lat
}

/// Room `r`'s host sending its updates once `go` says so.
async fn publish(
    mut tx: Tx,
    r: usize,
    f: Fanout,
    clock: Arc<Clock>,
    mut go: watch::Receiver<bool>,
) -> Tx {
    let _ = go.wait_for(|g| *g).await;
    if !f.burst {
        let offset = f.interval.mul_f64(r as f64 / f.rooms.max(1) as f64);
        tokio::time::sleep(offset).await;
    }
    for k in 0..f.updates {
        let at = clock.base.elapsed().as_nanos().max(1) as u64;
        clock.sent[r * f.updates + k].store(at, Ordering::Release);
        if f.burst {
            if tx.feed(update(r, k)).await.is_err() {
                break;
            }
        } else {
            if tx.send(update(r, k)).await.is_err() {
                break;
            }
            tokio::time::sleep(f.interval).await;
        }
    }
    let _ = tx.flush().await;
    tx
}

/// Runs the scenario against the relay's `nodes`.
pub async fn run(nodes: &Nodes, f: Fanout) -> Result<Report, String> {
    let clock = Arc::new(Clock {
        base: Instant::now(),
        sent: (0..f.rooms * f.updates)
            .map(|_| AtomicU64::new(0))
            .collect(),
        updates: f.updates,
        frame_bytes: AtomicUsize::new(0),
    });
    let setup = Instant::now();
    let mut rooms = Vec::new();
    for r in 0..f.rooms {
        let d = nodes.clone();
        let members = f.members;
        rooms.push(tokio::spawn(async move {
            let mut host = d.dialer(r, 0).connect().await?;
            net::create(&mut host, r).await?;
            let mut all = vec![host];
            for m in 1..members {
                let mut ws = d.dialer(r, m).connect().await?;
                net::join(&mut ws, r, m).await?;
                all.push(ws);
            }
            Ok::<_, String>(all)
        }));
    }
    let mut sockets = Vec::new();
    for t in rooms {
        sockets.push(t.await.map_err(|e| e.to_string())??);
    }
    let setup = setup.elapsed();
    let (go_tx, go) = watch::channel(false);
    let (until_tx, until) = watch::channel(Instant::now() + Duration::from_secs(3600));
    let mut receivers = Vec::new();
    let mut publishers = Vec::new();
    for (r, room) in sockets.into_iter().enumerate() {
        for (m, ws) in room.into_iter().enumerate() {
            let (tx, rx) = ws.split();
            let cross = nodes.crosses(r, m);
            let lat = receive(rx, r, clock.clone(), until.clone());
            receivers.push(tokio::spawn(async move { (cross, lat.await) }));
            if m == 0 {
                publishers.push(tokio::spawn(publish(
                    tx,
                    r,
                    f.clone(),
                    clock.clone(),
                    go.clone(),
                )));
            } else {
                // Kept open (not closed) until the end.
                publishers.push(tokio::spawn(async move { tx }));
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu0 = nodes.usage();
    let started = Instant::now();
    let _ = go_tx.send(true);
    if let Some(n) = &f.on_start {
        n.notify_one();
    }
    let mut held = Vec::new();
    for p in publishers {
        held.push(p.await.map_err(|e| e.to_string())?);
    }
    let _ = until_tx.send(Instant::now() + Duration::from_secs(10));
    let (mut crossed, mut local) = (Vec::new(), Vec::new());
    for r in receivers {
        let (cross, lat) = r.await.map_err(|e| e.to_string())?;
        if cross { &mut crossed } else { &mut local }.extend(lat);
    }
    let elapsed = started.elapsed();
    let (cpu, redis_cpu) = cpu0.spent_until(&nodes.usage());
    let rss = nodes.rss();
    drop(held);
    let expected = f.rooms * f.members * f.updates;
    let delivered = crossed.len() + local.len();
    let lat = Latencies::new(crossed.iter().chain(&local).copied().collect());
    let mut rep = Report::new(if f.burst {
        "fanout-burst"
    } else {
        "fanout-spread"
    });
    rep.set("rooms", f.rooms)
        .set("members", f.members)
        .set("updates", f.updates)
        .num("setup_s", setup.as_secs_f64())
        .set("expected", expected)
        .set("delivered", delivered)
        .set("lost", expected.saturating_sub(delivered))
        .set("frame_bytes", clock.frame_bytes.load(Ordering::Relaxed))
        .latencies("latency", &lat)
        .num("elapsed_s", elapsed.as_secs_f64())
        .num("relay_cpu_ms", cpu.as_secs_f64() * 1000.0)
        .num(
            "cpu_us_per_delivery",
            cpu.as_secs_f64() * 1e6 / lat.len().max(1) as f64,
        )
        .set("relay_rss_kib", rss / 1024);
    if nodes.len() > 1 {
        rep.set("nodes", nodes.len())
            .num("cross_share", nodes.cross_share(f.members))
            .latencies("latency_cross", &Latencies::new(crossed))
            .latencies("latency_local", &Latencies::new(local));
    }
    if let Some(redis) = redis_cpu {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / lat.len().max(1) as f64;
        rep.num("redis_cpu_ms", redis.as_secs_f64() * 1000.0)
            .num("redis_cpu_us_per_delivery", per(redis))
            .num("total_cpu_us_per_delivery", per(cpu + redis));
    }
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_index_is_read_from_the_event() {
        let e = r#"{"type":"event","event":{"type":"session-state-updated","state":{"isPlaying":true,"currentIndex":17,"x":1}}}"#;
        assert_eq!(index_of(e), Some(17));
        assert_eq!(
            index_of(r#"{"type":"response","result":{"currentIndex":3}}"#),
            None
        );
    }
}
