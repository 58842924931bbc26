//! The gateway's periodic work, every third of the lease time, in one task:
//! this node's heartbeat (`os:node:<id>`, its open rooms, expiring with the lease
//! time), the other nodes' heartbeats (their rooms count against `max_rooms`; a
//! node whose heartbeat is gone is dead), the renewal of this node's leases, and
//! a look at the owners of the rooms this node's clients were forwarded to.
//! [`Gateway::ticked`] acts on what it found.

use super::gateway::{Event, Gateway, Place};
use super::keys;
use super::lease::{self, Renewal, Renewed};
use super::link::Link;
use crate::server::actor::{ActorTx, Input};
use crate::server::route::shard_of;
use crate::validate::SessionCode;
use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What one tick works on (a copy of the gateway's state).
pub struct Asked {
    link: Link,
    /// The local shards (asked which rooms they hold).
    shards: Vec<ActorTx>,
    node: String,
    lease_ms: u64,
    rooms_here: usize,
    /// (code, young, may_retake).
    owned: Vec<(SessionCode, bool, bool)>,
    /// (code, owner) of rooms served elsewhere.
    remote: Vec<(SessionCode, String)>,
}

/// What it found; `None` where Redis did not answer.
pub struct Ticked {
    /// When the renewals were sent: a renewed lease holds from then on.
    sent: Instant,
    /// Live nodes (this one included) and their open rooms.
    nodes: Option<HashMap<String, usize>>,
    renewals: Option<Vec<(SessionCode, Renewed)>>,
    owners: Option<Vec<(SessionCode, Option<String>)>>,
}

impl Asked {
    pub(super) fn of(g: &Gateway) -> Asked {
        let lease = g.cfg.lease();
        let now = Instant::now();
        let ms = |t: Instant| now.saturating_duration_since(t).as_millis() as u64;
        Asked {
            link: g.link.clone(),
            shards: g.w.shards.clone(),
            node: g.node.clone(),
            lease_ms: lease,
            rooms_here: g.rooms_here(),
            owned: g
                .owned
                .iter()
                .map(|(c, o)| {
                    (
                        c.clone(),
                        ms(o.taken) < lease,
                        ms(o.renewed) < lease * 2 / 3,
                    )
                })
                .collect(),
            remote: g
                .placed
                .iter()
                .filter_map(|(c, p)| match p {
                    Place::There(o) => Some((c.clone(), o.clone())),
                    Place::Here => None,
                })
                .collect(),
        }
    }
}

/// Which of `codes` the local shards hold (none of a shard that does not answer
/// within the lease time: its rooms are then renewed only while young).
async fn held(shards: &[ActorTx], codes: Vec<SessionCode>, lease_ms: u64) -> HashSet<SessionCode> {
    let mut by_shard: Vec<Vec<SessionCode>> = vec![Vec::new(); shards.len()];
    for c in codes {
        let i = shard_of(&c, shards.len());
        if let Some(v) = by_shard.get_mut(i) {
            v.push(c);
        }
    }
    let mut out = HashSet::new();
    for (tx, codes) in shards.iter().zip(by_shard) {
        if codes.is_empty() {
            continue;
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        if tx.send(Input::Held { codes, reply }).is_err() {
            continue;
        }
        if let Ok(Ok(h)) = tokio::time::timeout(Duration::from_millis(lease_ms), answer).await {
            out.extend(h);
        }
    }
    out
}

/// Runs one tick and reports it: the renewals first (a lease is renewed from
/// the moment its renewal is sent), then the heartbeats and the owners.
pub async fn run(a: Asked, events: mpsc::UnboundedSender<Event>) {
    // A lease is never released while this node's core holds its room.
    let codes: Vec<SessionCode> = a.owned.iter().map(|o| o.0.clone()).collect();
    let held = held(&a.shards, codes, a.lease_ms).await;
    let sent = Instant::now();
    let leases: Vec<Renewal<'_>> = a
        .owned
        .iter()
        .map(|(c, young, may_retake)| Renewal {
            code: c.as_str(),
            young: *young || held.contains(c),
            may_retake: *may_retake,
        })
        .collect();
    let renewals = lease::renew(&a.link, &a.node, a.lease_ms, &leases)
        .await
        .ok()
        .map(|r| a.owned.iter().map(|o| o.0.clone()).zip(r).collect());
    let nodes = heartbeat(&a).await;
    let owners = if a.remote.is_empty() {
        Some(Vec::new())
    } else {
        let ks: Vec<String> = a
            .remote
            .iter()
            .map(|(c, _)| keys::lease(c.as_str()))
            .collect();
        a.link
            .cmd::<Vec<Option<String>>>(redis::cmd("MGET").arg(ks).to_owned())
            .await
            .ok()
            .map(|o| a.remote.iter().map(|r| r.0.clone()).zip(o).collect())
    };
    let _ = events.send(Event::Ticked(Box::new(Ticked {
        sent,
        nodes,
        renewals,
        owners,
    })));
}

/// Writes this node's heartbeat; reads every live node's rooms.
async fn heartbeat(a: &Asked) -> Option<HashMap<String, usize>> {
    let mut pipe = redis::pipe();
    pipe.cmd("SET")
        .arg(keys::node(&a.node))
        .arg(a.rooms_here)
        .arg("PX")
        .arg(a.lease_ms)
        .ignore()
        .cmd("SADD")
        .arg(keys::NODES)
        .arg(&a.node)
        .ignore()
        .cmd("SMEMBERS")
        .arg(keys::NODES);
    let (members,): (Vec<String>,) = a.link.pipe(pipe).await.ok()?;
    let ks: Vec<String> = members.iter().map(|n| keys::node(n)).collect();
    let counts: Vec<Option<usize>> = a
        .link
        .cmd(redis::cmd("MGET").arg(ks).to_owned())
        .await
        .ok()?;
    let mut live = HashMap::new();
    let mut dead = Vec::new();
    for (n, c) in members.into_iter().zip(counts) {
        match c {
            Some(c) => {
                live.insert(n, c);
            }
            None => dead.push(n),
        }
    }
    if !dead.is_empty() {
        let _ = a
            .link
            .cmd::<()>(redis::cmd("SREM").arg(keys::NODES).arg(dead).to_owned())
            .await;
    }
    Some(live)
}

impl Gateway {
    /// Acts on a tick (see the module doc).
    pub(super) fn ticked(&mut self, t: Ticked) {
        self.ticking = false;
        match &t.nodes {
            Some(live) => {
                // Writes may have failed since the last look (a restart, a
                // timeout): every room is written again.
                let failed = self.link.health.take_failed();
                if !self.redis_was_up || failed {
                    tracing::info!("redis calls failed since the last tick; rooms written again");
                    self.rewrite();
                }
                self.redis_was_up = true;
                let elsewhere: usize = live
                    .iter()
                    .filter(|(n, _)| **n != self.node)
                    .map(|(_, c)| *c)
                    .sum();
                self.rooms_elsewhere.store(elsewhere, Ordering::Release);
                // Dead nodes: their proxied clients leave, and the clients
                // forwarded to them resume (their rooms move on).
                let dead = |n: &str| !live.contains_key(n);
                self.close_crossed(|n, _| dead(n));
                self.placed
                    .retain(|_, p| !matches!(p, Place::There(o) if dead(o)));
            }
            None => {
                if self.redis_was_up {
                    tracing::warn!("redis unreachable");
                }
                self.redis_was_up = false;
            }
        }
        // A failed renewal is handled by the fence (`Gateway::fence`).
        for (code, renewed) in t.renewals.unwrap_or_default() {
            match renewed {
                Renewed::Held => {
                    if let Some(o) = self.owned.get_mut(&code) {
                        o.renewed = o.renewed.max(t.sent);
                    }
                }
                Renewed::Released | Renewed::Lost => self.evict(&code),
            }
        }
        for (code, owner) in t.owners.unwrap_or_default() {
            let moved = match self.placed.get(&code) {
                Some(Place::There(o)) => owner.as_deref() != Some(o.as_str()),
                _ => false,
            };
            if moved {
                self.placed.remove(&code);
                self.close_crossed(|_, c| c == Some(&code));
            }
        }
    }
}
