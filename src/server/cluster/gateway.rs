//! The gateway: the task through which a node's clients reach their rooms
//! (module doc of [`super`]). Connections hand every message that names a room
//! (and the code-less ones after it) to the gateway instead of a shard; the
//! gateway passes it to the local shard of a room this node owns, or publishes it
//! to the room's owner. It also serves the clients of other nodes whose rooms
//! this node owns (*proxied* clients, [`super::proxy`]: a queue whose frames are
//! published back),
//! keeps the leases ([`super::tick`]) and places rooms ([`super::place`]).
//!
//! A connection's messages keep their order; while a room is being placed its
//! messages wait, and a message of the same connection for another, already
//! placed room may pass them (a client talks to one room at a time).

use super::bus::{self, Envelope, Heard, Letter};
use super::link::Link;
use super::node::Wiring;
use super::place::{self, Placed};
use super::tick::{self, Ticked};
use super::ClusterConfig;
use crate::protocol::response_err;
use crate::relay::rate::ConnWindows;
use crate::relay::resume::Asked;
use crate::relay::{ConnId, Prepared};
use crate::server::actor::{Input, Outbound, Outlet};
use crate::server::route::shard_of;
use crate::validate::SessionCode;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

/// Close code and reason for a client whose room moved to another node (or
/// whose node lost track of it): it reconnects and resumes.
pub const ROOM_MOVED: (u16, &str) = (1012, "room-moved");

/// A client the gateway serves.
pub(super) struct Client {
    /// Its queue (a proxied client's: published back to its node), address, kick.
    pub link: Outlet,
    pub resume: Option<Asked>,
    pub windows: ConnWindows,
    /// For a proxied client: its origin node and its id there.
    pub origin: Option<(String, u64)>,
    /// Local shards it was connected to (bit i: shard i).
    pub shards: u64,
    /// Nodes its messages were published to (with their room).
    pub nodes: Vec<(String, SessionCode)>,
    /// The room of its last message with a code.
    pub code: Option<SessionCode>,
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
pub(super) struct Msg {
    pub message: Box<Prepared>,
    pub permit: OwnedSemaphorePermit,
    pub handled: OwnedSemaphorePermit,
    pub raw: Option<Bytes>,
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
    pub w: Wiring,
    pub rooms_elsewhere: Arc<AtomicUsize>,
    pub clients: HashMap<ConnId, Client>,
    pub proxied: HashMap<(String, u64), ConnId>,
    pub placed: HashMap<SessionCode, Place>,
    pub owned: HashMap<SessionCode, Owned>,
    pub waiting: HashMap<SessionCode, VecDeque<(ConnId, Msg)>>,
    pub publish: mpsc::UnboundedSender<(String, Letter)>,
    pub events: mpsc::UnboundedSender<Event>,
    /// Permits for proxied clients' messages (their budget is their origin's).
    pub any: Arc<Semaphore>,
    pub ticking: bool,
    pub redis_was_up: bool,
}

impl Gateway {
    pub(super) async fn run(
        mut self,
        mut inputs: mpsc::UnboundedReceiver<Input>,
        mut heard: mpsc::UnboundedReceiver<Heard>,
        mut events: mpsc::UnboundedReceiver<Event>,
    ) {
        let every = Duration::from_millis((self.cfg.lease() / 3).max(50));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The fence: a room whose lease was not renewed in time is let go at once,
        // whatever a tick is waiting for (see `fence`).
        let mut fence =
            tokio::time::interval(Duration::from_millis((self.cfg.lease() / 10).max(20)));
        fence.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
                _ = fence.tick() => self.fence(),
            }
        }
    }

    pub(super) fn input(&mut self, input: Input) {
        match input {
            Input::Connect {
                conn,
                resume,
                windows,
                link,
            } => {
                self.clients.insert(
                    conn,
                    Client {
                        link,
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
            | Input::Rewrite
            | Input::Held { .. } => {}
        }
    }

    /// Sends `msg` of `conn` where its room is served.
    pub(super) fn route(&mut self, conn: ConnId, code: Option<SessionCode>, msg: Msg) {
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

    pub(super) fn spawn_place(&self, code: SessionCode) {
        let (link, node, events) = (self.link.clone(), self.node.clone(), self.events.clone());
        let lease = self.cfg.lease();
        let wait = Duration::from_millis(self.cfg.place_timeout_ms);
        tokio::spawn(async move {
            let r = place::place(&link, &node, &code, lease, wait).await;
            let _ = events.send(Event::Placed(code, r));
        });
    }

    pub(super) fn placed(&mut self, code: SessionCode, r: Result<Placed, super::link::LinkError>) {
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
    pub(super) fn unavailable(&mut self, conn: ConnId, msg: &Msg) {
        let Some(id) = msg.message.request_id() else {
            return;
        };
        let text = response_err(id, crate::error::Code::TransportUnavailable.as_str());
        self.deliver(conn, Outbound::Frame(Utf8Bytes::from(text)));
    }

    pub(super) fn pass_to_shard(&mut self, conn: ConnId, shard: usize, msg: Msg) {
        let (Some(client), Some(tx)) = (self.clients.get_mut(&conn), self.w.shards.get(shard))
        else {
            return;
        };
        if client.shards & (1 << shard) == 0 {
            client.shards |= 1 << shard;
            let _ = tx.send(Input::Connect {
                conn,
                resume: client.resume,
                windows: client.windows.clone(),
                link: client.link.clone(),
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

    pub(super) fn forward_to_node(
        &mut self,
        conn: ConnId,
        owner: String,
        code: SessionCode,
        msg: Msg,
    ) {
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
                ip: client.link.ip.clone(),
                asked: client.resume,
            };
            self.send(&owner, conn, connect);
        }
        self.send(&owner, conn, Envelope::Message(raw));
    }

    pub(super) fn send(&self, to: &str, conn: u64, body: Envelope) {
        let letter = Letter {
            from: self.node.clone(),
            conn,
            body,
        };
        let _ = self.publish.send((to.to_string(), letter));
    }

    pub(super) fn negotiated(&mut self, conn: ConnId, asked: Asked) {
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

    pub(super) fn disconnect(&mut self, conn: ConnId) {
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
    pub(super) fn deliver(&mut self, conn: ConnId, frame: Outbound) {
        let Some(c) = self.clients.get(&conn) else {
            return;
        };
        let len = match &frame {
            Outbound::Frame(t) => t.len(),
            Outbound::Binary(b) => b.len(),
            Outbound::Close(..) => 0,
        };
        if let Err(why) = c.link.enqueue(len, frame, self.w.outbound_queue_bytes) {
            tracing::warn!(conn, ip = %c.link.ip, why, "closing a slow consumer (cluster)");
            c.link.kick.notify_one();
        }
    }

    /// Closes a client with `(code, reason)`; it resumes on the room's owner.
    pub(super) fn close(&mut self, conn: ConnId, (code, reason): (u16, &'static str)) {
        if let Some(c) = self.clients.get(&conn) {
            c.link.close(code, reason);
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

    /// Lets go every room whose last renewal was *sent* two thirds of the lease
    /// ago or more: its lease may lapse soon, and another node may take it then.
    pub(super) fn fence(&mut self) {
        let limit = Duration::from_millis(self.cfg.lease() * 2 / 3);
        let now = Instant::now();
        let stale: Vec<SessionCode> = self
            .owned
            .iter()
            .filter(|(_, o)| now.saturating_duration_since(o.renewed) >= limit)
            .map(|(c, _)| c.clone())
            .collect();
        for code in stale {
            tracing::warn!(room = %code, "lease not renewed in time; room let go");
            self.evict(&code);
        }
    }

    pub(super) fn tick(&mut self) {
        if !self.ticking {
            self.ticking = true;
            tokio::spawn(tick::run(tick::Asked::of(self), self.events.clone()));
        }
    }
}
