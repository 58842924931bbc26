//! [`RedbStore`]: the data dir backend.
//!
//! Layout of a data dir `DIR`:
//! - `DIR/rooms.redb`: one redb database; table `rooms` maps the room code (UTF-8 bytes)
//!   to its record (`{"v":1,...}` JSON, see [`super::record`]); table `meta` holds
//!   `format` = [`STORE_FORMAT`]. Each [`RoomStore::apply`] is one redb transaction,
//!   committed with an fsync before it returns.
//! - `DIR/media/ab/<sha256>`: media bytes (see [`MediaFiles`]); `DIR/media/corrupt/`
//!   holds files set aside because their bytes no longer match their name.
//!
//! redb locks `rooms.redb` while it is open, so a second relay on the same dir gets
//! [`StoreError::Locked`] instead of corrupting the first one's data.

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use redb::{Builder, Database, ReadableTable, TableDefinition};

use super::record::{encode, load_rows, Row};
use super::{Loaded, MediaFiles, RoomStore, StoreError, StoreOp};

const ROOMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("rooms");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const FORMAT_KEY: &str = "format";

/// The data dir format this build reads and writes.
pub const STORE_FORMAT: u64 = 1;

/// The database file in a data dir.
pub const DB_FILE: &str = "rooms.redb";

/// The media directory in a data dir.
pub const MEDIA_DIR: &str = "media";

/// Default page cache of the database (redb's own default is 1 GiB): records are read
/// once at start and then mostly written, so a small cache keeps the relay's memory
/// bounded without slowing it down.
pub const DEFAULT_CACHE_BYTES: usize = 16 << 20;

/// Rooms in a redb file and media as files, under one data dir.
#[derive(Debug)]
pub struct RedbStore {
    db: Database,
    media: MediaFiles,
    db_path: PathBuf,
}

impl RedbStore {
    /// Opens the data dir `dir`, creating it and its layout if needed, with
    /// [`DEFAULT_CACHE_BYTES`].
    ///
    /// # Errors
    /// [`StoreError::Locked`] if another store has it open, [`StoreError::Corrupt`] if
    /// `rooms.redb` is not a readable database, [`StoreError::UnsupportedFormat`] for a
    /// data dir of another format, [`StoreError::Io`] if it cannot be created.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with_cache(dir, DEFAULT_CACHE_BYTES)
    }

    /// [`RedbStore::open`] with a page cache of `cache_bytes`.
    ///
    /// # Errors
    /// As [`RedbStore::open`].
    pub fn open_with_cache(dir: impl AsRef<Path>, cache_bytes: usize) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let db_path = dir.join(DB_FILE);
        let db = guard(&db_path, || {
            Builder::new()
                .set_cache_size(cache_bytes)
                .create_with_file_format_v3(true)
                .create(&db_path)
                .map_err(|e| convert(&db_path, e.into()))
        })?;
        let store = RedbStore {
            db,
            media: MediaFiles::open(dir.join(MEDIA_DIR))?,
            db_path,
        };
        guard(&store.db_path, || store.check_format())?;
        Ok(store)
    }

    /// The media files (e.g. for a streaming read of a large file by path).
    pub fn media_files(&self) -> &MediaFiles {
        &self.media
    }

    /// Creates the tables of a new file, or checks the format of an existing one.
    fn check_format(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
            let found = meta
                .get(FORMAT_KEY)
                .map_err(|e| self.err(e))?
                .map(|g| g.value());
            match found {
                Some(STORE_FORMAT) => {}
                Some(found) => {
                    return Err(StoreError::UnsupportedFormat {
                        found,
                        supported: STORE_FORMAT,
                    })
                }
                None => {
                    meta.insert(FORMAT_KEY, STORE_FORMAT)
                        .map_err(|e| self.err(e))?;
                }
            }
            txn.open_table(ROOMS).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// Reads every row; an unreadable row ends the scan (the tree past it cannot be
    /// trusted) and is reported.
    fn rows(&self) -> Result<Vec<Row>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(ROOMS).map_err(|e| self.err(e))?;
        let mut rows = Vec::new();
        for row in table.iter().map_err(|e| self.err(e))? {
            match row {
                Ok((k, v)) => rows.push((
                    String::from_utf8_lossy(k.value()).into_owned(),
                    Ok(v.value().to_vec()),
                )),
                Err(e) => {
                    rows.push(("<unreadable>".to_owned(), Err(e.to_string())));
                    break;
                }
            }
        }
        Ok(rows)
    }

    fn err(&self, e: impl Into<redb::Error>) -> StoreError {
        convert(&self.db_path, e.into())
    }
}

/// A redb error as a [`StoreError`].
fn convert(path: &Path, e: redb::Error) -> StoreError {
    match e {
        redb::Error::DatabaseAlreadyOpen => StoreError::Locked {
            path: path.to_owned(),
        },
        redb::Error::Corrupted(detail) => StoreError::Corrupt {
            path: path.to_owned(),
            detail,
        },
        redb::Error::UpgradeRequired(v) => StoreError::UnsupportedFormat {
            found: u64::from(v),
            supported: STORE_FORMAT,
        },
        // redb reports a file that is not a database (wrong magic, bad header, cut
        // short inside the header) this way.
        redb::Error::Io(source)
            if matches!(
                source.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            StoreError::Corrupt {
                path: path.to_owned(),
                detail: source.to_string(),
            }
        }
        redb::Error::Io(source) => StoreError::io(path, source),
        other => StoreError::db(other),
    }
}

/// Runs `f`, turning a panic inside redb into [`StoreError::Corrupt`]: bad bytes on
/// disk must never take the relay down. redb 2.6 asserts, rather than returns an
/// error, when a file is shorter than its header says (a truncated `rooms.redb`;
/// `tests/store-corruption.rs`). The default panic hook still prints that assertion.
fn guard<T>(path: &Path, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let detail = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "the database panicked".to_owned());
        Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail,
        })
    })
}

impl RoomStore for RedbStore {
    fn load(&self) -> Result<Loaded, StoreError> {
        let rows = guard(&self.db_path, || self.rows())?;
        Ok(load_rows(rows, |sha, size| self.media.has(sha, size)))
    }

    fn apply(&self, ops: &[StoreOp<'_>]) -> Result<(), StoreError> {
        let mut encoded = Vec::with_capacity(ops.len());
        for op in ops {
            encoded.push(match op {
                StoreOp::Put(room) => (room.code.as_str(), Some(encode(room)?)),
                StoreOp::Delete(code) => (*code, None),
            });
        }
        guard(&self.db_path, || {
            let txn = self.db.begin_write().map_err(|e| self.err(e))?;
            {
                let mut rooms = txn.open_table(ROOMS).map_err(|e| self.err(e))?;
                for (key, bytes) in &encoded {
                    match bytes {
                        Some(b) => rooms.insert(key.as_bytes(), b.as_slice()).map(drop),
                        None => rooms.remove(key.as_bytes()).map(drop),
                    }
                    .map_err(|e| self.err(e))?;
                }
            }
            txn.commit().map_err(|e| self.err(e))
        })
    }

    fn put_media(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.media.put(sha256, bytes)
    }

    fn read_media(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.media.read(sha256)
    }

    fn retain_media(&self, live: &HashSet<String>) -> Result<usize, StoreError> {
        self.media.retain(live)
    }
}
