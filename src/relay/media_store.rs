//! A room's online media: files in first-insert order, totals and the upload lock.

use crate::error::Code;
use crate::protocol::MediaMeta;
use crate::validate::media::{to_base64, MediaFile};
use serde_json::json;
use serde_json::Value;

#[derive(Debug, Clone)]
struct Stored {
    file: MediaFile,
    updated_at: u64,
}

impl Stored {
    /// The file as the relay describes it, with its bytes in base64 when given.
    fn describe(&self, data_base64: Option<String>) -> Value {
        let f = &self.file;
        let mut v = json!({ "identity": f.identity(), "name": f.name(), "ext": f.ext(), "mime": f.mime(), "size": f.size(), "sha256": f.sha256(), "updatedAt": self.updated_at });
        if let Some(data) = data_base64 {
            v["dataBase64"] = data.into();
        }
        v
    }
}

/// The media of one room.
#[derive(Debug, Clone, Default)]
pub struct MediaStore {
    files: Vec<Stored>,
    total_bytes: usize,
    updated_at: u64,
    uploaded_by: Option<String>,
    lock: Option<UploadLock>,
    /// Unfinished chunked uploads.
    pub uploads: super::uploads::Uploads,
    /// Files a reset took out of the manifest, with the reset's time: kept (not
    /// served) while the host publishes again, so a republished file whose bytes did
    /// not change moves nothing (the deployed host flow resets before it uploads).
    /// Dropped when the upload lock is released or after `UPLOAD_LOCK_STALE_MS`.
    recent: Vec<(MediaFile, u64)>,
}

#[derive(Debug, Clone)]
struct UploadLock {
    total: u64,
    started_at: u64,
    started_by: String,
    last_activity: u64,
}

/// Limits the store enforces (step 10 of the upload validation).
#[derive(Debug, Clone, Copy)]
pub struct StoreLimits {
    /// Bytes of all files.
    pub max_total_bytes: usize,
    /// Number of files.
    pub max_files: usize,
}

impl MediaStore {
    /// Adds or replaces a file; a replaced identity keeps its place.
    ///
    /// # Errors
    /// `session-media-too-large` when the new total or the file count would pass a limit;
    /// the store is then unchanged.
    pub fn put(
        &mut self,
        file: MediaFile,
        by: &str,
        now: u64,
        limits: StoreLimits,
    ) -> Result<(), Code> {
        let existing = self
            .files
            .iter()
            .position(|s| s.file.identity() == file.identity());
        let replaced = existing.map_or(0, |i| self.files[i].file.size());
        let new_total = self.total_bytes - replaced + file.size();
        if new_total > limits.max_total_bytes
            || (existing.is_none() && self.files.len() >= limits.max_files)
        {
            return Err(Code::SessionMediaTooLarge);
        }
        let stored = Stored {
            file,
            updated_at: now,
        };
        match existing {
            Some(i) => self.files[i] = stored,
            None => self.files.push(stored),
        }
        self.total_bytes = new_total;
        self.touch(by, now);
        if let Some(lock) = &mut self.lock {
            lock.last_activity = now;
        }
        Ok(())
    }

    /// Empties the files. The upload lock is kept (unlike the deployed relay, whose
    /// reset cleared the lock the host had just taken).
    pub fn reset(&mut self, by: &str, now: u64) {
        self.recent = self.files.drain(..).map(|s| (s.file, now)).collect();
        self.uploads.clear();
        self.total_bytes = 0;
        self.touch(by, now);
    }

    fn touch(&mut self, by: &str, now: u64) {
        self.updated_at = now;
        self.uploaded_by = Some(by.to_string());
    }

    /// Takes (`in_progress`) or releases the upload lock.
    pub fn set_upload_status(&mut self, in_progress: bool, total: u64, by: &str, now: u64) {
        if !in_progress {
            self.recent.clear();
        }
        self.lock = in_progress.then(|| UploadLock {
            total,
            started_at: now,
            started_by: by.to_string(),
            last_activity: now,
        });
    }

    /// Whether the lock is held and fresh at `now`.
    pub fn is_locked(&self, now: u64, stale_ms: u64) -> bool {
        self.lock
            .as_ref()
            .is_some_and(|l| now.saturating_sub(l.last_activity) < stale_ms)
    }

    /// Releases a lock that went stale; `true` when one was released.
    pub fn clear_stale_lock(&mut self, now: u64, stale_ms: u64) -> bool {
        let stale = self.lock.is_some() && !self.is_locked(now, stale_ms);
        if stale {
            self.lock = None;
        }
        stale
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// Sets the manifest's `updatedAt` / `uploadedBy` and the upload lock as a data dir
    /// recorded them (after the files were put back); the lock's activity restarts at
    /// its start time.
    pub(crate) fn restore_meta(
        &mut self,
        updated_at: u64,
        uploaded_by: Option<String>,
        lock: Option<(u64, u64, String)>,
    ) {
        self.updated_at = updated_at;
        self.uploaded_by = uploaded_by;
        self.lock = lock.map(|(total, started_at, started_by)| UploadLock {
            total,
            started_at,
            started_by,
            last_activity: started_at,
        });
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// The files with their upload times, in manifest order.
    pub(crate) fn files(&self) -> impl Iterator<Item = (&MediaFile, u64)> {
        self.files.iter().map(|s| (&s.file, s.updated_at))
    }

    /// The file of `identity`.
    pub fn get(&self, identity: &str) -> Option<&MediaFile> {
        self.files
            .iter()
            .map(|s| &s.file)
            .find(|f| f.identity() == identity)
    }

    /// A file whose bytes hash to `sha256`, under any identity, or one a recent reset
    /// took out.
    pub fn find_sha(&self, sha256: &str) -> Option<&MediaFile> {
        let recent = self.recent.iter().map(|(f, _)| f);
        self.files
            .iter()
            .map(|s| &s.file)
            .chain(recent)
            .find(|f| f.sha256() == sha256)
    }

    /// Forgets what a reset took out longer than `stale_ms` ago.
    pub fn drop_stale_recent(&mut self, now: u64, stale_ms: u64) {
        self.recent
            .retain(|(_, at)| now.saturating_sub(*at) < stale_ms);
    }

    /// Bytes of all files.
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// Marks upload activity (keeps the lock fresh).
    pub fn touch_lock(&mut self, now: u64) {
        if let Some(lock) = &mut self.lock {
            lock.last_activity = now;
        }
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Metadata for the room snapshot.
    pub fn meta(&self) -> MediaMeta {
        let lock = self.lock.as_ref();
        MediaMeta {
            files_count: self.files.len() as u64,
            total_bytes: self.total_bytes as u64,
            updated_at: self.updated_at,
            uploaded_by: self.uploaded_by.clone(),
            upload_in_progress: lock.is_some(),
            upload_total: lock.map_or(0, |l| l.total),
            upload_started_at: lock.map_or(0, |l| l.started_at),
            upload_started_by: lock.map(|l| l.started_by.clone()),
        }
    }

    /// The `getSessionMediaManifest` result.
    pub fn manifest(&self) -> Value {
        let files: Vec<Value> = self.files.iter().map(|s| s.describe(None)).collect();
        json!({ "files": files, "filesCount": self.files.len(), "totalBytes": self.total_bytes, "updatedAt": self.updated_at, "uploadedBy": self.uploaded_by })
    }

    /// The `getSessionMediaFile` result for `identity`.
    pub fn file(&self, identity: &str) -> Option<Value> {
        let s = self.files.iter().find(|s| s.file.identity() == identity)?;
        let data = to_base64(s.file.bytes());
        Some(json!({ "file": s.describe(Some(data)) }))
    }
}

/// The limits of chunked files (our extension): a file's and a session's.
pub(super) fn chunked_limits(
    s: &crate::settings::RelaySettings,
) -> (crate::validate::media::MediaLimits, StoreLimits) {
    let file = crate::validate::media::MediaLimits {
        max_file_bytes: s.max_chunked_media_file_bytes,
        max_total_bytes: s.max_chunked_media_total_bytes,
    };
    let session = StoreLimits {
        max_total_bytes: s.max_chunked_media_total_bytes,
        max_files: s.max_session_media_files,
    };
    (file, session)
}

/// The media limits of the relay's settings: a file's (validation) and a session's
/// (what a room holds).
pub(super) fn limits(
    s: &crate::settings::RelaySettings,
) -> (crate::validate::media::MediaLimits, StoreLimits) {
    let file = crate::validate::media::MediaLimits {
        max_file_bytes: s.max_session_media_file_bytes,
        max_total_bytes: s.max_session_media_total_bytes,
    };
    let session = StoreLimits {
        max_total_bytes: s.max_session_media_total_bytes,
        max_files: s.max_session_media_files,
    };
    (file, session)
}
