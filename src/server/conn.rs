//! One WebSocket connection: frames in to the shards, its queue out to the
//! socket, pings, an idle timeout and the close codes of PROTOCOL.md.
//!
//! Each message is read off the shards' threads ([`super::inbound`]: a media
//! upload's JSON, base64 and hash on the blocking pool) and goes, in order, to the
//! shard of the room it names ([`super::route`]), or to
//! the connection's current shard when it names none; a shard learns of the
//! connection with its first message (carrying what the hello negotiated), and
//! every shard it talked to is told when it ends. Every shard writes into the
//! same bounded outbound queue. Replies keep the order of the messages across
//! shards: a message for another shard than the one before is held until every
//! message sent before it is handled and its replies queued (the hello's
//! `relay-features` before the `createRoom` reply of the room's shard); meanwhile
//! the connection keeps writing its queue and reading the socket (within its
//! inbound budget), so only that message and those behind it wait.
//! A password request whose hash is deferred is the one exception: its reply comes
//! when the hash is done, as on a single core.
//!
//! Memory per connection is bounded both ways: inbound, the messages handed to
//! the shards and not yet handled hold at most `max_payload` (plus a little) of
//! budget, and the socket is not read past it; outbound, the queue holds at most
//! `outbound_queue` frames and `outbound_queue_bytes` bytes, and a client that
//! lets it fill is dropped (1008 `slow-consumer`). Pings and pongs from the client
//! are counted: past `max_client_pings` in `client_ping_window_ms` the client is
//! closed (1008 `ping-flood`), so the pongs tungstenite queues stay few.
//!
//! Every end is logged once, at info, with the client address and the room the
//! connection entered, if any: the client closed (with its code), went away (no
//! close frame), timed out, or the relay closed it and why.

use super::actor::{Input, Outbound, Outlet, Routed};
use super::ends::{log_end, End};
use super::inbound::{Inbound, Ready};
use super::route::shard_of;
use super::socket::{close_handshake, read_end, write_batch, ReadEnd, Socket, CLOSE_LINGER};
use super::Shared;
use crate::relay::rate::ConnWindows;
use crate::relay::resume::Asked;
use crate::validate::SessionCode;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tokio::time::{interval_at, sleep_until, timeout, timeout_at, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

/// Messages a connection may have in the shards at once, never reached (the
/// inbound budget holds far fewer): a shard switch waits for all of them.
const IN_SHARDS: u32 = 1 << 20;
/// Budget charged per inbound message on top of its length, bytes.
const MESSAGE_OVERHEAD: usize = 256;

/// What the connection loop reacts to.
enum Event {
    In(Option<Result<Message, WsError>>),
    /// The oldest message waiting for its read is read (`false`: it failed).
    Read(bool),
    Out(Option<Outbound>),
    /// Every message sent is handled: the held one may go to its shard.
    Barrier(bool),
    /// Budget for the message read while there was too little (`None`: the relay
    /// is shutting down).
    Budget(Option<OwnedSemaphorePermit>),
    Ping,
    Idle,
    End(End),
}

/// Serves one upgraded socket until either side closes it.
pub(super) async fn serve(mut socket: Socket, shared: Shared, ip: String) {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let mut stop = shared.stop.clone();
    let metrics = &shared.metrics;
    metrics.ws_accepted.fetch_add(1, Ordering::Relaxed);
    metrics.ws_open.fetch_add(1, Ordering::Relaxed);
    let mut room = None;
    let end = match shared.admission.admit(&ip) {
        Err((code, reason)) => {
            metrics.refuse(reason);
            End::Close(code, reason)
        }
        Ok(_ticket) => {
            tracing::debug!(conn, %ip, "connection open");
            let (tx, rx) = mpsc::channel(shared.config.outbound_queue.max(1));
            let mut link = Link {
                socket: &mut socket,
                shared: &shared,
                conn,
                ip: &ip,
                tx,
                rx,
                kick: Arc::new(Notify::new()),
                queued: Arc::new(AtomicUsize::new(0)),
                stop: &mut stop,
                shards: 0,
                last: None,
                in_shards: Arc::new(Semaphore::new(IN_SHARDS as usize)),
                held: None,
                current: (conn as usize) % shared.local_shards(),
                resume: None,
                windows: ConnWindows::default(),
                room: None,
            };
            let end = link.pump().await;
            // Leave the rooms now; the close handshake below may take a while.
            link.disconnect();
            room = link.room.take();
            end
        }
    };
    let mut deadline = Instant::now() + CLOSE_LINGER;
    if let Some(d) = *stop.borrow() {
        deadline = deadline.min(d.max(Instant::now()));
    }
    match end {
        End::Close(code, reason) => {
            let _ = timeout_at(deadline, close_handshake(&mut socket, code, reason)).await;
        }
        // tungstenite queued the close reply; the next read writes it and ends.
        End::ClientClosed(_) => {
            let _ = timeout_at(deadline, socket.next()).await;
        }
        End::Gone(_) => {}
    }
    metrics.ws_open.fetch_sub(1, Ordering::Relaxed);
    metrics.count_end(end);
    log_end(conn, &ip, room.as_ref().map(SessionCode::as_str), end);
}

/// The budget of inbound bytes a connection may have waiting in the shards.
fn inbound_budget(max_payload: usize) -> u32 {
    let budget = max_payload.saturating_add(64 * 1024).max(MESSAGE_OVERHEAD);
    u32::try_from(budget).unwrap_or(u32::MAX)
}

/// A running connection.
struct Link<'a> {
    socket: &'a mut Socket,
    shared: &'a Shared,
    conn: u64,
    ip: &'a str,
    /// The queue every shard writes to (given to each with `Connect`).
    tx: mpsc::Sender<Outbound>,
    rx: mpsc::Receiver<Outbound>,
    kick: Arc<Notify>,
    /// Bytes of the frames queued for this connection and not yet written.
    queued: Arc<AtomicUsize>,
    stop: &'a mut watch::Receiver<Option<Instant>>,
    /// The shards this connection talked to (bit i: shard i).
    shards: u64,
    /// The shard of the last message sent.
    last: Option<usize>,
    /// One permit per message sent and not yet handled, of [`IN_SHARDS`].
    in_shards: Arc<Semaphore>,
    /// A message for another shard than the last, held (with its shard) until
    /// every message sent is handled; the queue keeps being written meanwhile.
    held: Option<(usize, Input)>,
    /// Where messages without a session code go.
    current: usize,
    /// What the hello asked for, carried to shards reached later.
    resume: Option<Asked>,
    /// Its message and join-attempt windows, given to every shard it talks to.
    windows: ConnWindows,
    /// The room the connection last asked to enter (for the log).
    room: Option<SessionCode>,
}

/// Counts the client's pings and pongs in fixed windows.
struct PingMeter {
    window: Duration,
    max: u32,
    start: Instant,
    seen: u32,
}

impl PingMeter {
    /// Counts one; `false` once the window holds more than `max`.
    fn hit(&mut self, now: Instant) -> bool {
        if now.duration_since(self.start) >= self.window {
            self.start = now;
            self.seen = 0;
        }
        self.seen = self.seen.saturating_add(1);
        self.seen <= self.max
    }
}

impl Link<'_> {
    /// Hands one read message to the shard of its room, or holds it when that is
    /// another shard than the last (see [`Link::release`]); `false` once the relay
    /// is gone.
    async fn dispatch(&mut self, ready: Ready) -> bool {
        let Ready {
            route: r,
            message,
            permit,
            raw,
        } = ready;
        let shards = &self.shared.shards;
        let gateway = self.shared.gateway;
        if let Some(code) = &r.code {
            // On a cluster node, every room is reached through the gateway.
            self.current = gateway.unwrap_or_else(|| shard_of(code, shards.len()));
        }
        let target = self.current;
        let routed = match raw {
            Some(raw) if gateway == Some(target) => Some(Box::new(Routed {
                code: r.code.clone(),
                raw,
            })),
            _ => None,
        };
        if let Some(asked) = r.hello {
            self.resume = Some(asked);
            // Shards already reached learn it now; the target negotiates itself.
            for (i, shard) in shards.iter().enumerate() {
                if i != target && self.shards & (1 << i) != 0 {
                    let _ = shard.send(Input::Negotiated {
                        conn: self.conn,
                        asked,
                    });
                }
            }
        }
        if r.enters {
            self.room = r.code;
        }
        let Some(shard) = shards.get(target) else {
            return false;
        };
        if self.shards & (1 << target) == 0 {
            self.shards |= 1 << target;
            let connect = Input::Connect {
                conn: self.conn,
                resume: self.resume,
                windows: self.windows.clone(),
                link: Outlet {
                    tx: self.tx.clone(),
                    kick: self.kick.clone(),
                    queued: self.queued.clone(),
                    ip: self.ip.to_string(),
                },
            };
            if shard.send(connect).is_err() {
                return false;
            }
        }
        let Ok(handled) = self.in_shards.clone().acquire_owned().await else {
            return false;
        };
        let message = Input::Message {
            conn: self.conn,
            message,
            permit,
            handled,
            routed,
        };
        if self.last.is_some_and(|last| last != target) {
            self.held = Some((target, message));
            return true;
        }
        self.last = Some(target);
        shard.send(message).is_ok()
    }

    /// Every message sent before the held one is handled (its replies queued):
    /// the held message goes to its shard; `false` once the relay is gone.
    fn release(&mut self) -> bool {
        let Some((target, message)) = self.held.take() else {
            return true;
        };
        self.last = Some(target);
        self.shared
            .shards
            .get(target)
            .is_some_and(|shard| shard.send(message).is_ok())
    }

    /// Hands on the messages read, in order, until one is held.
    async fn dispatch_ready(&mut self, reading: &mut Inbound) -> bool {
        while self.held.is_none() {
            let Some(ready) = reading.pop_ready() else {
                break;
            };
            if !self.dispatch(ready).await {
                return false;
            }
        }
        true
    }

    /// Tells every shard this connection talked to that it is gone.
    fn disconnect(&mut self) {
        for (i, shard) in self.shared.shards.iter().enumerate() {
            if self.shards & (1 << i) != 0 {
                let _ = shard.send(Input::Disconnect { conn: self.conn });
            }
        }
        self.shards = 0;
    }

    async fn pump(&mut self) -> End {
        let cfg = self.shared.config.clone();
        let every = Duration::from_millis(cfg.ping_interval_ms.max(1));
        let mut ping = interval_at(Instant::now() + every, every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let idle = Duration::from_millis(cfg.idle_timeout_ms.max(1));
        let budget = inbound_budget(cfg.relay.max_payload);
        let inbound = Arc::new(Semaphore::new(budget as usize));
        let mut last_seen = Instant::now();
        let mut pings = PingMeter {
            window: Duration::from_millis(cfg.client_ping_window_ms.max(1)),
            max: cfg.max_client_pings,
            start: last_seen,
            seen: 0,
        };
        let metrics = &self.shared.metrics;
        let mut reading = Inbound::new(cfg.clone(), self.shared.aside.clone());
        // A message read while the budget was short, with its cost: the socket is
        // not read again until the budget frees, which the messages ahead of it do
        // once they are read and handled (the loop goes on doing both meanwhile).
        let mut short: Option<(Bytes, u32)> = None;
        loop {
            // The permit of the held message is one of IN_SHARDS: all the others
            // back means every message sent before it is handled.
            let others = IN_SHARDS - 1;
            let event = tokio::select! {
                all = self.in_shards.acquire_many(others), if self.held.is_some() => {
                    Event::Barrier(all.is_ok())
                }
                ok = reading.wait_front(), if reading.is_waiting() && self.held.is_none() => {
                    Event::Read(ok)
                }
                () = self.kick.notified() => Event::End(End::SLOW),
                _ = self.stop.wait_for(Option::is_some) => Event::End(End::SHUTDOWN),
                p = inbound.clone().acquire_many_owned(short.as_ref().map_or(0, |s| s.1)),
                    if short.is_some() => Event::Budget(p.ok()),
                incoming = self.socket.next(), if short.is_none() => Event::In(incoming),
                out = self.rx.recv() => Event::Out(out),
                _ = ping.tick() => Event::Ping,
                // Waiting for budget is the relay being busy, not the client idle.
                () = sleep_until(last_seen + idle), if short.is_none() => Event::Idle,
            };
            let event = match event {
                // Nothing is read while a write blocks: before calling the peer dead,
                // look at what it sent meanwhile (a pong, typically).
                Event::Idle => match timeout(Duration::ZERO, self.socket.next()).await {
                    Ok(incoming) => Event::In(incoming),
                    Err(_) => Event::Idle,
                },
                other => other,
            };
            let first = match event {
                Event::End(end) => return end,
                Event::Read(false) => return End::SHUTDOWN,
                Event::Read(true) | Event::Barrier(true) => {
                    if !self.release() || !self.dispatch_ready(&mut reading).await {
                        return End::SHUTDOWN;
                    }
                    continue;
                }
                Event::Barrier(false) | Event::Budget(None) => return End::SHUTDOWN,
                Event::Budget(Some(permit)) => {
                    let Some((bytes, _)) = short.take() else {
                        continue;
                    };
                    reading.push(bytes, permit);
                    if !self.dispatch_ready(&mut reading).await {
                        return End::SHUTDOWN;
                    }
                    continue;
                }
                Event::Idle => return End::IDLE,
                Event::Ping => None,
                Event::Out(Some(Outbound::Frame(text))) => Some(Message::Text(text)),
                Event::Out(Some(Outbound::Binary(bytes))) => Some(Message::Binary(bytes)),
                Event::Out(Some(Outbound::Close(code, reason))) => return End::Close(code, reason),
                // The shards are gone: the relay is shutting down.
                Event::Out(None) => return End::SHUTDOWN,
                Event::In(incoming) => {
                    last_seen = Instant::now();
                    let bytes = match incoming {
                        Some(Ok(Message::Text(t))) => Bytes::from(t),
                        // Binary is read as UTF-8, invalid sequences replaced (Node's
                        // `buffer.toString("utf8")`).
                        // A chunk frame (`media-chunks`) goes to the core as it is.
                        Some(Ok(Message::Binary(b)))
                            if crate::protocol::chunks::is_chunk_frame(&b) =>
                        {
                            b
                        }
                        Some(Ok(Message::Binary(b))) => match String::from_utf8_lossy(&b) {
                            std::borrow::Cow::Borrowed(_) => b,
                            std::borrow::Cow::Owned(s) => Bytes::from(s),
                        },
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                            if pings.hit(last_seen) {
                                continue;
                            }
                            return End::PING_FLOOD;
                        }
                        Some(Ok(Message::Close(frame))) => {
                            return End::ClientClosed(frame.map(|f| f.code.into()))
                        }
                        Some(Ok(Message::Frame(_))) => continue,
                        None => return End::WENT_AWAY,
                        Some(Err(e)) => {
                            return match read_end(&e) {
                                ReadEnd::Close(code, reason) => End::Close(code, reason),
                                ReadEnd::WentAway => End::WENT_AWAY,
                                ReadEnd::Failed => End::Gone("read error"),
                            }
                        }
                    };
                    metrics.messages_in.fetch_add(1, Ordering::Relaxed);
                    metrics
                        .bytes_in
                        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    let cost = bytes.len().saturating_add(MESSAGE_OVERHEAD);
                    let cost = u32::try_from(cost).unwrap_or(u32::MAX).min(budget);
                    // Past the budget, stop reading until the shards catch up.
                    let permit = match inbound.clone().try_acquire_many_owned(cost) {
                        Ok(p) => p,
                        Err(TryAcquireError::NoPermits) => {
                            short = Some((bytes, cost));
                            continue;
                        }
                        Err(TryAcquireError::Closed) => return End::SHUTDOWN,
                    };
                    reading.push(bytes, permit);
                    if !self.dispatch_ready(&mut reading).await {
                        return End::SHUTDOWN;
                    }
                    continue;
                }
            };
            let write = write_batch(self.socket, &mut self.rx, first);
            let written = tokio::select! {
                sent = timeout(idle, write) => match sent {
                    Ok(Ok(w)) => w,
                    Ok(Err(_)) => return End::WENT_AWAY,
                    Err(_) => return End::Gone("timed out: the client read nothing for the idle timeout"),
                },
                () = self.kick.notified() => return End::SLOW,
                _ = self.stop.wait_for(Option::is_some) => return End::SHUTDOWN,
            };
            if written.frames > 0 {
                self.queued.fetch_sub(written.bytes, Ordering::AcqRel);
                metrics
                    .messages_out
                    .fetch_add(written.frames, Ordering::Relaxed);
                metrics
                    .bytes_out
                    .fetch_add(written.bytes as u64, Ordering::Relaxed);
            }
            if let Some((code, reason)) = written.then_close {
                return End::Close(code, reason);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inbound_budget_holds_one_largest_message() {
        assert!(inbound_budget(1024) as usize >= 1024 + MESSAGE_OVERHEAD);
        assert_eq!(inbound_budget(usize::MAX), u32::MAX);
    }
}
