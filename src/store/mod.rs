//! The relay's storage layer: rooms and media that survive a restart.
//!
//! One trait, [`RoomStore`], with two backends:
//! - [`MemoryStore`]: in memory, for tests and a relay without a data dir (nothing
//!   survives the process, as before);
//! - [`RedbStore`]: a data dir on disk. Rooms are [`RoomRecord`]s in one
//!   [redb](https://www.redb.org) file (`rooms.redb`: ACID, one fsync per commit,
//!   crash-safe, locked against a second process); media bytes are content-addressed
//!   files (`media/ab/<sha256>`, see [`MediaFiles`]).
//!
//! The API is synchronous: the server calls it from a blocking task. A commit returns
//! only once it is durable, so a reply sent after it never promises more than the disk
//! holds. [`RoomStore::load`] returns records without media bytes (memory stays bounded
//! by the rooms' own limits); media is read on demand.
//!
//! ```
//! use online_sync::store::{RedbStore, RoomStore};
//! # let dir = tempfile::tempdir().unwrap();
//! let store = RedbStore::open(dir.path())?;
//! let loaded = store.load()?;
//! assert!(loaded.rooms.is_empty() && loaded.skipped.is_empty());
//! # Ok::<(), online_sync::store::StoreError>(())
//! ```
//!
//! Bad data never panics and never half-loads a room: a row that does not decode is
//! reported in [`Loaded::skipped`]; a missing media file drops just that file
//! ([`Loaded::dropped_media`], see [`record`]); a damaged database file makes
//! [`RedbStore::open`] fail with [`StoreError::Corrupt`].

use std::collections::HashSet;

mod error;
mod media_files;
mod memory;
pub mod record;
mod redb_store;

pub use error::StoreError;
pub use media_files::MediaFiles;
pub use memory::MemoryStore;
pub use record::{
    MediaFileRecord, MediaRecord, MemberRecord, MemberRole, PackRecord, RoomRecord, UploadRecord,
};
pub use redb_store::{RedbStore, DEFAULT_CACHE_BYTES};

/// One change to the stored rooms.
#[derive(Debug, Clone, Copy)]
pub enum StoreOp<'a> {
    /// Insert or replace the room under its code.
    Put(&'a RoomRecord),
    /// Remove the room with this code (no error if there is none).
    Delete(&'a str),
}

/// What [`RoomStore::load`] found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The rooms that decoded, in code order.
    pub rooms: Vec<RoomRecord>,
    /// Rows that could not be loaded, and why.
    pub skipped: Vec<Skipped>,
    /// Media files left out of their room's manifest because their bytes are missing.
    pub dropped_media: Vec<DroppedMedia>,
}

/// A stored room that was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The key it was stored under (the room code, if the key was text).
    pub key: String,
    /// Why it was skipped.
    pub reason: String,
}

/// A media file left out of a loaded room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedMedia {
    /// The room's code.
    pub room: String,
    /// The file's identity in the manifest.
    pub identity: String,
    /// Its key.
    pub sha256: String,
    /// Why it was left out.
    pub reason: String,
}

/// Where the relay keeps its rooms and media.
///
/// Every method is durable on return (for a backend that persists at all) and safe to
/// call from several threads.
pub trait RoomStore: Send + Sync {
    /// Every stored room (without media bytes), and what could not be loaded.
    ///
    /// # Errors
    /// Only when the store as a whole cannot be read; a bad row is in [`Loaded::skipped`].
    fn load(&self) -> Result<Loaded, StoreError>;

    /// Applies `ops` in one atomic transaction: all of them are stored or none.
    ///
    /// # Errors
    /// [`StoreError::Encode`] or a database error; nothing is stored then.
    fn apply(&self, ops: &[StoreOp<'_>]) -> Result<(), StoreError>;

    /// Inserts or replaces one room.
    ///
    /// # Errors
    /// As [`RoomStore::apply`].
    fn put_room(&self, room: &RoomRecord) -> Result<(), StoreError> {
        self.apply(&[StoreOp::Put(room)])
    }

    /// Removes one room (its media stays until [`RoomStore::retain_media`]).
    ///
    /// # Errors
    /// As [`RoomStore::apply`].
    fn delete_room(&self, code: &str) -> Result<(), StoreError> {
        self.apply(&[StoreOp::Delete(code)])
    }

    /// Stores media bytes under their SHA-256 (idempotent: the same bytes again
    /// rewrite the same file, which also mends a damaged copy).
    ///
    /// # Errors
    /// [`StoreError::InvalidMediaKey`], [`StoreError::MediaMismatch`] if the bytes do not
    /// hash to `sha256`, or an IO error.
    fn put_media(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError>;

    /// The media bytes stored under `sha256`, verified; `None` if there are none.
    ///
    /// # Errors
    /// [`StoreError::InvalidMediaKey`], [`StoreError::MediaMismatch`] for damaged bytes
    /// (which are then set aside: the next read returns `None`), or an IO error.
    fn read_media(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Deletes every media file whose key is not in `live`; returns how many.
    ///
    /// `live` must hold every key a stored room references and every key put for an
    /// upload whose room record is not written yet (e.g. run it after `load`, or with
    /// the relay's current manifests, never concurrently with an unlisted put).
    ///
    /// # Errors
    /// An IO error; files deleted before it stay deleted.
    fn retain_media(&self, live: &HashSet<String>) -> Result<usize, StoreError>;
}
