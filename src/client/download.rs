//! `downloadSessionMedia`: manifest, then every file one by one, paced and retried,
//! each verified (size, SHA-256, type), with progress in `state.mediaDownload`.
//!
//! A file that still fails after its retries is skipped; if any was skipped the
//! download ends with `session-media-incomplete:<done>/<total>`. A session without
//! media (`session-media-not-found`) is a complete download of nothing. The
//! participant advertises `downloading`, then `ready` or `missing`.

use super::state::{DownloadState, MediaDownload};
use super::{ClientCore, ClientOutput, Manifest, OpId, OpValue, Purpose};
use crate::error::{Code, SyncError};
use crate::protocol::Action;
use crate::protocol::RawJson;
use crate::validate::media::{announced_entry, verify_download, ManifestEntry, MediaLimits};
use serde_json::json;

/// Which request of a download a reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Manifest,
    File(usize),
    /// A chunk of file `.0` at offset `.1` (`media-chunks` relays).
    Chunk(usize, u64),
}

/// How often a download paused by a lost connection looks whether it may go on, ms.
pub(super) const LINK_POLL_MS: u64 = 250;

/// A running download.
#[derive(Debug)]
pub(super) struct Download {
    pub(super) op: OpId,
    pub(super) manifest: Manifest,
    /// Index of the next file to request.
    pub(super) next: usize,
    /// Retries spent on the current file.
    pub(super) retries: u32,
    /// Bytes of the current file's verified prefix when a retry was last spent
    /// (`u64::MAX` once the whole file failed its check): a chunk that takes the
    /// prefix past it gives the file its retries back.
    pub(super) retried_at: u64,
    /// When to send the next file request; `None` while one is in flight.
    pub(super) wake: Option<u64>,
    pub(super) last_sent: u64,
    /// The current file's chunked fetch.
    pub(super) fetch: Option<super::fetch::FileFetch>,
    /// Whether the host app gave a content-addressed cache.
    pub(super) use_cache: bool,
    /// The file whose cache lookup is out.
    pub(super) cache_wait: Option<usize>,
    /// The file whose cache lookup missed (it is fetched).
    pub(super) cache_missed: Option<usize>,
}

impl Download {
    pub(super) fn wake_at(&self) -> Option<u64> {
        self.wake
    }
}

pub(super) fn retryable(e: &SyncError) -> bool {
    [
        Code::RateLimited,
        Code::StateRateLimited,
        Code::RequestFailed,
        Code::TransportUnavailable,
        // Right after a reconnect, before the automatic resume has bound the new
        // socket to the room; a member that really left has no transfer left.
        Code::NotJoined,
    ]
    .iter()
    .any(|c| e.is(*c))
}

impl ClientCore {
    /// Downloads every media file of the session, emitting each verified file as
    /// [`ClientOutput::MediaFile`]. A download already running ends with `transfer-cancelled`.
    pub fn download_session_media(&mut self, op: OpId, now: u64) {
        self.download_session_media_with(op, false, now);
    }

    /// [`ClientCore::download_session_media`] with a content-addressed cache: before
    /// each file it asks [`ClientOutput::CacheGet`] and waits for
    /// [`ClientCore::handle_cache`]; a hit (whose bytes pass the file's checks) is not
    /// fetched.
    pub fn download_session_media_with(&mut self, op: OpId, use_cache: bool, now: u64) {
        let code = match self.state.status {
            super::state::Status::Hosting | super::state::Status::Joined => {
                self.state.session_code.clone()
            }
            _ => return self.finish(op, Err(Code::NotJoined.into())),
        };
        self.cancel_download(Code::TransferCancelled.into());
        self.download = Some(Download {
            op,
            manifest: Manifest::default(),
            next: 0,
            retries: 0,
            retried_at: 0,
            wake: None,
            last_sent: now,
            fetch: None,
            use_cache,
            cache_wait: None,
            cache_missed: None,
        });
        self.state.media_download = MediaDownload {
            state: DownloadState::Manifest,
            ..Default::default()
        };
        self.dirty = true;
        self.advertise("downloading", now);
        let p = json!({ "sessionCode": code });
        self.request(
            Action::GetSessionMediaManifest,
            p,
            Purpose::Download(op, Step::Manifest),
            now,
        );
    }

    fn advertise(&mut self, sync_state: &str, now: u64) {
        let p = json!({ "sessionCode": self.state.session_code, "syncState": sync_state });
        self.request(Action::UpdateParticipantState, p, Purpose::Silent, now);
    }

    /// Ends a running download with `err` (e.g. on leave).
    pub(super) fn cancel_download(&mut self, err: SyncError) {
        if let Some(mut d) = self.download.take() {
            if let Some(f) = d.fetch.take() {
                self.keep_partial(f);
            }
            self.pending
                .retain(|_, p| !matches!(p.purpose, Purpose::Download(op, _) if op == d.op));
            if self.state.media_download.state != DownloadState::Idle {
                self.state.media_download.state = DownloadState::Error;
                self.state.media_download.current_identity.clear();
            }
            self.dirty = true;
            self.finish(d.op, Err(err));
        }
    }

    fn download_failed(&mut self, err: SyncError, now: u64) {
        if let Some(mut d) = self.download.take() {
            if let Some(f) = d.fetch.take() {
                self.keep_partial(f);
            }
            self.state.media_download.state = DownloadState::Error;
            self.state.media_download.current_identity.clear();
            self.dirty = true;
            if matches!(
                self.state.status,
                super::state::Status::Hosting | super::state::Status::Joined
            ) {
                self.advertise("missing", now);
            }
            self.finish(d.op, Err(err));
        }
    }

    pub(super) fn download_reply(
        &mut self,
        op: OpId,
        step: Step,
        outcome: Result<RawJson, SyncError>,
        now: u64,
    ) {
        if self.download.as_ref().is_none_or(|d| d.op != op) {
            return;
        }
        match step {
            Step::Manifest => match outcome {
                Ok(raw) => match super::replies::manifest(&raw) {
                    Ok(m) => self.start_files(m, now),
                    Err(_) => self.download_failed(Code::RequestFailed.into(), now),
                },
                Err(e) if e.is(Code::SessionMediaNotFound) => {
                    self.start_files(Manifest::default(), now)
                }
                Err(e) => self.download_failed(e, now),
            },
            Step::File(i) => self.file_reply(i, outcome, now),
            Step::Chunk(i, offset) => {
                let outcome = outcome.and_then(|_| Err(Code::RequestFailed.into()));
                self.chunk_reply(op, i, offset, outcome, now)
            }
        }
    }

    fn start_files(&mut self, manifest: Manifest, now: u64) {
        let total_bytes: u64 = manifest.files.iter().map(|f| f.size as u64).sum();
        let max_total = if self.chunks {
            self.settings.max_chunked_total_bytes
        } else {
            self.settings.max_media_total_bytes
        };
        if manifest.files.len() > self.settings.max_media_files || total_bytes > max_total as u64 {
            return self.download_failed(Code::SessionMediaTooLarge.into(), now);
        }
        self.state.media_download = MediaDownload {
            state: DownloadState::Downloading,
            files_total: manifest.files.len(),
            bytes_total: total_bytes,
            ..Default::default()
        };
        self.dirty = true;
        if let Some(d) = &mut self.download {
            d.manifest = manifest;
            d.wake = Some(now);
        }
        self.download_tick(now);
    }

    /// Sends the next file request when its time has come, or finishes.
    pub(super) fn download_tick(&mut self, now: u64) {
        let ready = self.transfer_ready();
        let Some(d) = &mut self.download else { return };
        if d.wake.is_none_or(|w| now < w) {
            return;
        }
        if d.fetch.is_some() {
            // A chunked file goes on from its verified prefix once the session is back.
            if !ready {
                d.wake = Some(now + LINK_POLL_MS);
                return;
            }
            d.wake = None;
            return self.fill_window(now);
        }
        if d.next >= d.manifest.files.len() {
            return self.download_complete(now);
        }
        if d.use_cache && d.cache_missed != Some(d.next) {
            return self.ask_cache(now);
        }
        d.wake = None;
        d.last_sent = now;
        let (op, i) = (d.op, d.next);
        let entry = d.manifest.files[i].clone();
        self.state.media_download.current_identity = entry.identity.clone();
        self.dirty = true;
        if self.chunks {
            return self.start_fetch(i, &entry, now);
        }
        let p = json!({ "sessionCode": self.state.session_code, "identity": entry.identity });
        let build = |id: &str| crate::protocol::request_frame(id, Action::GetSessionMediaFile, &p);
        let purpose = Purpose::Download(op, Step::File(i));
        // Base64 on the wire: 4/3 of the file's bytes.
        self.request_slow(build, purpose, now, entry.size as u64 / 3 * 4);
    }

    /// Starts the chunked fetch of file `i`, from a kept prefix when there is one.
    fn start_fetch(&mut self, i: usize, entry: &ManifestEntry, now: u64) {
        let limits = MediaLimits {
            max_file_bytes: self.settings.max_chunked_file_bytes,
            max_total_bytes: self.settings.max_chunked_total_bytes,
        };
        let file = match announced_entry(entry, &limits) {
            Ok(file) => file,
            Err(_) => {
                if let Some(d) = &mut self.download {
                    d.next += 1;
                    d.wake = Some(now);
                }
                self.state.media_download.files_skipped += 1;
                return self.download_tick(now);
            }
        };
        let prefix = match self.partial.take() {
            Some((sha, bytes)) if sha == file.sha256() && bytes.len() < file.size() => bytes,
            other => {
                self.partial = other;
                Vec::new()
            }
        };
        self.state.media_download.bytes_done += prefix.len() as u64;
        if let Some(d) = &mut self.download {
            d.fetch = Some(super::fetch::FileFetch::new(i, file, prefix));
        }
        self.fill_window(now);
    }

    fn file_reply(&mut self, i: usize, outcome: Result<RawJson, SyncError>, now: u64) {
        let limits = self.media_limits();
        let Some(d) = &mut self.download else { return };
        let entry = d.manifest.files[i].clone();
        let result = outcome.and_then(|raw| {
            let file = super::replies::file(&raw)?;
            verify_download(file.as_ref(), &entry.identity, Some(&entry.sha256), &limits)
                .map_err(Into::into)
        });
        let interval = self.settings.media_request_interval_ms;
        let paced = (d.last_sent + interval).max(now);
        match result {
            Ok(file) => {
                d.next += 1;
                d.retries = 0;
                d.wake = Some(paced);
                let op = d.op;
                let md = &mut self.state.media_download;
                md.files_done += 1;
                md.bytes_done += file.size() as u64;
                self.dirty = true;
                md.bytes_fetched += file.size() as u64;
                self.out.push_back(ClientOutput::MediaFile {
                    op,
                    file,
                    fetched: true,
                });
            }
            Err(e)
                if retryable(&e)
                    && d.retries < self.settings.media_retry_attempts
                    && self.link == super::Link::Up =>
            {
                let delay = self
                    .settings
                    .media_retry_base_ms
                    .saturating_mul(1 << d.retries.min(16));
                d.retries += 1;
                d.wake = Some(now + delay.min(self.settings.media_retry_max_ms));
            }
            Err(e) if e.is(Code::TransportUnavailable) && self.link != super::Link::Up => {
                return self.download_failed(e, now);
            }
            Err(_) => {
                d.next += 1;
                d.retries = 0;
                d.wake = Some(paced);
                self.state.media_download.files_skipped += 1;
                self.dirty = true;
            }
        }
        self.download_tick(now);
    }

    fn download_complete(&mut self, now: u64) {
        let Some(d) = self.download.take() else {
            return;
        };
        let md = &mut self.state.media_download;
        md.current_identity.clear();
        let (done, total, bytes) = (md.files_done, md.files_total, md.bytes_done);
        self.dirty = true;
        if done == total {
            md.state = DownloadState::Done;
            self.advertise("ready", now);
            self.validate_after_download(d.manifest.updated_at);
            self.finish(d.op, Ok(OpValue::Downloaded { files: done, bytes }));
        } else {
            md.state = DownloadState::Error;
            self.advertise("missing", now);
            self.finish(d.op, Err(SyncError::MediaIncomplete { done, total }));
        }
    }
}
