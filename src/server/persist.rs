//! The data dir: rooms restored at start, changes written behind.
//!
//! At start, [`load`] reads every stored room and [`restore`] gives each to the relay core (its shard's) with
//! its media bytes; rows that do not decode, media files whose bytes are gone and
//! records the core cannot take are logged (warn) and skipped, never a crash. Then
//! the actor hands each batch of [`PersistOp`]s it drains to a [`Writer`]: a thread
//! that collects batches for at most [`WRITE_DELAY`], keeps the last operation per
//! room, stores the media bytes (`put_media`) and then applies every record in one
//! transaction. A relay killed with `kill -9` loses at most that window. Dropping the
//! writer flushes what is queued and waits for it.

use crate::relay::persist::PersistOp;
use crate::relay::RelayCore;
use crate::store::{RoomRecord, RoomStore, StoreOp};
use std::collections::BTreeMap;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest a change waits before it is written.
pub const WRITE_DELAY: Duration = Duration::from_millis(100);

/// Reads every stored room (see the module doc); rows that do not decode and
/// media that is gone are logged and left out. Empty when the store is unreadable.
pub fn load(store: &dyn RoomStore) -> Vec<RoomRecord> {
    let loaded = match store.load() {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "data dir unreadable; starting without its rooms");
            return Vec::new();
        }
    };
    for s in &loaded.skipped {
        tracing::warn!(key = %s.key, reason = %s.reason, "stored room skipped");
    }
    for d in &loaded.dropped_media {
        tracing::warn!(room = %d.room, identity = %d.identity, reason = %d.reason, "stored media file dropped");
    }
    // Media no loaded room references (chunks of uploads finished or given up, files
    // replaced): deleted before the relay serves, so nothing can be writing them.
    let live: std::collections::HashSet<String> = loaded
        .rooms
        .iter()
        .flat_map(|r| {
            let files = r.media.files.iter().map(|f| f.sha256.clone());
            let chunks = r
                .media
                .uploads
                .iter()
                .flat_map(|u| u.chunks.iter().cloned());
            files.chain(chunks).collect::<Vec<_>>()
        })
        .collect();
    match store.retain_media(&live) {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "unreferenced media deleted"),
        Err(e) => tracing::warn!(error = %e, "unreferenced media not deleted"),
    }
    tracing::info!(
        rooms = loaded.rooms.len(),
        skipped = loaded.skipped.len(),
        "data dir loaded"
    );
    loaded.rooms
}

/// Gives `records` (read by [`load`]) to `core` with their media bytes; returns
/// the rooms restored. Records the core cannot take are logged and skipped.
pub fn restore(
    store: &dyn RoomStore,
    core: &mut RelayCore,
    records: Vec<RoomRecord>,
    now: u64,
) -> usize {
    let count = records.len();
    let not = core.restore(
        records,
        |sha| match store.read_media(sha) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(sha256 = sha, error = %e, "stored media unreadable");
                None
            }
        },
        now,
    );
    for n in &not {
        tracing::warn!(room = %n.code, reason = %n.reason, "stored room skipped");
    }
    count - not.len()
}

/// The write-behind thread.
#[derive(Debug)]
pub struct Writer {
    tx: Option<Sender<Vec<PersistOp>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread writing to `store`.
    ///
    /// # Errors
    /// When the thread cannot start.
    pub fn start(store: Arc<dyn RoomStore>) -> std::io::Result<Writer> {
        let (tx, rx) = channel::<Vec<PersistOp>>();
        let thread = std::thread::Builder::new()
            .name("relay-persist".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut pending: BTreeMap<String, PersistOp> = BTreeMap::new();
                    let mut add = |ops: Vec<PersistOp>| {
                        for op in ops {
                            let code = match &op {
                                PersistOp::Put { record, .. } => record.code.clone(),
                                PersistOp::Delete(code) => code.clone(),
                            };
                            let op = carry_media(pending.remove(&code), op);
                            pending.insert(code, op);
                        }
                    };
                    add(first);
                    let deadline = Instant::now() + WRITE_DELAY;
                    loop {
                        let left = deadline.saturating_duration_since(Instant::now());
                        match rx.recv_timeout(left) {
                            Ok(ops) => add(ops),
                            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                                break
                            }
                        }
                    }
                    write(store.as_ref(), pending.into_values().collect());
                }
            })?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues changes drained from the core.
    pub fn send(&self, ops: Vec<PersistOp>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(ops);
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The last operation for a room, carrying the media bytes of the one it replaces: the
/// core hands each file's bytes out once ([`RelayCore::poll_persist`]), so they must
/// not be lost when a later change of the same room supersedes the first.
fn carry_media(old: Option<PersistOp>, new: PersistOp) -> PersistOp {
    let Some(PersistOp::Put { media: carried, .. }) = old else {
        return new;
    };
    match new {
        PersistOp::Put { record, mut media } => {
            media.extend(carried);
            PersistOp::Put { record, media }
        }
        // A room deleted in the window: its bytes are not needed.
        delete @ PersistOp::Delete(_) => delete,
    }
}

/// Media first, then every record in one transaction; failures are logged.
fn write(store: &dyn RoomStore, ops: Vec<PersistOp>) {
    let mut records: Vec<RoomRecord> = Vec::new();
    let mut deletes: Vec<String> = Vec::new();
    for op in ops {
        match op {
            PersistOp::Put { record, media } => {
                let mut ok = true;
                for (sha, bytes) in &media {
                    if let Err(e) = store.put_media(sha, bytes) {
                        tracing::error!(room = %record.code, error = %e, "media not stored");
                        ok = false;
                    }
                }
                // A record is never written before the media it references.
                if ok {
                    records.push(*record);
                }
            }
            PersistOp::Delete(code) => deletes.push(code),
        }
    }
    let mut batch: Vec<StoreOp<'_>> = records.iter().map(StoreOp::Put).collect();
    batch.extend(deletes.iter().map(|c| StoreOp::Delete(c)));
    if let Err(e) = store.apply(&batch) {
        tracing::error!(error = %e, rooms = batch.len(), "rooms not stored");
    }
}
