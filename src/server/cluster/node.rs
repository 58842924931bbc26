//! A node's handle on the cluster: connecting it (nothing is sent yet), and
//! starting its gateway, its bus and its ticks once the shards run.

use super::bus;
use super::gateway::{Event, Gateway};
use super::link::Link;
use super::ClusterConfig;
use crate::server::actor::{ActorTx, Input};
use crate::settings::RelaySettings;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// What the server gives the gateway.
pub struct Wiring {
    /// The local shards.
    pub shards: Vec<ActorTx>,
    /// The core's settings (proxied clients' messages are read with them).
    pub settings: RelaySettings,
    /// Frames per proxied client's queue.
    pub outbound_queue: usize,
    /// Bytes queued per client before it counts as a slow consumer.
    pub outbound_queue_bytes: usize,
    /// The server's connection ids (proxied clients take theirs from it).
    pub next_conn: Arc<AtomicU64>,
    /// Rooms open on this node's shards.
    pub rooms_open: Arc<AtomicUsize>,
}

/// A node's handle on the cluster.
pub struct Cluster {
    /// This node's id.
    pub node: String,
    /// Its Redis link (for `/health`, `/metrics`).
    pub link: Link,
    /// Rooms open on the other nodes (given to every shard's core).
    pub rooms_elsewhere: Arc<AtomicUsize>,
    /// The store every shard writes to.
    pub store: Arc<super::RedisStore>,
    cfg: ClusterConfig,
}

/// Connects a node (nothing is sent to Redis yet).
///
/// # Errors
/// When the Redis URL does not parse.
pub fn start(cfg: &ClusterConfig, settings: &RelaySettings) -> std::io::Result<Cluster> {
    let node = cfg.node_or_random();
    let link = Link::new(&cfg.redis_url, cfg.redis_timeout_ms)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let room_ttl = settings.room_idle_ttl_ms.saturating_add(cfg.lease());
    let store = Arc::new(super::RedisStore::new(
        link.client().clone(),
        node.clone(),
        link.timeout(),
        room_ttl,
        room_ttl.saturating_mul(2),
        link.health.clone(),
    ));
    Ok(Cluster {
        node,
        link,
        rooms_elsewhere: Arc::new(AtomicUsize::new(0)),
        store,
        cfg: cfg.clone(),
    })
}

impl Cluster {
    /// The Redis URL, without a password.
    pub fn redis_url(&self) -> String {
        let i = self.link.client().get_connection_info();
        format!("{:?}", i.addr())
    }

    /// Starts the gateway, its bus and its ticks; returns its input.
    pub fn spawn(&self, wiring: Wiring) -> mpsc::UnboundedSender<Input> {
        // The connections send to the gateway as to a shard (`Target::Gateway`).
        let (tx, in_rx) = mpsc::unbounded_channel::<Input>();
        let (heard_tx, heard_rx) = mpsc::unbounded_channel();
        tokio::spawn(bus::subscribe(
            self.link.clone(),
            self.node.clone(),
            heard_tx,
        ));
        let (pub_tx, pub_rx) = mpsc::unbounded_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let (failed_tx, mut failed_rx) = mpsc::unbounded_channel();
        tokio::spawn(bus::publish(self.link.clone(), pub_rx, failed_tx));
        let undelivered = events.clone();
        tokio::spawn(async move {
            while let Some(f) = failed_rx.recv().await {
                if undelivered.send(Event::Undelivered(f)).is_err() {
                    return;
                }
            }
        });
        let g = Gateway {
            node: self.node.clone(),
            cfg: self.cfg.clone(),
            link: self.link.clone(),
            w: wiring,
            rooms_elsewhere: self.rooms_elsewhere.clone(),
            clients: HashMap::new(),
            proxied: HashMap::new(),
            placed: HashMap::new(),
            owned: HashMap::new(),
            waiting: HashMap::new(),
            publish: pub_tx,
            events,
            any: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
            ticking: false,
            redis_was_up: true,
        };
        tokio::spawn(g.run(in_rx, heard_rx, events_rx));
        tx
    }
}
