//! `rtt`: the round trip of one request at low load, for a member on its room's
//! node and for a member on another node of a cluster (its request goes to the
//! owner over Redis and the reply comes back the same way: two hops). Room `r`'s
//! host creates it on node `r % N`; a *local* member joins on the same node, a
//! *cross* member (with `N > 1`) on the next one; each sends `requests`
//! `getRoomSnapshot` one after the other, `interval` apart, and times each reply.

use crate::net::{self, Ws};
use crate::nodes::Nodes;
use crate::report::{Latencies, Report};
use serde_json::json;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct Rtt {
    pub rooms: usize,
    /// Requests per member.
    pub requests: usize,
    /// Between a reply and the next request.
    pub interval: Duration,
}

/// One member's round trips.
async fn ask(mut ws: Ws, r: usize, t: Rtt) -> Result<Vec<Duration>, String> {
    let p = json!({"sessionCode": net::room_code(r)});
    let mut times = Vec::with_capacity(t.requests);
    // Rooms start spread over one interval, not all at once.
    let offset = t.interval.mul_f64(r as f64 / t.rooms.max(1) as f64);
    tokio::time::sleep(offset).await;
    for k in 0..t.requests {
        let sent = Instant::now();
        net::call(&mut ws, &format!("s{k}"), "getRoomSnapshot", p.clone()).await?;
        times.push(sent.elapsed());
        tokio::time::sleep(t.interval).await;
    }
    Ok(times)
}

/// Runs the scenario against the relay's `nodes`.
pub async fn run(nodes: &Nodes, t: Rtt) -> Result<Report, String> {
    let mut rooms = Vec::new();
    for r in 0..t.rooms {
        let d = nodes.clone();
        rooms.push(tokio::spawn(async move {
            let home = d.node_of(r, 0);
            let mut host = d.node(home).connect().await?;
            net::create(&mut host, r).await?;
            let mut local = d.node(home).connect().await?;
            net::join(&mut local, r, 1).await?;
            let cross = if d.len() > 1 {
                let mut ws = d.node(home + 1).connect().await?;
                net::join(&mut ws, r, 2).await?;
                Some(ws)
            } else {
                None
            };
            Ok::<_, String>((host, local, cross))
        }));
    }
    let mut members = Vec::new();
    for task in rooms {
        members.push(task.await.map_err(|e| e.to_string())??);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut asking = Vec::new();
    let mut hosts = Vec::new();
    for (r, (host, local, cross)) in members.into_iter().enumerate() {
        hosts.push(host);
        asking.push((false, tokio::spawn(ask(local, r, t.clone()))));
        if let Some(ws) = cross {
            asking.push((true, tokio::spawn(ask(ws, r, t.clone()))));
        }
    }
    let (mut crossed, mut local) = (Vec::new(), Vec::new());
    for (cross, task) in asking {
        let times = task.await.map_err(|e| e.to_string())??;
        if cross { &mut crossed } else { &mut local }.extend(times);
    }
    drop(hosts);
    let mut rep = Report::new("rtt");
    rep.set("nodes", nodes.len())
        .set("rooms", t.rooms)
        .set("requests", t.requests)
        .set("interval_ms", t.interval.as_millis() as u64)
        .latencies("rtt_local", &Latencies::new(local));
    if nodes.len() > 1 {
        rep.latencies("rtt_cross", &Latencies::new(crossed));
    }
    Ok(rep)
}
