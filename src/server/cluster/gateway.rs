//! The gateway: the task through which a node's clients reach their rooms
//! (module doc of [`super`]). Connections hand every message that names a room
//! (and the code-less ones after it) to the gateway instead of a shard; the
//! gateway passes it to the local shard of a room this node owns, or publishes it
//! to the room's owner. It also serves the clients of other nodes whose rooms
//! this node owns (*proxied* clients: a queue whose frames are published back),
//! keeps the leases ([`super::tick`]) and places rooms ([`super::place`]).
//!
//! A connection's messages keep their order; while a room is being placed its
//! messages wait, and a message of the same connection for another, already
//! placed room may pass them (a client talks to one room at a time).

use super::bus::{self, Envelope, Heard, Letter};
use super::link::Link;
use super::place::{self, Placed};
use super::tick::{self, Ticked};
use super::ClusterConfig;
use crate::protocol::response_err;
use crate::relay::rate::ConnWindows;
use crate::relay::resume::Asked;
use crate::relay::{ConnId, Prepared};
use crate::server::actor::{ActorTx, Input, Outbound};
use crate::server::route::{route, shard_of};
use crate::settings::RelaySettings;
use crate::validate::SessionCode;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

/// Close code and reason for a client whose room moved to another node (or
/// whose node lost track of it): it reconnects and resumes.
pub const ROOM_MOVED: (u16, &str) = (1012, "room-moved");

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
    pub fn spawn(&self, wiring: Wiring) -> std::io::Result<ActorTx> {
        let (tx, rx) = std::sync::mpsc::channel::<Input>();
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        // The connections send as to a shard; one thread hands it to the task.
        std::thread::Builder::new()
            .name("relay-gateway-in".into())
            .spawn(move || {
                while let Ok(i) = rx.recv() {
                    if in_tx.send(i).is_err() {
                        break;
                    }
                }
            })?;
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
        Ok(Arc::new(tx))
    }
}

/// A client the gateway serves.
struct Client {
    tx: mpsc::Sender<Outbound>,
    kick: Arc<Notify>,
    queued: Arc<AtomicUsize>,
    ip: String,
    resume: Option<Asked>,
    windows: ConnWindows,
    /// For a proxied client: its origin node and its id there.
    origin: Option<(String, u64)>,
    /// Local shards it was connected to (bit i: shard i).
    shards: u64,
    /// Nodes its messages were published to (with their room).
    nodes: Vec<(String, SessionCode)>,
    /// The room of its last message with a code.
    code: Option<SessionCode>,
}

/// Where a placed room is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    Here,
    There(String),
}

/// A lease this node holds.
pub(super) struct Owned {
    pub taken: Instant,
    pub renewed: Instant,
}

/// A message on its way.
struct Msg {
    message: Box<Prepared>,
    permit: OwnedSemaphorePermit,
    handled: OwnedSemaphorePermit,
    raw: Option<Bytes>,
}

/// Results of the gateway's own tasks.
pub(super) enum Event {
    Placed(SessionCode, Result<Placed, super::link::LinkError>),
    Ticked(Box<Ticked>),
    Undelivered(Vec<bus::Undelivered>),
}

pub(super) struct Gateway {
    pub node: String,
    pub cfg: ClusterConfig,
    pub link: Link,
    w: Wiring,
    pub rooms_elsewhere: Arc<AtomicUsize>,
    clients: HashMap<ConnId, Client>,
    proxied: HashMap<(String, u64), ConnId>,
    pub placed: HashMap<SessionCode, Place>,
    pub owned: HashMap<SessionCode, Owned>,
    waiting: HashMap<SessionCode, VecDeque<(ConnId, Msg)>>,
    publish: mpsc::UnboundedSender<(String, Letter)>,
    pub events: mpsc::UnboundedSender<Event>,
    /// Permits for proxied clients' messages (their budget is their origin's).
    any: Arc<Semaphore>,
    pub ticking: bool,
    pub redis_was_up: bool,
}

impl Gateway {
    async fn run(
        mut self,
        mut inputs: mpsc::UnboundedReceiver<Input>,
        mut heard: mpsc::UnboundedReceiver<Heard>,
        mut events: mpsc::UnboundedReceiver<Event>,
    ) {
        let every = Duration::from_millis((self.cfg.lease() / 3).max(50));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                i = inputs.recv() => match i {
                    Some(Input::Shutdown) | None => return,
                    Some(i) => self.input(i),
                },
                Some(h) = heard.recv() => self.heard(h),
                Some(e) = events.recv() => match e {
                    Event::Placed(code, r) => self.placed(code, r),
                    Event::Ticked(t) => self.ticked(*t),
                    Event::Undelivered(u) => self.undelivered(u),
                },
                _ = tick.tick() => self.tick(),
            }
        }
    }

    fn input(&mut self, input: Input) {
        match input {
            Input::Connect {
                conn,
                resume,
                ip,
                tx,
                kick,
                queued,
                windows,
            } => {
                self.clients.insert(
                    conn,
                    Client {
                        tx,
                        kick,
                        queued,
                        ip,
                        resume,
                        windows,
                        origin: None,
                        shards: 0,
                        nodes: Vec::new(),
                        code: None,
                    },
                );
            }
            Input::Message {
                conn,
                message,
                permit,
                handled,
                routed,
            } => {
                let (code, raw) = match routed {
                    Some(r) => (r.code, Some(r.raw)),
                    None => (None, None),
                };
                let msg = Msg {
                    message,
                    permit,
                    handled,
                    raw,
                };
                self.route(conn, code, msg);
            }
            Input::Negotiated { conn, asked } => self.negotiated(conn, asked),
            Input::Disconnect { conn } => self.disconnect(conn),
            Input::PasswordHashed { .. }
            | Input::Shutdown
            | Input::Restore { .. }
            | Input::Evict { .. }
            | Input::Rewrite => {}
        }
    }

    /// Sends `msg` of `conn` where its room is served.
    fn route(&mut self, conn: ConnId, code: Option<SessionCode>, msg: Msg) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        if code.is_some() {
            client.code.clone_from(&code);
        }
        let Some(code) = code.or_else(|| client.code.clone()) else {
            let shard = (conn as usize) % self.w.shards.len().max(1);
            self.pass_to_shard(conn, shard, msg);
            return;
        };
        if let Some(queue) = self.waiting.get_mut(&code) {
            queue.push_back((conn, msg));
            return;
        }
        match self.placed.get(&code).cloned() {
            Some(Place::Here) => {
                let shard = shard_of(&code, self.w.shards.len());
                self.pass_to_shard(conn, shard, msg);
            }
            Some(Place::There(owner)) => self.forward_to_node(conn, owner, code, msg),
            None => {
                self.waiting
                    .insert(code.clone(), VecDeque::from([(conn, msg)]));
                self.spawn_place(code);
            }
        }
    }

    fn spawn_place(&self, code: SessionCode) {
        let (link, node, events) = (self.link.clone(), self.node.clone(), self.events.clone());
        let lease = self.cfg.lease();
        let wait = Duration::from_millis(self.cfg.place_timeout_ms);
        tokio::spawn(async move {
            let r = place::place(&link, &node, &code, lease, wait).await;
            let _ = events.send(Event::Placed(code, r));
        });
    }

    fn placed(&mut self, code: SessionCode, r: Result<Placed, super::link::LinkError>) {
        let queue = self.waiting.remove(&code).unwrap_or_default();
        match r {
            Ok(Placed::Here(loaded)) => {
                let now = Instant::now();
                self.owned.insert(
                    code.clone(),
                    Owned {
                        taken: now,
                        renewed: now,
                    },
                );
                self.placed.insert(code.clone(), Place::Here);
                if let Some(l) = loaded {
                    let shard = shard_of(&code, self.w.shards.len());
                    if let Some(s) = self.w.shards.get(shard) {
                        let _ = s.send(Input::Restore {
                            record: Box::new(l.record),
                            media: l.media,
                        });
                    }
                }
            }
            Ok(Placed::There(owner)) => {
                self.placed.insert(code.clone(), Place::There(owner));
            }
            Err(e) => {
                tracing::warn!(room = %code, error = %e, "room not placed: redis unavailable");
                for (conn, msg) in queue {
                    self.unavailable(conn, &msg);
                }
                return;
            }
        }
        for (conn, msg) in queue {
            self.route(conn, Some(code.clone()), msg);
        }
    }

    /// Answers a request that cannot reach its room `transport-unavailable`.
    fn unavailable(&mut self, conn: ConnId, msg: &Msg) {
        let Some(id) = msg.message.request_id() else {
            return;
        };
        let text = response_err(id, crate::error::Code::TransportUnavailable.as_str());
        self.deliver(conn, Outbound::Frame(Utf8Bytes::from(text)));
    }

    fn pass_to_shard(&mut self, conn: ConnId, shard: usize, msg: Msg) {
        let (Some(client), Some(tx)) = (self.clients.get_mut(&conn), self.w.shards.get(shard))
        else {
            return;
        };
        if client.shards & (1 << shard) == 0 {
            client.shards |= 1 << shard;
            let _ = tx.send(Input::Connect {
                conn,
                resume: client.resume,
                ip: client.ip.clone(),
                tx: client.tx.clone(),
                kick: client.kick.clone(),
                queued: client.queued.clone(),
                windows: client.windows.clone(),
            });
        }
        let _ = tx.send(Input::Message {
            conn,
            message: msg.message,
            permit: msg.permit,
            handled: msg.handled,
            routed: None,
        });
    }

    fn forward_to_node(&mut self, conn: ConnId, owner: String, code: SessionCode, msg: Msg) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        // A proxied client is served here or not at all: its room moved on.
        if client.origin.is_some() {
            self.close(conn, ROOM_MOVED);
            return;
        }
        let Some(raw) = msg.raw else {
            return;
        };
        if !client.nodes.iter().any(|(n, _)| *n == owner) {
            client.nodes.push((owner.clone(), code));
            let connect = Envelope::Connect {
                ip: client.ip.clone(),
                asked: client.resume,
            };
            self.send(&owner, conn, connect);
        }
        self.send(&owner, conn, Envelope::Message(raw));
    }

    fn send(&self, to: &str, conn: u64, body: Envelope) {
        let letter = Letter {
            from: self.node.clone(),
            conn,
            body,
        };
        let _ = self.publish.send((to.to_string(), letter));
    }

    fn negotiated(&mut self, conn: ConnId, asked: Asked) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.resume = Some(asked);
        for (i, s) in self.w.shards.iter().enumerate() {
            if client.shards & (1 << i) != 0 {
                let _ = s.send(Input::Negotiated { conn, asked });
            }
        }
        let nodes: Vec<String> = client.nodes.iter().map(|(n, _)| n.clone()).collect();
        for n in nodes {
            self.send(&n, conn, Envelope::Negotiated(asked));
        }
    }

    fn disconnect(&mut self, conn: ConnId) {
        let Some(client) = self.clients.remove(&conn) else {
            return;
        };
        for (i, s) in self.w.shards.iter().enumerate() {
            if client.shards & (1 << i) != 0 {
                let _ = s.send(Input::Disconnect { conn });
            }
        }
        for (n, _) in &client.nodes {
            self.send(n, conn, Envelope::Disconnect);
        }
        if let Some(origin) = client.origin {
            self.proxied.remove(&origin);
        }
    }

    /// Queues a frame for a client of this node (or a proxied one's queue).
    fn deliver(&mut self, conn: ConnId, frame: Outbound) {
        let Some(c) = self.clients.get(&conn) else {
            return;
        };
        let len = match &frame {
            Outbound::Frame(t) => t.len(),
            Outbound::Binary(b) => b.len(),
            Outbound::Close(..) => 0,
        };
        let queued = c.queued.load(Ordering::Acquire);
        let over = queued > 0 && queued.saturating_add(len) > self.w.outbound_queue_bytes;
        c.queued.fetch_add(len, Ordering::AcqRel);
        if over || c.tx.try_send(frame).is_err() {
            c.queued.fetch_sub(len, Ordering::AcqRel);
            if !c.tx.is_closed() {
                tracing::warn!(conn, ip = %c.ip, "closing a slow consumer (cluster)");
                c.kick.notify_one();
            }
        }
    }

    /// Closes a client with `(code, reason)`; it resumes on the room's owner.
    pub(super) fn close(&mut self, conn: ConnId, (code, reason): (u16, &'static str)) {
        if let Some(c) = self.clients.get(&conn) {
            if c.tx.try_send(Outbound::Close(code, reason)).is_err() {
                c.kick.notify_one();
            }
        }
    }

    fn heard(&mut self, heard: Heard) {
        let letter = match heard {
            Heard::Letter(l) => l,
            Heard::BusUp(false) => return,
            Heard::BusUp(true) => {
                // Letters may have been lost meanwhile: every client that crossed
                // nodes starts again from a resume.
                tracing::warn!("cluster bus back after a break; crossed clients resume");
                self.close_crossed(|_, _| true);
                return;
            }
        };
        let Letter { from, conn, body } = letter;
        match body {
            Envelope::Connect { ip, asked } => self.proxy(from, conn, ip, asked),
            Envelope::Message(raw) => {
                let Some(&id) = self.proxied.get(&(from.clone(), conn)) else {
                    // A client this node no longer serves (it left after a lost
                    // letter): its node closes it, and it resumes.
                    let (code, reason) = ROOM_MOVED;
                    self.send(&from, conn, Envelope::Close(code, reason.to_string()));
                    return;
                };
                let code = route(&raw).code;
                let message = Box::new(Prepared::read(&raw, &self.w.settings));
                let (Ok(permit), Ok(handled)) = (
                    self.any.clone().try_acquire_owned(),
                    self.any.clone().try_acquire_owned(),
                ) else {
                    return;
                };
                let msg = Msg {
                    message,
                    permit,
                    handled,
                    raw: None,
                };
                self.route(id, code, msg);
            }
            Envelope::Negotiated(asked) => {
                if let Some(&id) = self.proxied.get(&(from, conn)) {
                    self.negotiated(id, asked);
                }
            }
            Envelope::Disconnect => {
                if let Some(&id) = self.proxied.get(&(from, conn)) {
                    self.disconnect(id);
                }
            }
            Envelope::Text(bytes) => {
                if let Ok(text) = Utf8Bytes::try_from(bytes) {
                    self.deliver(conn, Outbound::Frame(text));
                }
            }
            Envelope::Binary(bytes) => self.deliver(conn, Outbound::Binary(bytes)),
            Envelope::Close(code, reason) => {
                self.deliver(conn, Outbound::Close(code, static_reason(&reason)));
            }
        }
    }

    /// Letters that were not published: the clients they were about start over
    /// from a resume (a proxied client leaves; a client of this node is closed).
    fn undelivered(&mut self, letters: Vec<bus::Undelivered>) {
        for u in letters {
            if u.to_origin {
                if let Some(&id) = self.proxied.get(&(u.to, u.conn)) {
                    self.disconnect(id);
                }
            } else {
                self.close(u.conn, ROOM_MOVED);
            }
        }
    }

    /// Takes in a client of node `from`: frames for it are published back.
    fn proxy(&mut self, from: String, their: u64, ip: String, asked: Option<Asked>) {
        if self.proxied.contains_key(&(from.clone(), their)) {
            return;
        }
        let id = self.w.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(self.w.outbound_queue.max(1));
        let kick = Arc::new(Notify::new());
        let queued = Arc::new(AtomicUsize::new(0));
        tokio::spawn(pump(
            rx,
            kick.clone(),
            queued.clone(),
            self.publish.clone(),
            self.node.clone(),
            from.clone(),
            their,
        ));
        self.proxied.insert((from.clone(), their), id);
        self.clients.insert(
            id,
            Client {
                tx,
                kick,
                queued,
                ip,
                resume: asked,
                windows: ConnWindows::default(),
                origin: Some((from, their)),
                shards: 0,
                nodes: Vec::new(),
                code: None,
            },
        );
    }

    /// Closes the clients of this node that crossed to another node, where
    /// `which(owner, room)` holds; disconnects every proxied client of an origin
    /// where `which(origin, _)` holds with no room (`None`).
    pub(super) fn close_crossed(&mut self, which: impl Fn(&str, Option<&SessionCode>) -> bool) {
        let mut close = Vec::new();
        let mut gone = Vec::new();
        for (&id, c) in &self.clients {
            match &c.origin {
                Some((origin, _)) if which(origin, None) => gone.push(id),
                Some(_) => {}
                None => {
                    if c.nodes.iter().any(|(n, code)| which(n, Some(code))) {
                        close.push(id);
                    }
                }
            }
        }
        for id in close {
            self.close(id, ROOM_MOVED);
        }
        for id in gone {
            self.disconnect(id);
        }
    }

    /// Lets the room `code` go from this node (see `RelayCore::evict`).
    pub(super) fn evict(&mut self, code: &SessionCode) {
        self.owned.remove(code);
        self.placed.remove(code);
        let shard = shard_of(code, self.w.shards.len());
        if let Some(s) = self.w.shards.get(shard) {
            let _ = s.send(Input::Evict {
                code: code.to_string(),
            });
        }
    }

    /// Every shard writes each of its rooms again (Redis may have lost writes).
    pub(super) fn rewrite(&self) {
        for s in &self.w.shards {
            let _ = s.send(Input::Rewrite);
        }
    }

    /// Rooms open on this node.
    pub(super) fn rooms_here(&self) -> usize {
        self.w.rooms_open.load(Ordering::Acquire)
    }

    fn tick(&mut self) {
        if !self.ticking {
            self.ticking = true;
            tokio::spawn(tick::run(tick::Asked::of(self), self.events.clone()));
        }
    }
}

/// Publishes a proxied client's frames to its origin node, in order.
async fn pump(
    mut rx: mpsc::Receiver<Outbound>,
    kick: Arc<Notify>,
    queued: Arc<AtomicUsize>,
    publish: mpsc::UnboundedSender<(String, Letter)>,
    node: String,
    origin: String,
    conn: u64,
) {
    loop {
        let body = tokio::select! {
            out = rx.recv() => match out {
                Some(Outbound::Frame(t)) => {
                    queued.fetch_sub(t.len(), Ordering::AcqRel);
                    Envelope::Text(Bytes::from(t))
                }
                Some(Outbound::Binary(b)) => {
                    queued.fetch_sub(b.len(), Ordering::AcqRel);
                    Envelope::Binary(b)
                }
                Some(Outbound::Close(code, reason)) => Envelope::Close(code, reason.to_string()),
                None => return,
            },
            () = kick.notified() => Envelope::Close(1008, "slow-consumer".to_string()),
        };
        let close = matches!(body, Envelope::Close(..));
        let letter = Letter {
            from: node.clone(),
            conn,
            body,
        };
        if publish.send((origin.clone(), letter)).is_err() || close {
            return;
        }
    }
}

/// The static reason of a close relayed from another node (the reasons this
/// relay closes with); another text reads as `relay-closed`.
fn static_reason(reason: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "room-moved",
        "slow-consumer",
        "server-shutdown",
        "ping-flood",
        "idle-timeout",
        "message-too-big",
        "protocol-error",
        "origin-not-allowed",
        "server-full",
        "too-many-connections",
        "host-left",
        "ttl-expired",
    ];
    KNOWN
        .iter()
        .find(|k| **k == reason)
        .copied()
        .unwrap_or("relay-closed")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_relayed_close_keeps_a_known_reason_only() {
        assert_eq!(super::static_reason("room-moved"), "room-moved");
        assert_eq!(super::static_reason("slow-consumer"), "slow-consumer");
        assert_eq!(super::static_reason("anything else"), "relay-closed");
    }
}
