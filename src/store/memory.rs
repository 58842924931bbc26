//! [`MemoryStore`]: the store without a data dir.
//!
//! Rooms are kept as their encoded bytes, so a round trip through it takes the same
//! codec (and the same checks on load) as the disk backend.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::record::{encode, load_rows};
use super::{Loaded, RoomStore, StoreError, StoreOp};
use crate::validate::digest::{is_sha256_hex, sha256_hex};

/// Rooms and media in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    rooms: Mutex<BTreeMap<String, Vec<u8>>>,
    media: Mutex<HashMap<String, Arc<[u8]>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores raw bytes under a room key, bypassing the codec (to test what load
    /// does with rows it cannot read).
    #[doc(hidden)]
    pub fn put_raw(&self, key: &str, bytes: Vec<u8>) {
        lock(&self.rooms).insert(key.to_owned(), bytes);
    }
}

/// A poisoned lock still holds consistent data here (every write is one insert or
/// remove), so it is used as is rather than panicking.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn check_key(sha256: &str) -> Result<(), StoreError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(StoreError::InvalidMediaKey(sha256.to_owned()))
    }
}

impl RoomStore for MemoryStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        let rows: Vec<_> = lock(&self.rooms)
            .iter()
            .map(|(k, v)| (k.clone(), Ok(v.clone())))
            .collect();
        let media = lock(&self.media);
        Ok(load_rows(rows, |sha, size| {
            media.get(sha).is_some_and(|b| b.len() as u64 == size)
        }))
    }

    fn apply(&self, ops: &[StoreOp<'_>]) -> Result<(), StoreError> {
        let mut encoded = Vec::with_capacity(ops.len());
        for op in ops {
            encoded.push(match op {
                StoreOp::Put(room) => (room.code.clone(), Some(encode(room)?)),
                StoreOp::Delete(code) => ((*code).to_owned(), None),
            });
        }
        let mut rooms = lock(&self.rooms);
        for (key, bytes) in encoded {
            match bytes {
                Some(bytes) => rooms.insert(key, bytes),
                None => rooms.remove(&key),
            };
        }
        Ok(())
    }

    fn put_media(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        check_key(sha256)?;
        if sha256_hex(bytes) != sha256 {
            return Err(StoreError::MediaMismatch {
                sha256: sha256.to_owned(),
                quarantined: false,
            });
        }
        lock(&self.media).insert(sha256.to_owned(), bytes.into());
        Ok(())
    }

    fn read_media(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(sha256)?;
        Ok(lock(&self.media).get(sha256).map(|b| b.to_vec()))
    }

    fn retain_media(&self, live: &HashSet<String>) -> Result<usize, StoreError> {
        let mut media = lock(&self.media);
        let before = media.len();
        media.retain(|k, _| live.contains(k));
        Ok(before - media.len())
    }
}
