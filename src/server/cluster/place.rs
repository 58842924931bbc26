//! Placing a room: which node's core serves it. Runs as a task per room being
//! placed, off the gateway's loop; the result comes back as an event.

use super::keys;
use super::lease;
use super::link::{Link, LinkError};
use crate::store::RoomRecord;
use crate::validate::SessionCode;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// A room loaded from Redis, with its media bytes by SHA-256.
#[derive(Debug)]
pub struct Loaded {
    /// The record.
    pub record: RoomRecord,
    /// Every media file and upload chunk it references that Redis still holds,
    /// verified against its hash.
    pub media: HashMap<String, Vec<u8>>,
}

/// Where a room is served.
#[derive(Debug)]
pub enum Placed {
    /// Here: this node took the lease (with the stored room, if there is one).
    Here(Option<Box<Loaded>>),
    /// On this other node.
    There(String),
}

/// Finds or takes the owner of `code`. A lease held by a node whose heartbeat is
/// gone is waited out (it expires within the lease time), up to `wait`.
pub async fn place(
    link: &Link,
    node: &str,
    code: &SessionCode,
    lease_ms: u64,
    wait: Duration,
) -> Result<Placed, LinkError> {
    let deadline = Instant::now() + wait;
    let poll = Duration::from_millis((lease_ms / 10).clamp(20, 500));
    loop {
        match lease::owner(link, code.as_str()).await? {
            Some(o) if o == node => return Ok(Placed::Here(load(link, code).await?)),
            Some(o) => {
                let alive: bool = link
                    .cmd(redis::cmd("EXISTS").arg(keys::node(&o)).to_owned())
                    .await?;
                if alive {
                    return Ok(Placed::There(o));
                }
            }
            None => {
                if lease::acquire(link, code.as_str(), node, lease_ms).await? {
                    return Ok(Placed::Here(load(link, code).await?));
                }
                continue;
            }
        }
        if Instant::now() >= deadline {
            return Err(LinkError::Down);
        }
        tokio::time::sleep(poll).await;
    }
}

/// The stored room `code` and its media, if Redis holds it. A record that does
/// not decode is logged and treated as none (the room starts over); a media file
/// whose bytes are gone is left out of the room's manifest.
async fn load(link: &Link, code: &SessionCode) -> Result<Option<Box<Loaded>>, LinkError> {
    let bytes: Option<Vec<u8>> = link
        .cmd(redis::cmd("GET").arg(keys::room(code.as_str())).to_owned())
        .await?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let record = match crate::store::record::decode(code.as_str(), &bytes) {
        Ok(r) => r,
        Err(reason) => {
            tracing::warn!(room = %code.as_str(), %reason, "stored room skipped");
            return Ok(None);
        }
    };
    let shas: Vec<String> = record
        .media
        .files
        .iter()
        .map(|f| f.sha256.clone())
        .chain(
            record
                .media
                .uploads
                .iter()
                .flat_map(|u| u.chunks.iter().cloned()),
        )
        .collect();
    let mut media = HashMap::new();
    if !shas.is_empty() {
        let ks: Vec<String> = shas.iter().map(|s| keys::media(s)).collect();
        let got: Vec<Option<Vec<u8>>> = link.cmd(redis::cmd("MGET").arg(ks).to_owned()).await?;
        for (sha, bytes) in shas.into_iter().zip(got) {
            match bytes {
                Some(b) if crate::validate::digest::sha256_hex(&b) == sha => {
                    media.insert(sha, b);
                }
                _ => tracing::warn!(room = %code.as_str(), sha256 = %sha, "stored media missing"),
            }
        }
    }
    // A file whose bytes are gone leaves the manifest (as from a data dir).
    let mut loaded =
        crate::store::record::load_rows([(code.to_string(), Ok(bytes))], |sha, size| {
            media.get(sha).is_some_and(|b| b.len() as u64 == size)
        });
    for d in &loaded.dropped_media {
        tracing::warn!(room = %d.room, identity = %d.identity, reason = %d.reason, "stored media file dropped");
    }
    let _ = record;
    Ok(loaded
        .rooms
        .pop()
        .map(|record| Box::new(Loaded { record, media })))
}
