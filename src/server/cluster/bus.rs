//! Messages between nodes, over Redis pub/sub: each node listens on its own
//! channel (`os:bus:<node>`). A client's messages go from the node its socket is
//! on (the origin) to the room's owner; the frames for it come back.
//!
//! An envelope is binary: a kind byte, the sender's node id (length byte, then
//! the id), the connection id on the origin (u64, big endian), then the kind's
//! data. Envelopes that do not decode are counted and dropped.
//!
//! Pub/sub loses what is published while a subscriber is away: after its
//! subscription breaks and comes back, a node closes every client that crossed
//! nodes (they resume), so no client goes on with a gap ([`Event::BusUp`]).

use super::keys;
use super::link::Link;
use crate::relay::resume::Asked;
use futures_util::StreamExt;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Bytes;

/// Envelopes published with one round trip, at most.
const BATCH: usize = 256;

/// What one node tells another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// Origin to owner: a client starts talking to a room of the owner.
    Connect {
        /// The client's address (after trusted-proxy resolution).
        ip: String,
        /// What its hello negotiated, if anything.
        asked: Option<Asked>,
    },
    /// Origin to owner: a message of the client, as received.
    Message(Bytes),
    /// Origin to owner: the client negotiated (its hello went to another core).
    Negotiated(Asked),
    /// Origin to owner: the client is gone.
    Disconnect,
    /// Owner to origin: a text frame for the client.
    Text(Bytes),
    /// Owner to origin: a binary frame for the client.
    Binary(Bytes),
    /// Owner to origin: close the client with this code and reason.
    Close(u16, String),
}

/// An envelope with its sender and the client's connection id on the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The node that sent it.
    pub from: String,
    /// The client's connection id on its origin node.
    pub conn: u64,
    /// What it says.
    pub body: Envelope,
}

fn asked_byte(a: Option<Asked>) -> u8 {
    match a {
        None => 0,
        Some(a) => 1 | (u8::from(a.resume) << 1) | (u8::from(a.chunks) << 2),
    }
}

fn asked_of(b: u8) -> Option<Asked> {
    (b & 1 == 1).then_some(Asked {
        resume: b & 2 != 0,
        chunks: b & 4 != 0,
    })
}

impl Letter {
    /// The bytes published.
    pub fn encode(&self) -> Vec<u8> {
        let from = &self.from.as_bytes()[..self.from.len().min(255)];
        let (kind, data): (u8, Vec<u8>) = match &self.body {
            Envelope::Connect { ip, asked } => {
                let mut d = vec![asked_byte(*asked)];
                d.extend_from_slice(ip.as_bytes());
                (1, d)
            }
            Envelope::Message(b) => (2, b.to_vec()),
            Envelope::Negotiated(a) => (3, vec![asked_byte(Some(*a))]),
            Envelope::Disconnect => (4, Vec::new()),
            Envelope::Text(b) => (10, b.to_vec()),
            Envelope::Binary(b) => (11, b.to_vec()),
            Envelope::Close(code, reason) => {
                let mut d = code.to_be_bytes().to_vec();
                d.extend_from_slice(reason.as_bytes());
                (12, d)
            }
        };
        let mut out = Vec::with_capacity(10 + from.len() + data.len());
        out.push(kind);
        out.push(from.len() as u8);
        out.extend_from_slice(from);
        out.extend_from_slice(&self.conn.to_be_bytes());
        out.extend_from_slice(&data);
        out
    }

    /// Reads published bytes; `None` when they are not an envelope.
    pub fn decode(bytes: &[u8]) -> Option<Letter> {
        let (&kind, rest) = bytes.split_first()?;
        let (&n, rest) = rest.split_first()?;
        let from = std::str::from_utf8(rest.get(..usize::from(n))?).ok()?;
        let rest = rest.get(usize::from(n)..)?;
        let conn = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
        let data = rest.get(8..)?;
        let body = match kind {
            1 => {
                let (&a, ip) = data.split_first()?;
                Envelope::Connect {
                    ip: std::str::from_utf8(ip).ok()?.to_string(),
                    asked: asked_of(a),
                }
            }
            2 => Envelope::Message(Bytes::copy_from_slice(data)),
            3 => Envelope::Negotiated(asked_of(*data.first()?)?),
            4 => Envelope::Disconnect,
            10 => {
                std::str::from_utf8(data).ok()?;
                Envelope::Text(Bytes::copy_from_slice(data))
            }
            11 => Envelope::Binary(Bytes::copy_from_slice(data)),
            12 => {
                let code = u16::from_be_bytes(data.get(..2)?.try_into().ok()?);
                let reason = std::str::from_utf8(data.get(2..)?).ok()?.to_string();
                Envelope::Close(code, reason)
            }
            _ => return None,
        };
        Some(Letter {
            from: from.to_string(),
            conn,
            body,
        })
    }
}

/// What the subscriber tells the gateway.
#[derive(Debug)]
pub enum Heard {
    /// A letter for this node.
    Letter(Letter),
    /// The subscription is (again) in place; `true` after a break.
    BusUp(bool),
}

/// Listens on this node's channel until `out` closes, subscribing again (with
/// backoff) whenever the subscription breaks.
pub async fn subscribe(link: Link, node: String, out: mpsc::UnboundedSender<Heard>) {
    let channel = keys::bus(&node);
    let mut broke = false;
    let mut backoff = Duration::from_millis(100);
    loop {
        let made = tokio::time::timeout(link.timeout(), async {
            let mut ps = link.client().get_async_pubsub().await?;
            ps.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(ps)
        })
        .await;
        let ps = match made {
            Ok(Ok(ps)) => ps,
            _ => {
                link.health.fail();
                if out.is_closed() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                broke = true;
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        if out.send(Heard::BusUp(broke)).is_err() {
            return;
        }
        let mut stream = ps.into_on_message();
        while let Some(msg) = stream.next().await {
            link.health.received.fetch_add(1, Ordering::Relaxed);
            match Letter::decode(msg.get_payload_bytes()) {
                Some(l) => {
                    if out.send(Heard::Letter(l)).is_err() {
                        return;
                    }
                }
                None => tracing::warn!("undecodable message on the cluster bus dropped"),
            }
        }
        tracing::warn!("cluster bus subscription lost; subscribing again");
        link.health.fail();
        broke = true;
    }
}

/// A letter that could not be published: to this node, about this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    /// The node it was for.
    pub to: String,
    /// The connection it was about (on the origin).
    pub conn: u64,
    /// Whether it went owner to origin (a frame for the client).
    pub to_origin: bool,
}

/// Publishes letters in order, up to [`BATCH`] per round trip, until `rx` closes.
/// A batch that fails is dropped (counted) and its letters reported on `failed`:
/// the gateway closes the clients concerned, which resume (no client goes on
/// with a message or a frame missing).
pub async fn publish(
    link: Link,
    mut rx: mpsc::UnboundedReceiver<(String, Letter)>,
    failed: mpsc::UnboundedSender<Vec<Undelivered>>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        let mut sent = Vec::with_capacity(batch.len());
        for (to, letter) in batch.drain(..) {
            pipe.cmd("PUBLISH")
                .arg(keys::bus(&to))
                .arg(letter.encode())
                .ignore();
            let to_origin = matches!(
                letter.body,
                Envelope::Text(_) | Envelope::Binary(_) | Envelope::Close(..)
            );
            sent.push(Undelivered {
                to,
                conn: letter.conn,
                to_origin,
            });
        }
        let n = sent.len() as u64;
        match link.pipe::<()>(pipe).await {
            Ok(()) => {
                link.health.published.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(error = %e, letters = n, "cluster bus publish failed");
                sent.dedup();
                let _ = failed.send(sent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_envelope_reads_back_as_written() {
        let asked = Asked {
            resume: true,
            chunks: false,
        };
        for body in [
            Envelope::Connect {
                ip: "10.0.0.1".into(),
                asked: Some(asked),
            },
            Envelope::Connect {
                ip: String::new(),
                asked: None,
            },
            Envelope::Message(Bytes::from_static(b"{\"type\":\"request\"}")),
            Envelope::Negotiated(asked),
            Envelope::Disconnect,
            Envelope::Text(Bytes::from_static(b"hi")),
            Envelope::Binary(Bytes::from_static(&[0, 1, 2])),
            Envelope::Close(1012, "room-moved".into()),
        ] {
            let l = Letter {
                from: "node-a".into(),
                conn: u64::MAX - 3,
                body,
            };
            assert_eq!(Letter::decode(&l.encode()), Some(l));
        }
    }

    #[test]
    fn bytes_that_are_not_an_envelope_are_refused() {
        let l = Letter {
            from: "n".into(),
            conn: 7,
            body: Envelope::Close(1000, String::new()),
        };
        let bytes = l.encode();
        // Every cut short of the close code (a reason may be empty).
        for cut in 0..bytes.len() - 1 {
            assert_eq!(Letter::decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut bad = bytes.clone();
        bad[0] = 99;
        assert_eq!(Letter::decode(&bad), None);
        let text = Letter {
            from: "n".into(),
            conn: 7,
            body: Envelope::Text(Bytes::from_static(b"ok")),
        };
        let mut bad = text.encode();
        let last = bad.len() - 1;
        bad[last] = 0xff;
        assert_eq!(Letter::decode(&bad), None, "a text frame must be UTF-8");
    }
}
