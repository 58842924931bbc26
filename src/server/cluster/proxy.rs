//! The gateway's side of the bus: letters from other nodes (their clients'
//! messages for rooms this node owns; frames for this node's clients), the
//! proxied clients (a queue whose frames are published back to their node), and
//! closing the clients that crossed nodes when the way between them broke.

use super::bus::{self, Envelope, Heard, Letter};
use super::gateway::{Client, Gateway, Msg, ROOM_MOVED};
use crate::relay::rate::ConnWindows;
use crate::relay::resume::Asked;
use crate::relay::Prepared;
use crate::server::actor::{Outbound, Outlet};
use crate::server::route::route;
use crate::validate::SessionCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

impl Gateway {
    pub(super) fn heard(&mut self, heard: Heard) {
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
    pub(super) fn undelivered(&mut self, letters: Vec<bus::Undelivered>) {
        for u in letters {
            if u.to_origin {
                if let Some(&id) = self.proxied.get(&(u.to, u.conn)) {
                    self.drop_proxied(id);
                }
            } else {
                self.close(u.conn, ROOM_MOVED);
            }
        }
    }

    /// Lets a proxied client go and tells its node to close it (best effort: the
    /// node may be gone), so that it resumes instead of waiting for frames that
    /// will not come.
    pub(super) fn drop_proxied(&mut self, id: u64) {
        if let Some((origin, their)) = self.clients.get(&id).and_then(|c| c.origin.clone()) {
            let (code, reason) = ROOM_MOVED;
            self.send(&origin, their, Envelope::Close(code, reason.to_string()));
        }
        self.disconnect(id);
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
                link: Outlet {
                    tx,
                    kick,
                    queued,
                    ip,
                },
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
            self.drop_proxied(id);
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
