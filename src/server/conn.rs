//! One WebSocket connection: frames in to the actor, its queue out to the socket,
//! pings, an idle timeout and the close codes of PROTOCOL.md.
//!
//! Memory per connection is bounded both ways: inbound, the messages handed to
//! the actor and not yet handled hold at most `max_payload` (plus a little) of
//! budget, and the socket is not read past it; outbound, the queue holds at most
//! `outbound_queue` frames and `outbound_queue_bytes` bytes, and a client that
//! lets it fill is dropped (1008 `slow-consumer`). Pings and pongs from the client
//! are counted: past `max_client_pings` in `client_ping_window_ms` the client is
//! closed (1008 `ping-flood`), so the pongs tungstenite queues for a client that
//! does not read stay few.
//!
//! Every end is logged once, at info, with the client address: the client closed
//! (with its code), went away (no close frame), timed out, or the relay closed it
//! and why.

use super::actor::{Input, Outbound};
use super::Shared;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tokio::time::{interval_at, sleep_until, timeout, timeout_at, Instant, MissedTickBehavior};

/// How long a closing connection waits for the client's close reply.
const CLOSE_LINGER: Duration = Duration::from_secs(1);
/// Budget charged per inbound message on top of its length, bytes.
const MESSAGE_OVERHEAD: usize = 256;

/// How a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The client sent a close frame (with this code, if any): flush the reply
    /// tungstenite queued.
    ClientClosed(Option<u16>),
    /// The socket ended or failed: nothing more can be sent.
    Gone(&'static str),
    /// Send a close frame with this code and reason.
    Close(u16, &'static str),
}

impl End {
    const SHUTDOWN: End = End::Close(1001, "server-shutdown");
    const SLOW: End = End::Close(1008, "slow-consumer");
    const IDLE: End = End::Close(1001, "idle-timeout");
    const PING_FLOOD: End = End::Close(1008, "ping-flood");
    const TOO_BIG: End = End::Close(1009, "message-too-big");
    /// The client's side ended without a close frame (EOF or reset).
    const WENT_AWAY: End = End::Gone("client went away without closing");
}

/// What the connection loop reacts to.
enum Event {
    In(Option<Result<Message, axum::Error>>),
    Out(Option<Outbound>),
    Ping,
    Idle,
    End(End),
}

/// Serves one upgraded socket until either side closes it.
pub(super) async fn serve(mut socket: WebSocket, shared: Shared, ip: String) {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let mut stop = shared.stop.clone();
    let (tx, rx) = mpsc::channel(shared.config.outbound_queue.max(1));
    let kick = Arc::new(Notify::new());
    let queued = Arc::new(AtomicUsize::new(0));
    let connect = Input::Connect {
        conn,
        ip: ip.clone(),
        tx,
        kick: kick.clone(),
        queued: queued.clone(),
    };
    let metrics = &shared.metrics;
    metrics.ws_accepted.fetch_add(1, Ordering::Relaxed);
    metrics.ws_open.fetch_add(1, Ordering::Relaxed);
    let end = if shared.actor.send(connect).is_ok() {
        tracing::debug!(conn, %ip, "connection open");
        let mut link = Link {
            socket: &mut socket,
            shared: &shared,
            conn,
            rx,
            kick: &kick,
            queued: &queued,
            stop: &mut stop,
        };
        let end = link.pump().await;
        // Leave the rooms now; the close handshake below may take a while.
        let _ = shared.actor.send(Input::Disconnect { conn });
        end
    } else {
        End::SHUTDOWN
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
            let _ = timeout_at(deadline, socket.recv()).await;
        }
        End::Gone(_) => {}
    }
    metrics.ws_open.fetch_sub(1, Ordering::Relaxed);
    let counter = match end {
        End::SLOW => Some(&metrics.slow_consumer_closes),
        End::PING_FLOOD => Some(&metrics.ping_flood_closes),
        End::TOO_BIG => Some(&metrics.oversized_closes),
        _ => None,
    };
    if let Some(c) = counter {
        c.fetch_add(1, Ordering::Relaxed);
    }
    log_end(conn, &ip, end);
}

/// One line per connection end that says what happened (never message content).
fn log_end(conn: u64, ip: &str, end: End) {
    match end {
        End::ClientClosed(Some(code)) => {
            tracing::info!(conn, %ip, code, "connection closed by the client");
        }
        End::ClientClosed(None) => {
            tracing::info!(conn, %ip, "connection closed by the client (no code)");
        }
        End::Gone(what) => tracing::info!(conn, %ip, what, "connection ended"),
        End::Close(code, reason) if end == End::SHUTDOWN => {
            tracing::debug!(conn, %ip, code, reason, "connection closed by the relay");
        }
        End::Close(code, reason) => {
            tracing::info!(conn, %ip, code, reason, "connection closed by the relay");
        }
    }
}

/// Closes a socket the relay will not serve (never registered with the relay
/// core): a close frame with `code` and `reason`, then the client's reply, at
/// most [`CLOSE_LINGER`] long.
pub(super) async fn refuse(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = timeout(CLOSE_LINGER, close_handshake(&mut socket, code, reason)).await;
}

/// Sends a close frame and reads until the client's reply (or an error).
async fn close_handshake(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_ok() {
        while let Some(Ok(_)) = socket.recv().await {}
    }
}

/// The close a read error calls for, as the deployed `ws` library sends them:
/// 1009 for a message over `max_payload`, 1002 for a protocol violation, 1007 for
/// a text frame that is not UTF-8; none when the socket itself failed or the
/// client went away without a close frame (tungstenite reports that as the
/// protocol error `ResetWithoutClosingHandshake`, which is not the client's fault
/// to be told about, and logging it as 1002 would mislead).
///
/// axum boxes tungstenite's error (`source()` is the `tungstenite::Error`), and
/// this crate has no direct tungstenite dependency to downcast with. The variant
/// is read from the derived `Debug` instead (`Capacity(MessageTooLong { .. })`):
/// variant names are public API, unlike the `Display` text. The unit tests below
/// build the real tungstenite errors, and `tests/server-socket-limits.rs` checks
/// the 1009 end to end.
fn close_for_read_error(e: &axum::Error) -> End {
    use std::error::Error as _;
    let variant = e.source().map(|s| format!("{s:?}")).unwrap_or_default();
    if variant.starts_with("Capacity(MessageTooLong") {
        End::TOO_BIG
    } else if variant.starts_with("Protocol(ResetWithoutClosingHandshake")
        || variant.starts_with("Io(")
    {
        End::WENT_AWAY
    } else if variant.starts_with("Protocol(") {
        End::Close(1002, "protocol-error")
    } else if variant.starts_with("Utf8(") {
        End::Close(1007, "invalid-utf8")
    } else {
        End::Gone("read error")
    }
}

/// The budget of inbound bytes a connection may have waiting in the actor.
fn inbound_budget(max_payload: usize) -> u32 {
    let budget = max_payload.saturating_add(64 * 1024).max(MESSAGE_OVERHEAD);
    u32::try_from(budget).unwrap_or(u32::MAX)
}

/// A running connection.
struct Link<'a> {
    socket: &'a mut WebSocket,
    shared: &'a Shared,
    conn: u64,
    rx: mpsc::Receiver<Outbound>,
    kick: &'a Notify,
    /// Bytes of the frames queued for this connection and not yet written.
    queued: &'a AtomicUsize,
    stop: &'a mut watch::Receiver<Option<Instant>>,
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
        // Bytes of the frame being written, given back to `queued` once it is out.
        let mut writing = 0usize;
        loop {
            let event = tokio::select! {
                () = self.kick.notified() => Event::End(End::SLOW),
                _ = self.stop.wait_for(Option::is_some) => Event::End(End::SHUTDOWN),
                incoming = self.socket.recv() => Event::In(incoming),
                out = self.rx.recv() => Event::Out(out),
                _ = ping.tick() => Event::Ping,
                () = sleep_until(last_seen + idle) => Event::Idle,
            };
            let event = match event {
                // Nothing is read while a write blocks: before calling the peer dead,
                // look at what it sent meanwhile (a pong, typically).
                Event::Idle => match timeout(Duration::ZERO, self.socket.recv()).await {
                    Ok(incoming) => Event::In(incoming),
                    Err(_) => Event::Idle,
                },
                other => other,
            };
            let out = match event {
                Event::End(end) => return end,
                Event::Idle => return End::IDLE,
                Event::Ping => Message::Ping(Bytes::new()),
                Event::Out(Some(Outbound::Frame(text))) => {
                    writing = text.len();
                    metrics.messages_out.fetch_add(1, Ordering::Relaxed);
                    metrics
                        .bytes_out
                        .fetch_add(writing as u64, Ordering::Relaxed);
                    Message::Text(text)
                }
                Event::Out(Some(Outbound::Binary(bytes))) => {
                    writing = bytes.len();
                    metrics.messages_out.fetch_add(1, Ordering::Relaxed);
                    metrics
                        .bytes_out
                        .fetch_add(writing as u64, Ordering::Relaxed);
                    Message::Binary(bytes)
                }
                Event::Out(Some(Outbound::Close(code, reason))) => return End::Close(code, reason),
                // The actor is gone: the relay is shutting down.
                Event::Out(None) => return End::SHUTDOWN,
                Event::In(incoming) => {
                    last_seen = Instant::now();
                    let bytes = match incoming {
                        Some(Ok(Message::Text(t))) => Vec::from(t.as_str()),
                        // Binary is read as UTF-8, invalid sequences replaced (Node's
                        // `buffer.toString("utf8")`).
                        // A chunk frame (`media-chunks`) goes to the core as it is.
                        Some(Ok(Message::Binary(b)))
                            if crate::protocol::chunks::is_chunk_frame(&b) =>
                        {
                            b.to_vec()
                        }
                        Some(Ok(Message::Binary(b))) => match String::from_utf8_lossy(&b) {
                            std::borrow::Cow::Borrowed(_) => b.to_vec(),
                            std::borrow::Cow::Owned(s) => s.into_bytes(),
                        },
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                            if pings.hit(last_seen) {
                                continue;
                            }
                            return End::PING_FLOOD;
                        }
                        Some(Ok(Message::Close(frame))) => {
                            return End::ClientClosed(frame.map(|f| f.code))
                        }
                        None => return End::WENT_AWAY,
                        Some(Err(e)) => return close_for_read_error(&e),
                    };
                    metrics.messages_in.fetch_add(1, Ordering::Relaxed);
                    metrics
                        .bytes_in
                        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    let cost = bytes.len().saturating_add(MESSAGE_OVERHEAD);
                    let cost = u32::try_from(cost).unwrap_or(u32::MAX).min(budget);
                    // Past the budget, stop reading until the actor catches up.
                    let permit = tokio::select! {
                        p = inbound.clone().acquire_many_owned(cost) => match p {
                            Ok(p) => p,
                            Err(_) => return End::SHUTDOWN,
                        },
                        () = self.kick.notified() => return End::SLOW,
                        _ = self.stop.wait_for(Option::is_some) => return End::SHUTDOWN,
                    };
                    let message = Input::Message {
                        conn: self.conn,
                        bytes,
                        permit,
                    };
                    if self.shared.actor.send(message).is_err() {
                        return End::SHUTDOWN;
                    }
                    continue;
                }
            };
            tokio::select! {
                sent = timeout(idle, self.socket.send(out)) => match sent {
                    Ok(Ok(())) => {
                        self.queued.fetch_sub(writing, Ordering::AcqRel);
                        writing = 0;
                    }
                    Ok(Err(_)) => return End::WENT_AWAY,
                    Err(_) => return End::Gone("timed out: the client read nothing for the idle timeout"),
                },
                () = self.kick.notified() => return End::SLOW,
                _ = self.stop.wait_for(Option::is_some) => return End::SHUTDOWN,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};

    #[test]
    fn read_errors_map_to_the_close_codes_of_ws() {
        let close = |e: WsError| close_for_read_error(&axum::Error::new(e));
        let too_long = CapacityError::MessageTooLong {
            size: 2000,
            max_size: 1024,
        };
        assert_eq!(
            close(WsError::Capacity(too_long)),
            End::Close(1009, "message-too-big")
        );
        assert_eq!(
            close(WsError::Protocol(ProtocolError::UnmaskedFrameFromClient)),
            End::Close(1002, "protocol-error")
        );
        assert_eq!(
            close(WsError::Utf8("bad".into())),
            End::Close(1007, "invalid-utf8")
        );
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(close(WsError::Io(reset)), End::WENT_AWAY);
        assert_eq!(
            close(WsError::Protocol(
                ProtocolError::ResetWithoutClosingHandshake
            )),
            End::WENT_AWAY
        );
        assert_eq!(
            close(WsError::Capacity(CapacityError::TooManyHeaders)),
            End::Gone("read error")
        );
    }

    #[test]
    fn the_inbound_budget_holds_one_largest_message() {
        assert!(inbound_budget(1024) as usize >= 1024 + MESSAGE_OVERHEAD);
        assert_eq!(inbound_budget(usize::MAX), u32::MAX);
    }
}
