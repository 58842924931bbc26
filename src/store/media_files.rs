//! Media bytes as content-addressed files: `media/ab/<sha256>`.
//!
//! A file is written to a temp name in its final directory, fsynced, renamed over its
//! final name and the directory fsynced: after a crash a file is either whole or absent,
//! and a leftover temp file is swept on the next open. Its name is its SHA-256, so a
//! write is idempotent and a file whose bytes do not hash to its name is known to be
//! damaged: reading it moves it to `media/corrupt/` and reports it.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::StoreError;
use crate::validate::digest::{is_sha256_hex, sha256_hex};

/// The prefix of temp files; never a valid key, so never served.
const TEMP_PREFIX: &str = ".tmp-";

/// A directory of content-addressed media files.
#[derive(Debug)]
pub struct MediaFiles {
    root: PathBuf,
}

impl MediaFiles {
    /// Opens (creating it if needed) the media directory `root` and sweeps temp files
    /// left by a crash.
    ///
    /// # Errors
    /// [`StoreError::Io`] if the directory cannot be created or read.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| StoreError::io(&root, e))?;
        let files = MediaFiles { root };
        files.sweep(|_| false)?;
        Ok(files)
    }

    /// The path of the file for `sha256`.
    ///
    /// # Errors
    /// [`StoreError::InvalidMediaKey`] unless `sha256` is 64 lowercase hex characters
    /// (so a key can never name a path outside the directory).
    pub fn path(&self, sha256: &str) -> Result<PathBuf, StoreError> {
        if !is_sha256_hex(sha256) {
            return Err(StoreError::InvalidMediaKey(sha256.to_owned()));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` under `sha256`, durably (see the module docs).
    ///
    /// # Errors
    /// [`StoreError::MediaMismatch`] if the bytes do not hash to `sha256`;
    /// [`StoreError::Io`] if a write, fsync or rename fails.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(sha256)?;
        if sha256_hex(bytes) != sha256 {
            return Err(StoreError::MediaMismatch {
                sha256: sha256.to_owned(),
                quarantined: false,
            });
        }
        let dir = path.parent().unwrap_or(&self.root);
        match fs::create_dir(dir) {
            Ok(()) => sync_dir(&self.root)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io(dir, e)),
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| StoreError::io(dir, e))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| StoreError::io(tmp.path(), e))?;
        tmp.persist(&path)
            .map_err(|e| StoreError::io(&path, e.error))?;
        sync_dir(dir)
    }

    /// The bytes stored under `sha256`, checked against it; `None` if there are none.
    ///
    /// # Errors
    /// [`StoreError::MediaMismatch`] (the file is moved to `media/corrupt/`, so the next
    /// read finds none) or [`StoreError::Io`].
    pub fn read(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(sha256)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        if sha256_hex(&bytes) == sha256 {
            return Ok(Some(bytes));
        }
        self.quarantine(sha256, &path)?;
        Err(StoreError::MediaMismatch {
            sha256: sha256.to_owned(),
            quarantined: true,
        })
    }

    /// Whether a file for `sha256` of exactly `size` bytes is there (a stat, no read).
    pub fn has(&self, sha256: &str, size: u64) -> bool {
        self.path(sha256)
            .ok()
            .and_then(|p| fs::metadata(p).ok())
            .is_some_and(|m| m.is_file() && m.len() == size)
    }

    /// Deletes every media file whose key is not in `live` (and any temp file);
    /// returns how many media files were deleted.
    ///
    /// # Errors
    /// [`StoreError::Io`] if a directory cannot be read or a file removed.
    pub fn retain(&self, live: &HashSet<String>) -> Result<usize, StoreError> {
        self.sweep(|name| !live.contains(name))
    }

    /// Removes temp files, and media files for which `doomed(name)` holds.
    fn sweep(&self, mut doomed: impl FnMut(&str) -> bool) -> Result<usize, StoreError> {
        let mut removed = 0;
        for dir in read_dir(&self.root)? {
            let is_shard = dir.file_name().is_some_and(|n| {
                n.len() == 2
                    && n.to_str()
                        .is_some_and(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
            });
            if !is_shard || !dir.is_dir() {
                continue;
            }
            let mut changed = false;
            for file in read_dir(&dir)? {
                let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let media = is_sha256_hex(name) && doomed(name);
                if media || name.starts_with(TEMP_PREFIX) {
                    fs::remove_file(&file).map_err(|e| StoreError::io(&file, e))?;
                    removed += usize::from(media);
                    changed = true;
                }
            }
            if changed {
                sync_dir(&dir)?;
            }
        }
        Ok(removed)
    }

    /// Moves a damaged file aside (or removes it if it cannot be moved).
    fn quarantine(&self, sha256: &str, path: &Path) -> Result<(), StoreError> {
        let corrupt = self.root.join("corrupt");
        let moved =
            fs::create_dir_all(&corrupt).and_then(|()| fs::rename(path, corrupt.join(sha256)));
        if moved.is_err() {
            fs::remove_file(path).map_err(|e| StoreError::io(path, e))?;
        }
        Ok(())
    }
}

/// The entries of `dir`, as paths.
fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    fs::read_dir(dir)
        .and_then(|entries| entries.map(|e| e.map(|e| e.path())).collect())
        .map_err(|e| StoreError::io(dir, e))
}

/// Makes the entries of `dir` (a create, rename or removal) durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
