//! A shard: the thread that owns one relay core (the rooms whose codes hash to
//! it, [`super::route`]); inputs from the connections that talk to it in, frames
//! out to each connection's bounded queue. Connection limits are counted across
//! shards ([`super::admission`]) and rooms against one shared `max_rooms`
//! ([`RelayCore::share_room_count`]).
//!
//! A queue is bounded in frames and in bytes ([`Outbound::Frame`] lengths not yet
//! written): a frame that would take a connection past either is not queued, the
//! connection is dropped from the core and closed (1008 `slow-consumer`), and the
//! reason is logged. A single frame larger than the byte bound is still queued
//! when the queue is empty, so a large reply (a session pack) always goes out.
//!
//! Password hashes (scrypt, ~50 ms each) run neither here nor on the async IO
//! threads: the core parks the request and asks ([`RelayOutput::HashPassword`]);
//! the hash runs on tokio's blocking pool, at most [`Hashing::workers`] at once, and
//! its key comes back as [`Input::PasswordHashed`]. Every other room is served
//! meanwhile; the workers are shared by every shard. With 0 workers the core
//! hashes inline, on this thread, one at a time.

use super::metrics::Metrics;
use super::persist::Writer;
use crate::relay::resume::Asked;
use crate::relay::{ConnId, HashJob, Prepared, RelayCore, RelayOutput};
use crate::settings::RelaySettings;
use crate::store::{RoomRecord, RoomStore};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

/// What a connection task receives.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A text frame to send (shared by every member of a broadcast).
    Frame(Utf8Bytes),
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// A binary frame to send (a chunk frame of `media-chunks`).
    Binary(Bytes),
}

/// What the actor receives.
#[derive(Debug)]
pub enum Input {
    /// A connection sends its first message to this shard.
    Connect {
        /// Its id.
        conn: ConnId,
        /// What its hello (sent to another shard) asked for, if anything.
        resume: Option<Asked>,
        /// Its message and join-attempt windows, shared by every shard.
        windows: crate::relay::rate::ConnWindows,
        /// Its queue, address and kick.
        link: Outlet,
    },
    /// A message arrived, read (and a media upload checked) by its connection
    /// task, off this thread.
    Message {
        /// From.
        conn: ConnId,
        /// The message (text, or binary read as UTF-8).
        message: Box<Prepared>,
        /// The connection's inbound budget this message holds until it is handled.
        permit: OwnedSemaphorePermit,
        /// Held until the replies to this message are queued: a connection that
        /// turns to another shard waits for them first, so its replies keep the
        /// order of its messages (see `conn`).
        handled: OwnedSemaphorePermit,
        /// On a node of a cluster, for the gateway: the room it names and its bytes.
        routed: Option<Box<Routed>>,
    },
    /// A connection that talks to this shard negotiated (its hello went elsewhere).
    Negotiated {
        /// Which.
        conn: ConnId,
        /// What its hello asked for.
        asked: Asked,
    },
    /// A connection closed.
    Disconnect {
        /// Which.
        conn: ConnId,
    },
    /// The key of a password hash the core asked for.
    PasswordHashed {
        /// The core's job id.
        job: u64,
        /// The derived key.
        key: [u8; 64],
    },
    /// Stop: connections see their queue close and end with 1001.
    Shutdown,
    /// A cluster node took the lease of this stored room: serve it from now on.
    Restore {
        /// The room.
        record: Box<RoomRecord>,
        /// Its media bytes by SHA-256.
        media: HashMap<String, Vec<u8>>,
    },
    /// This cluster node no longer owns this room: let it go (its clients are
    /// closed with 1012 `room-moved` and resume on its owner).
    Evict {
        /// The room's code.
        code: String,
    },
    /// Write every room again (the cluster's Redis may have lost writes).
    Rewrite,
    /// Which of these rooms this shard holds (a cluster node never releases the
    /// lease of a room its core still holds).
    Held {
        /// The rooms asked about.
        codes: Vec<crate::validate::SessionCode>,
        /// The ones held.
        reply: tokio::sync::oneshot::Sender<Vec<crate::validate::SessionCode>>,
    },
}

/// What the gateway of a cluster node needs of a message besides the shard's part.
#[derive(Debug)]
pub struct Routed {
    /// The room the message names, if any.
    pub code: Option<crate::validate::SessionCode>,
    /// The message as received (forwarded as is to another node).
    pub raw: Bytes,
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A connection's outlet: its bounded queue, the bytes queued and not yet
/// written (the connection subtracts what it wrote), the notify that drops it
/// for not reading, and its address (after trusted-proxy resolution).
#[derive(Debug, Clone)]
pub struct Outlet {
    /// Its outbound queue.
    pub tx: mpsc::Sender<Outbound>,
    /// Notified when the connection is dropped for not reading its queue.
    pub kick: Arc<Notify>,
    /// Bytes queued and not yet written.
    pub queued: Arc<AtomicUsize>,
    /// The client address.
    pub ip: String,
}

/// What the relay thread needs besides the core's settings.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes queued per connection before it counts as a slow consumer.
    pub outbound_queue_bytes: usize,
    /// The server's counters.
    pub(super) metrics: Arc<Metrics>,
}

impl Outlet {
    /// Queues `frame` of `len` bytes, or says why it cannot be: past
    /// `max_bytes` queued (a single frame larger than that still goes when the
    /// queue is empty) or past the queue's frames.
    pub fn enqueue(
        &self,
        len: usize,
        frame: Outbound,
        max_bytes: usize,
    ) -> Result<(), &'static str> {
        let queued = self.queued.load(Ordering::Acquire);
        if queued > 0 && queued.saturating_add(len) > max_bytes {
            return Err("outbound queue over its byte limit");
        }
        self.queued.fetch_add(len, Ordering::AcqRel);
        match self.tx.try_send(frame) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.fetch_sub(len, Ordering::AcqRel);
                Err("outbound queue over its frame limit")
            }
            // The task already ended: its Disconnect is on the way.
            Err(mpsc::error::TrySendError::Closed(_)) => Ok(()),
        }
    }

    /// Closes the connection with `code` and `reason` (drops it when its queue
    /// is full).
    pub fn close(&self, code: u16, reason: &'static str) {
        if self.tx.try_send(Outbound::Close(code, reason)).is_err() {
            self.kick.notify_one();
        }
    }
}

/// Where password hashes run.
#[derive(Debug, Clone)]
pub struct Hashing {
    /// Hashes at once on the blocking pool; 0: inline on the core thread.
    pub workers: usize,
    /// Requests that may wait for a hash at once (more get `rate-limited`).
    pub max_pending: usize,
    /// The runtime whose blocking pool runs them.
    pub runtime: tokio::runtime::Handle,
    /// Where keys go: the actor's own input, while the server holds it.
    pub tx: Weak<Sender<Input>>,
    /// Hashes running at once, shared by every shard (`workers`, at least 1).
    pub permits: Arc<Semaphore>,
}

impl Hashing {
    /// Derives `job`'s key on the blocking pool, one of at most `workers` at once,
    /// and sends it to the actor (unless the actor is gone).
    fn spawn(&self, job: HashJob) {
        let Some(tx) = self.tx.upgrade() else {
            return;
        };
        let permits = self.permits.clone();
        self.runtime.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            let id = job.job;
            if let Ok(key) = tokio::task::spawn_blocking(move || {
                super::inbound::background_thread();
                job.derive()
            })
            .await
            {
                let _ = tx.send(Input::PasswordHashed { job: id, key });
            }
        });
    }
}

/// What one shard starts from.
pub struct Shard {
    /// The core's settings (connection limits are counted by the server).
    pub settings: RelaySettings,
    /// Random bytes for its salts and tokens (each shard its own).
    pub seed: [u8; 32],
    /// Its inputs.
    pub rx: Receiver<Input>,
    /// Where its password hashes run.
    pub hashing: Hashing,
    /// Queue limits and counters.
    pub limits: Limits,
    /// Rooms open on every shard, against `max_rooms`.
    pub rooms_open: Arc<AtomicUsize>,
    /// On a cluster node: the rooms open on the other nodes.
    pub rooms_elsewhere: Option<Arc<AtomicUsize>>,
    /// Media held by every shard, and this shard's slot.
    pub media_shares: (Arc<crate::relay::media_shares::MediaShares>, usize),
    /// With a data dir: the store, this shard's stored rooms, the shared writer.
    pub store: Option<Stored>,
}

/// A shard's part of the data dir.
pub struct Stored {
    /// The store (media bytes are read from it at restore).
    pub store: Arc<dyn RoomStore>,
    /// The rooms whose codes hash to this shard.
    pub records: Vec<RoomRecord>,
    /// The write-behind thread every shard hands its changes to.
    pub writer: Arc<Writer>,
}

/// Runs one shard's relay core until [`Input::Shutdown`] or every sender is gone.
/// With a data dir, its rooms are restored first and every change is written
/// behind ([`super::persist`]).
pub fn run(shard: Shard) {
    let Shard {
        settings,
        seed,
        rx,
        hashing,
        limits,
        rooms_open,
        rooms_elsewhere,
        media_shares,
        store,
    } = shard;
    let metrics = limits.metrics.clone();
    let mut core = RelayCore::new(settings, seed);
    core.share_room_count(rooms_open.clone());
    core.share_media(media_shares.0, media_shares.1);
    if let Some(elsewhere) = rooms_elsewhere {
        core.share_rooms_elsewhere(elsewhere);
    }
    let writer = store.map(
        |Stored {
             store,
             records,
             writer,
         }| {
            core.enable_persistence();
            super::persist::restore(store.as_ref(), &mut core, records, now_ms());
            writer
        },
    );
    if hashing.workers > 0 {
        core.defer_password_hashing(hashing.max_pending);
    }
    let mut conns: HashMap<ConnId, Outlet> = HashMap::new();
    // The last frame converted, so a broadcast is copied once, not once per member.
    let mut last: Option<(Arc<str>, Utf8Bytes)> = None;
    let mut lockouts = 0u64;
    loop {
        let now = now_ms();
        let wait = core
            .poll_timeout()
            .map_or(1000, |t| t.saturating_sub(now))
            .clamp(1, 1000);
        let mut handled = None;
        match rx.recv_timeout(Duration::from_millis(wait)) {
            Ok(Input::Connect {
                conn,
                resume,
                windows,
                link,
            }) => {
                core.handle_connect(conn, &link.ip, now_ms());
                core.share_windows(conn, windows);
                if let Some(resume) = resume {
                    core.handle_negotiated(conn, resume);
                }
                conns.insert(conn, link);
            }
            Ok(Input::Message {
                conn,
                message,
                permit,
                handled: h,
                routed: _,
            }) => {
                core.handle_prepared(conn, *message, now_ms());
                drop(permit);
                handled = Some(h);
            }
            Ok(Input::Negotiated { conn, asked }) => core.handle_negotiated(conn, asked),
            Ok(Input::Disconnect { conn }) => {
                conns.remove(&conn);
                core.handle_disconnect(conn, now_ms());
            }
            Ok(Input::PasswordHashed { job, key }) => core.handle_password_hash(job, key, now_ms()),
            Ok(Input::Restore { record, mut media }) => {
                let restored = core.restore(vec![*record], |sha| media.remove(sha), now_ms());
                for n in restored {
                    tracing::warn!(room = %n.code, reason = %n.reason, "room not taken over");
                }
            }
            Ok(Input::Evict { code }) => {
                for conn in core.evict(&code) {
                    if let Some(link) = conns.remove(&conn) {
                        let (c, reason) = super::cluster::ROOM_MOVED;
                        link.close(c, reason);
                    }
                    core.handle_disconnect(conn, now_ms());
                }
                tracing::info!(room = %code, "room let go: this node no longer holds its lease");
            }
            Ok(Input::Rewrite) => core.rewrite_all(),
            Ok(Input::Held { codes, reply }) => {
                let held = codes.into_iter().filter(|c| core.holds_room(c)).collect();
                let _ = reply.send(held);
            }
            Ok(Input::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => core.handle_timeout(now_ms()),
        }
        // Counted before the replies go out, so a client that reads its reply
        // and then scrapes `/metrics` sees its own change.
        metrics
            .rooms
            .store(rooms_open.load(Ordering::Relaxed), Ordering::Relaxed);
        let refused = core.lockout_refusals();
        metrics
            .lockouts
            .fetch_add(refused.saturating_sub(lockouts), Ordering::Relaxed);
        lockouts = refused;
        while let Some(out) = core.poll_output() {
            match out {
                RelayOutput::Send { conn, text } => {
                    let Some(link) = conns.get(&conn) else {
                        continue;
                    };
                    let frame = match &last {
                        Some((arc, bytes)) if Arc::ptr_eq(arc, &text) => bytes.clone(),
                        _ => {
                            let bytes = Utf8Bytes::from(text.as_ref());
                            last = Some((text, bytes.clone()));
                            bytes
                        }
                    };
                    if let Err(why) = link.enqueue(
                        frame.len(),
                        Outbound::Frame(frame),
                        limits.outbound_queue_bytes,
                    ) {
                        // The client stops reading: drop it so memory stays bounded.
                        let queued = link.queued.load(Ordering::Relaxed);
                        tracing::warn!(conn, ip = %link.ip, queued, why, "closing a slow consumer");
                        if let Some(link) = conns.remove(&conn) {
                            link.kick.notify_one();
                        }
                        core.handle_disconnect(conn, now_ms());
                    }
                }
                RelayOutput::SendBinary { conn, bytes } => {
                    let Some(link) = conns.get(&conn) else {
                        continue;
                    };
                    let frame = Outbound::Binary(Bytes::from(bytes.to_vec()));
                    if let Err(why) = link.enqueue(bytes.len(), frame, limits.outbound_queue_bytes)
                    {
                        tracing::warn!(conn, ip = %link.ip, why, "closing a slow consumer");
                        if let Some(link) = conns.remove(&conn) {
                            link.kick.notify_one();
                        }
                        core.handle_disconnect(conn, now_ms());
                    }
                }
                RelayOutput::HashPassword(job) => hashing.spawn(job),
                RelayOutput::Close { conn, code, reason } => {
                    metrics.refuse(reason);
                    if let Some(link) = conns.remove(&conn) {
                        link.close(code, reason);
                    }
                    core.handle_disconnect(conn, now_ms());
                }
            }
        }
        last = None;
        drop(handled);
        if let Some(w) = &writer {
            let ops = core.poll_persist();
            if !ops.is_empty() {
                w.send(ops);
            }
        }
    }
}

/// A handle to send inputs to the actor.
pub type ActorTx = Arc<Sender<Input>>;

/// Where a connection's inputs go: a shard's thread, or (on a node of a
/// cluster) the gateway task that routes them to a shard or another node.
#[derive(Debug, Clone)]
pub enum Target {
    /// A shard.
    Shard(ActorTx),
    /// The gateway (`server::cluster`).
    Gateway(mpsc::UnboundedSender<Input>),
}

impl Target {
    /// Sends `input`; gives it back when the receiver is gone.
    pub fn send(&self, input: Input) -> Result<(), Input> {
        match self {
            Target::Shard(tx) => tx.send(input).map_err(|e| e.0),
            Target::Gateway(tx) => tx.send(input).map_err(|e| e.0),
        }
    }
}
