//! One file of a download, in chunks (`media-chunks` relays): a window of chunk
//! requests in flight, each reply checked against its own SHA-256 and appended only
//! at the end of the verified prefix, the whole file checked against the manifest.
//!
//! A bad chunk (wrong hash, wrong place, an error reply) is never kept: the
//! requests in flight are dropped and the file goes on from its verified prefix,
//! after a retry delay. A lost connection pauses the file; once the session is back
//! it continues from the prefix. A download that stops keeps the prefix
//! ([`ClientCore::partial`]) so the next `downloadSessionMedia` continues from it.

use super::download::{retryable, Step};
use super::{ClientCore, ClientOutput, Link, OpId, Purpose};
use crate::error::{Code, SyncError};
use crate::protocol::chunks::{ChunkInfo, GET_CHUNK};
use crate::protocol::RawJson;
use crate::validate::digest::sha256_hex;
use crate::validate::media::Announced;
use serde_json::json;

/// The chunked fetch of manifest file `index`.
#[derive(Debug)]
pub(super) struct FileFetch {
    pub(super) index: usize,
    pub(super) file: Announced,
    /// The verified prefix.
    pub(super) bytes: Vec<u8>,
    /// Next offset to request.
    next: u64,
    in_flight: usize,
}

impl FileFetch {
    pub(super) fn new(index: usize, file: Announced, prefix: Vec<u8>) -> FileFetch {
        let next = prefix.len() as u64;
        FileFetch {
            index,
            file,
            bytes: prefix,
            next,
            in_flight: 0,
        }
    }

    /// Whether `data` is the whole chunk at `offset` (chunks of `chunk` bytes) and
    /// hashes to `sha256`.
    fn is_chunk(&self, chunk: u64, offset: u64, data: &[u8], sha256: &str) -> bool {
        let len = chunk.min((self.file.size() as u64).saturating_sub(offset));
        data.len() as u64 == len && sha256_hex(data) == sha256
    }

    /// Forgets the requests in flight: the next ones start at the verified prefix.
    fn rewind(&mut self) {
        self.next = self.bytes.len() as u64;
        self.in_flight = 0;
    }
}

impl ClientCore {
    /// Sends chunk requests until the window is full or the file is asked for.
    pub(super) fn fill_window(&mut self, now: u64) {
        let chunk = self.settings.media_chunk_bytes as u64;
        let window = self.settings.media_chunk_window;
        let code = self.state.session_code.clone();
        loop {
            let Some(d) = &mut self.download else { return };
            let op = d.op;
            let Some(f) = &mut d.fetch else { return };
            let size = f.file.size() as u64;
            if f.in_flight >= window || f.next >= size {
                return;
            }
            let (i, offset) = (f.index, f.next);
            let length = chunk.min(size - offset);
            f.next += length;
            f.in_flight += 1;
            let identity = f.file.identity().to_string();
            let p = json!({ "sessionCode": code, "identity": identity, "offset": offset, "length": length });
            let build = |id: &str| {
                json!({"type": "request", "id": id, "action": GET_CHUNK, "payload": p}).to_string()
            };
            // Its reply may take the request timeout plus the chunk's bytes at the
            // slowest line served (`media_min_bytes_per_sec`), as a whole file does.
            self.request_slow(
                build,
                Purpose::Download(op, Step::Chunk(i, offset)),
                now,
                length,
            );
        }
    }

    /// A chunk reply (or an error reply to a chunk request).
    pub(super) fn chunk_reply(
        &mut self,
        op: OpId,
        index: usize,
        offset: u64,
        outcome: Result<(RawJson, &[u8]), SyncError>,
        now: u64,
    ) {
        let chunk = self.settings.media_chunk_bytes as u64;
        let Some(d) = self.download.as_mut().filter(|d| d.op == op) else {
            return;
        };
        let Some(f) = d.fetch.as_mut().filter(|f| f.index == index) else {
            return;
        };
        let good = outcome.and_then(|(raw, data)| {
            let info = ChunkInfo::read(raw.get()).ok_or(Code::RequestFailed)?;
            if info.identity == f.file.identity()
                && info.offset == offset
                && offset < f.bytes.len() as u64
            {
                // A late reply to an earlier request of this chunk came first.
                return Ok(None);
            }
            let placed = info.offset == offset && offset == f.bytes.len() as u64;
            let whole = f.is_chunk(chunk, offset, data, &info.sha256);
            if placed && whole && info.identity == f.file.identity() {
                Ok(Some(data))
            } else {
                Err(Code::MediaChunkCorrupt.into())
            }
        });
        match good {
            Ok(data) => {
                f.in_flight = f.in_flight.saturating_sub(1);
                match data {
                    Some(data) => self.append_chunk(op, data, now),
                    None => self.fill_window(now),
                }
            }
            Err(e) => self.chunk_failed(op, e, now),
        }
    }

    /// A chunk reply whose request had already timed out (a slow line, not a dead
    /// one): kept when it is the next piece of the file being fetched and checks
    /// against its own hash, and in any case taken as a sign that bytes move, so
    /// the requests still waiting are not timed out and sent again behind it.
    pub(super) fn late_chunk(&mut self, raw: &RawJson, data: &[u8], now: u64) {
        let chunk = self.settings.media_chunk_bytes as u64;
        let Some(d) = self.download.as_mut() else {
            return;
        };
        let op = d.op;
        let Some(f) = d.fetch.as_mut() else { return };
        let Some(info) = ChunkInfo::read(raw.get()) else {
            return;
        };
        if info.identity != f.file.identity() {
            return;
        }
        let usable = info.offset == f.bytes.len() as u64
            && f.is_chunk(chunk, info.offset, data, &info.sha256);
        self.bump_deadlines(op, now);
        if usable {
            self.append_chunk(op, data, now);
        }
    }

    /// Appends a verified chunk at the end of the prefix: progress, deadlines moved
    /// on (a file that moves is never timed out), then the next requests or the
    /// whole file's check.
    fn append_chunk(&mut self, op: OpId, data: &[u8], now: u64) {
        let Some(d) = self.download.as_mut() else {
            return;
        };
        let Some(f) = d.fetch.as_mut() else { return };
        f.bytes.extend_from_slice(data);
        f.next = f.next.max(f.bytes.len() as u64);
        // Past where the last retry was spent: the file's retries start again
        // (they count failures without progress). Never after the whole file
        // failed its check: fetching it again is no progress.
        if f.bytes.len() as u64 > d.retried_at {
            d.retries = 0;
        }
        let done = f.bytes.len() == f.file.size();
        let md = &mut self.state.media_download;
        md.bytes_done += data.len() as u64;
        md.bytes_fetched += data.len() as u64;
        self.dirty = true;
        self.bump_deadlines(op, now);
        if done {
            self.file_assembled(now);
        } else {
            self.fill_window(now);
        }
    }

    /// A chunk failed: drop what is in flight, then go on from the prefix after a
    /// delay (paused while the connection is down), or skip the file.
    fn chunk_failed(&mut self, op: OpId, e: SyncError, now: u64) {
        self.pending
            .retain(|_, p| !matches!(p.purpose, Purpose::Download(o, Step::Chunk(..)) if o == op));
        let link_up = self.link == Link::Up;
        let attempts = self.settings.media_retry_attempts;
        let Some(d) = &mut self.download else { return };
        let Some(f) = &mut d.fetch else { return };
        f.rewind();
        d.retried_at = f.bytes.len() as u64;
        if e.is(Code::TransportUnavailable) && !link_up {
            d.wake = Some(now + super::download::LINK_POLL_MS);
            return;
        }
        let again = retryable(&e) || e.is(Code::MediaChunkCorrupt) || e.is(Code::MediaRateLimited);
        if again && d.retries < attempts {
            let delay = self
                .settings
                .media_retry_base_ms
                .saturating_mul(1 << d.retries.min(16));
            d.retries += 1;
            d.wake = Some(now + delay.min(self.settings.media_retry_max_ms));
            return;
        }
        self.skip_fetch(now);
    }

    /// Every byte is there: checks the file against the manifest and hands it on.
    fn file_assembled(&mut self, now: u64) {
        let Some(d) = &mut self.download else { return };
        let Some(f) = d.fetch.take() else { return };
        let size = f.file.size() as u64;
        match f.file.into_file(f.bytes) {
            Ok(file) => {
                d.next += 1;
                d.retries = 0;
                d.retried_at = 0;
                d.wake = Some((d.last_sent + self.settings.media_request_interval_ms).max(now));
                let op = d.op;
                self.state.media_download.files_done += 1;
                self.dirty = true;
                self.out.push_back(ClientOutput::MediaFile {
                    op,
                    file,
                    fetched: true,
                });
            }
            Err(_) => {
                // Every chunk checked but not the whole: start the file over.
                let md = &mut self.state.media_download;
                md.bytes_done = md.bytes_done.saturating_sub(size);
                self.dirty = true;
                d.retried_at = u64::MAX;
                if d.retries < self.settings.media_retry_attempts {
                    d.retries += 1;
                    d.wake = Some(now + self.settings.media_retry_base_ms);
                } else {
                    self.skip_fetch(now);
                }
            }
        }
        self.download_tick(now);
    }

    /// Gives the current file up (counted as skipped).
    fn skip_fetch(&mut self, now: u64) {
        let Some(d) = &mut self.download else { return };
        if let Some(f) = d.fetch.take() {
            let md = &mut self.state.media_download;
            md.bytes_done = md.bytes_done.saturating_sub(f.bytes.len() as u64);
            md.files_skipped += 1;
        }
        d.next += 1;
        d.retries = 0;
        d.retried_at = 0;
        d.wake = Some(now);
        self.dirty = true;
    }

    /// Keeps the verified prefix of a stopped fetch for the next download.
    pub(super) fn keep_partial(&mut self, f: FileFetch) {
        if !f.bytes.is_empty() {
            self.partial = Some((f.file.sha256().to_string(), f.bytes));
        }
    }
}
