//! The thread that owns the relay core: inputs from every connection in, frames
//! out to each connection's bounded queue. Password hashing runs here too, so it
//! never blocks the async IO threads (and is bounded to one hash at a time).

use crate::relay::{ConnId, RelayCore, RelayOutput};
use crate::settings::RelaySettings;
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// What a connection task receives.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A text frame to send.
    Frame(Arc<str>),
    /// Close with this code and reason.
    Close(u16, &'static str),
}

/// What the actor receives.
#[derive(Debug)]
pub enum Input {
    /// A connection opened.
    Connect {
        /// Its id.
        conn: ConnId,
        /// The client address (after trusted-proxy resolution).
        ip: String,
        /// Its outbound queue.
        tx: mpsc::Sender<Outbound>,
    },
    /// A message arrived.
    Message {
        /// From.
        conn: ConnId,
        /// The bytes (text, or binary read as UTF-8).
        bytes: Vec<u8>,
    },
    /// A connection closed.
    Disconnect {
        /// Which.
        conn: ConnId,
    },
    /// Close every connection with 1001 and stop.
    Shutdown,
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs the relay core until [`Input::Shutdown`] or every sender is gone.
pub fn run(settings: RelaySettings, seed: [u8; 32], rx: Receiver<Input>) {
    let mut core = RelayCore::new(settings, seed);
    let mut conns: HashMap<ConnId, mpsc::Sender<Outbound>> = HashMap::new();
    loop {
        let now = now_ms();
        let wait = core
            .poll_timeout()
            .map_or(1000, |t| t.saturating_sub(now))
            .clamp(1, 1000);
        match rx.recv_timeout(Duration::from_millis(wait)) {
            Ok(Input::Connect { conn, ip, tx }) => {
                conns.insert(conn, tx);
                core.handle_connect(conn, &ip, now_ms());
            }
            Ok(Input::Message { conn, bytes }) => core.handle_message(conn, &bytes, now_ms()),
            Ok(Input::Disconnect { conn }) => {
                conns.remove(&conn);
                core.handle_disconnect(conn, now_ms());
            }
            Ok(Input::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                for tx in conns.values() {
                    let _ = tx.try_send(Outbound::Close(1001, "server-shutdown"));
                }
                return;
            }
            Err(RecvTimeoutError::Timeout) => core.handle_timeout(now_ms()),
        }
        while let Some(out) = core.poll_output() {
            match out {
                RelayOutput::Send { conn, text } => {
                    let Some(tx) = conns.get(&conn) else { continue };
                    // A closed queue means the task already ended: its Disconnect is on the way.
                    if let Err(mpsc::error::TrySendError::Full(_)) =
                        tx.try_send(Outbound::Frame(text))
                    {
                        // The client stops reading (or is gone): drop it so memory stays bounded.
                        tracing::warn!(conn, "outbound queue full; closing slow connection");
                        conns.remove(&conn);
                        core.handle_disconnect(conn, now_ms());
                    }
                }
                RelayOutput::Close { conn, code, reason } => {
                    if let Some(tx) = conns.remove(&conn) {
                        let _ = tx.try_send(Outbound::Close(code, reason));
                    }
                    core.handle_disconnect(conn, now_ms());
                }
            }
        }
    }
}

/// A handle to send inputs to the actor.
pub type ActorTx = Sender<Input>;
