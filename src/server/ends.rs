//! How a connection ends, and the one log line that says so: the client closed
//! (with its code), went away (no close frame), timed out, or the relay closed it
//! and why; with the client address and the room the connection entered, if any.
//! Never message content: no password, no resume token.

use super::metrics::Metrics;
use std::sync::atomic::Ordering;

/// How a connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// The client sent a close frame (with this code, if any): flush the reply
    /// tungstenite queued.
    ClientClosed(Option<u16>),
    /// The socket ended or failed: nothing more can be sent.
    Gone(&'static str),
    /// Send a close frame with this code and reason.
    Close(u16, &'static str),
}

impl End {
    pub const SHUTDOWN: End = End::Close(1001, "server-shutdown");
    pub const SLOW: End = End::Close(1008, "slow-consumer");
    pub const IDLE: End = End::Close(1001, "idle-timeout");
    pub const PING_FLOOD: End = End::Close(1008, "ping-flood");
    pub const TOO_BIG: End = End::Close(1009, "message-too-big");
    /// The client's side ended without a close frame (EOF or reset).
    pub const WENT_AWAY: End = End::Gone("client went away without closing");
}

impl Metrics {
    /// Counts the ends that have a counter of their own.
    pub(super) fn count_end(&self, end: End) {
        let counter = match end {
            End::SLOW => Some(&self.slow_consumer_closes),
            End::PING_FLOOD => Some(&self.ping_flood_closes),
            End::TOO_BIG => Some(&self.oversized_closes),
            _ => None,
        };
        if let Some(c) = counter {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One line per connection end that says what happened; `room` is the session
/// code the connection last asked to enter (`-` when none).
pub(super) fn log_end(conn: u64, ip: &str, room: Option<&str>, end: End) {
    let room = room.unwrap_or("-");
    match end {
        End::ClientClosed(Some(code)) => {
            tracing::info!(conn, %ip, %room, code, "connection closed by the client");
        }
        End::ClientClosed(None) => {
            tracing::info!(conn, %ip, %room, "connection closed by the client (no code)");
        }
        End::Gone(what) => tracing::info!(conn, %ip, %room, what, "connection ended"),
        End::Close(code, reason) if end == End::SHUTDOWN => {
            tracing::debug!(conn, %ip, %room, code, reason, "connection closed by the relay");
        }
        End::Close(code, reason) => {
            tracing::info!(conn, %ip, %room, code, reason, "connection closed by the relay");
        }
    }
}
