//! Rooms and media of a cluster, in Redis: the [`RoomStore`] the write-behind
//! thread of every node writes to (`server::persist::Writer`), fenced by the
//! room's lease.
//!
//! - A room's record (the data dir's format, `store::record`) is `os:room:<code>`,
//!   written only while this node holds the room's lease ([`lease::PUT`]), and
//!   expiring `room_ttl_ms` after its last write (an abandoned room's copy does not
//!   stay forever). A write refused because another node owns the room now is
//!   logged and dropped: that node's copy is the room.
//! - Media bytes are `os:media:<sha256>` (content-addressed: the same bytes under
//!   the same key, whoever writes them), expiring `media_ttl_ms` after the last
//!   write of a room that references them. They are bounded by the rooms' own
//!   media limits and this expiry.
//! - Rooms are not loaded at start ([`RoomStore::load`] is empty): a node loads a
//!   room when it takes the room's lease (`gateway`).

use super::keys;
use super::lease::{eval, DELETE, PUT};
use super::link::{lock, RedisHealth};
use crate::store::{Loaded, RoomStore, StoreError, StoreOp};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

/// The cluster's store, for one node.
pub struct RedisStore {
    client: redis::Client,
    conn: Mutex<Option<redis::Connection>>,
    node: String,
    timeout: Duration,
    room_ttl_ms: u64,
    media_ttl_ms: u64,
    /// A failed write is counted here: the gateway then writes every room again.
    health: Arc<RedisHealth>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("node", &self.node)
            .finish()
    }
}

fn db(e: redis::RedisError) -> StoreError {
    StoreError::Database(format!("redis: {e}"))
}

impl RedisStore {
    /// The store of node `node` on `client`; records expire `room_ttl_ms` after
    /// their last write, media `media_ttl_ms` after the last write of a room that
    /// references it.
    pub fn new(
        client: redis::Client,
        node: String,
        timeout: Duration,
        room_ttl_ms: u64,
        media_ttl_ms: u64,
        health: Arc<RedisHealth>,
    ) -> RedisStore {
        RedisStore {
            client,
            conn: Mutex::new(None),
            node,
            timeout,
            room_ttl_ms,
            media_ttl_ms,
            health,
        }
    }

    /// Runs `f` on the connection (made again if it broke).
    fn with<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut guard = lock(&self.conn);
        if guard.is_none() {
            let c = self
                .client
                .get_connection_with_timeout(self.timeout)
                .map_err(|e| {
                    self.health.fail();
                    db(e)
                })?;
            c.set_read_timeout(Some(self.timeout)).map_err(db)?;
            c.set_write_timeout(Some(self.timeout)).map_err(db)?;
            *guard = Some(c);
        }
        let Some(conn) = guard.as_mut() else {
            return Err(StoreError::Database("redis: no connection".into()));
        };
        let out = f(conn);
        if out.is_err() {
            self.health.fail();
        }
        if let Err(e) = &out {
            if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
                *guard = None;
            }
        }
        out.map_err(db)
    }
}

impl RoomStore for RedisStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        Ok(Loaded::default())
    }

    /// Every op in one pipeline (one round trip); each record write is fenced by
    /// its own lease ([`PUT`], [`DELETE`]). A write refused because another node
    /// owns the room now is logged and dropped.
    fn apply(&self, ops: &[StoreOp<'_>]) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        let mut codes = Vec::with_capacity(ops.len());
        for op in ops {
            let cmd = match op {
                StoreOp::Put(room) => {
                    let bytes = crate::store::record::encode(room)?;
                    let mut ks = vec![keys::lease(&room.code), keys::room(&room.code)];
                    let shas = room.media.files.iter().map(|f| f.sha256.as_str());
                    let chunks = room
                        .media
                        .uploads
                        .iter()
                        .flat_map(|u| u.chunks.iter().map(String::as_str));
                    ks.extend(shas.chain(chunks).map(keys::media));
                    let mut cmd = eval(PUT, &ks);
                    cmd.arg(&self.node)
                        .arg(bytes)
                        .arg(self.media_ttl_ms)
                        .arg(self.room_ttl_ms);
                    codes.push(room.code.as_str());
                    cmd
                }
                StoreOp::Delete(code) => {
                    let mut cmd = eval(DELETE, &[keys::lease(code), keys::room(code)]);
                    cmd.arg(&self.node);
                    codes.push(*code);
                    cmd
                }
            };
            pipe.add_command(cmd);
        }
        let done: Vec<i64> = self.with(|c| pipe.query(c))?;
        for (code, n) in codes.into_iter().zip(done) {
            if n != 1 {
                tracing::warn!(room = code, "room not written: another node owns it now");
            }
        }
        Ok(())
    }

    fn put_media(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if !crate::validate::digest::is_sha256_hex(sha256) {
            return Err(StoreError::InvalidMediaKey(sha256.to_string()));
        }
        if crate::validate::digest::sha256_hex(bytes) != sha256 {
            return Err(StoreError::MediaMismatch {
                sha256: sha256.to_string(),
                quarantined: false,
            });
        }
        let ttl = self.media_ttl_ms;
        self.with(|c| {
            redis::cmd("SET")
                .arg(keys::media(sha256))
                .arg(bytes)
                .arg("PX")
                .arg(ttl)
                .query::<()>(c)
        })
    }

    fn read_media(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if !crate::validate::digest::is_sha256_hex(sha256) {
            return Err(StoreError::InvalidMediaKey(sha256.to_string()));
        }
        let got: Option<Vec<u8>> =
            self.with(|c| redis::cmd("GET").arg(keys::media(sha256)).query(c))?;
        Ok(got.filter(|b| crate::validate::digest::sha256_hex(b) == sha256))
    }

    /// Media expires on its own in Redis; nothing is deleted here.
    fn retain_media(&self, _live: &HashSet<String>) -> Result<usize, StoreError> {
        Ok(0)
    }
}
