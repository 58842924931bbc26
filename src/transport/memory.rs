//! One relay core serving many in-process clients: the mock transport.
//!
//! The hub routes frames between connections and the relay core; it holds no
//! rule of its own. Its callers decide when frames arrive (at once in the wasm
//! `MockRelay`, after a simulated delay in [`super::sim::Sim`]).

use crate::relay::{ConnId, RelayCore, RelayOutput};
use crate::settings::RelaySettings;
use std::sync::Arc;

/// Something the relay sends a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A text frame.
    Frame(Arc<str>),
    /// A binary frame (a chunk frame of `media-chunks`).
    Binary(Arc<[u8]>),
    /// The relay closed the connection with this code.
    Closed(u16),
}

/// A relay core plus connection bookkeeping.
#[derive(Debug)]
pub struct MemoryHub {
    relay: RelayCore,
    next_conn: ConnId,
}

impl MemoryHub {
    /// A hub around a new relay core.
    pub fn new(settings: RelaySettings, seed: [u8; 32]) -> MemoryHub {
        MemoryHub {
            relay: RelayCore::new(settings, seed),
            next_conn: 1,
        }
    }

    /// The relay core, for inspection.
    pub fn relay(&self) -> &RelayCore {
        &self.relay
    }

    /// Opens a connection; `Err` with the close code when the relay refuses it.
    pub fn connect(&mut self, now: u64) -> Result<ConnId, u16> {
        let conn = self.next_conn;
        self.next_conn += 1;
        // Each in-memory client stands for its own machine.
        let ip = format!("memory-{conn}");
        if self.relay.handle_connect(conn, &ip, now) {
            Ok(conn)
        } else {
            let code = match self.relay.poll_output() {
                Some(RelayOutput::Close { code, .. }) => code,
                _ => 1013,
            };
            Err(code)
        }
    }

    /// A frame from a connection; returns what the relay sends in answer.
    pub fn send(&mut self, conn: ConnId, text: &str, now: u64) -> Vec<(ConnId, Delivery)> {
        self.send_bytes(conn, text.as_bytes(), now)
    }

    /// A frame from a connection as bytes (a text frame's, or a binary frame).
    pub fn send_bytes(&mut self, conn: ConnId, bytes: &[u8], now: u64) -> Vec<(ConnId, Delivery)> {
        self.relay.handle_message(conn, bytes, now);
        self.drain(now)
    }

    /// A connection closes.
    pub fn disconnect(&mut self, conn: ConnId, now: u64) -> Vec<(ConnId, Delivery)> {
        self.relay.handle_disconnect(conn, now);
        self.drain(now)
    }

    /// Time passes (room TTL).
    pub fn tick(&mut self, now: u64) -> Vec<(ConnId, Delivery)> {
        self.relay.handle_timeout(now);
        self.drain(now)
    }

    /// When [`MemoryHub::tick`] should next run.
    pub fn next_timeout(&self) -> Option<u64> {
        self.relay.poll_timeout()
    }

    fn drain(&mut self, now: u64) -> Vec<(ConnId, Delivery)> {
        let mut out = Vec::new();
        while let Some(o) = self.relay.poll_output() {
            match o {
                RelayOutput::Send { conn, text } => out.push((conn, Delivery::Frame(text))),
                RelayOutput::SendBinary { conn, bytes } => {
                    out.push((conn, Delivery::Binary(bytes)))
                }
                RelayOutput::Close { conn, code, .. } => {
                    self.relay.handle_disconnect(conn, now);
                    out.push((conn, Delivery::Closed(code)));
                }
                // Only a core told to defer hashing asks; the hub derives at once.
                #[cfg(not(target_arch = "wasm32"))]
                RelayOutput::HashPassword(job) => {
                    self.relay.handle_password_hash(job.job, job.derive(), now);
                }
            }
        }
        out
    }
}
