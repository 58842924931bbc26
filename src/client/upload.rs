//! `publishSessionMediaFile` on a `media-chunks` relay: announce the file, then send
//! its chunks as binary frames, a window in flight, each with its SHA-256.
//!
//! The relay answers the announcement with where the upload stands (0 for a new
//! file, the bytes it holds for one begun before, `done` when it already holds the
//! content: nothing is sent, `uploadedBytes` is 0). A chunk the relay refuses
//! (damaged, out of place, over a rate) is not counted: the chunks in flight are
//! dropped and the file is announced again after a delay, which tells where to go
//! on. A lost connection pauses the upload until the session is back.

use super::{ClientCore, Link, OpId, OpValue, Purpose};
use crate::error::{Code, SyncError};
use crate::protocol::chunks::{encode_frame, UploadStatus, BEGIN_UPLOAD, PUT_CHUNK};
use crate::protocol::RawJson;
use crate::validate::digest::sha256_hex;
use crate::validate::media::MediaFile;
use serde_json::json;

/// Which request of an upload a reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UpStep {
    Begin,
    /// The chunk ending at offset `.0`.
    Chunk(u64),
}

/// A chunked upload in progress.
#[derive(Debug)]
pub(super) struct Upload {
    op: OpId,
    file: MediaFile,
    upload_id: String,
    /// Next offset to send.
    next: u64,
    in_flight: usize,
    /// Where the relay stood at this call's first announcement (the bytes it held
    /// already); the file's size less this is what the call uploaded.
    held_before: Option<u64>,
    retries: u32,
    /// When to announce again; `None` while requests are in flight.
    wake: Option<u64>,
}

impl Upload {
    pub(super) fn wake_at(&self) -> Option<u64> {
        self.wake
    }
}

impl ClientCore {
    /// Starts a chunked upload of a checked file.
    pub(super) fn start_upload(&mut self, op: OpId, file: MediaFile, now: u64) {
        let up = &mut self.state.media_upload;
        up.identity = file.identity().to_string();
        up.bytes_done = 0;
        up.bytes_total = file.size() as u64;
        self.dirty = true;
        self.uploads.push(Upload {
            op,
            file,
            upload_id: String::new(),
            next: 0,
            in_flight: 0,
            held_before: None,
            retries: 0,
            wake: Some(now),
        });
        self.upload_tick(now);
    }

    /// Announces the uploads whose time has come (paused while the session is away).
    pub(super) fn upload_tick(&mut self, now: u64) {
        let ready = self.transfer_ready();
        let code = self.state.session_code.clone();
        let mut begin = Vec::new();
        for u in &mut self.uploads {
            if u.wake.is_some_and(|w| now >= w) {
                if ready {
                    u.wake = None;
                    let f = &u.file;
                    let file = json!({ "identity": f.identity(), "name": f.name(), "ext": f.ext(), "mime": f.mime(), "size": f.size(), "sha256": f.sha256() });
                    begin.push((u.op, json!({ "sessionCode": code, "file": file })));
                } else {
                    u.wake = Some(now + super::download::LINK_POLL_MS);
                }
            }
        }
        for (op, p) in begin {
            let build = |id: &str| {
                json!({"type": "request", "id": id, "action": BEGIN_UPLOAD, "payload": p})
                    .to_string()
            };
            self.request_with(build, Purpose::Upload(op, UpStep::Begin), now);
        }
    }

    /// Sends chunks of `op` until its window is full or every byte is sent.
    fn send_chunks(&mut self, op: OpId, now: u64) {
        let chunk = self.settings.media_chunk_bytes as u64;
        let window = self.settings.media_chunk_window;
        let code = self.state.session_code.clone();
        loop {
            let Some(u) = self.uploads.iter_mut().find(|u| u.op == op) else {
                return;
            };
            let size = u.file.size() as u64;
            if u.in_flight >= window || u.next >= size {
                return;
            }
            let start = u.next;
            let end = (start + chunk).min(size);
            u.next = end;
            u.in_flight += 1;
            let data = &u.file.bytes()[start as usize..end as usize];
            let p = json!({ "sessionCode": code, "uploadId": u.upload_id, "offset": start, "sha256": sha256_hex(data) });
            if self.link != Link::Up {
                return;
            }
            let id = self.next_id.to_string();
            self.next_id += 1;
            let header =
                json!({"type": "request", "id": id, "action": PUT_CHUNK, "payload": p}).to_string();
            let frame = encode_frame(&header, data);
            let purpose = Purpose::Upload(op, UpStep::Chunk(end));
            let deadline = now + self.settings.request_timeout_ms;
            self.pending
                .insert(id, super::Pending { purpose, deadline });
            self.out.push_back(super::ClientOutput::SendBinary(frame));
        }
    }

    /// A reply to a step of upload `op`.
    pub(super) fn upload_reply(
        &mut self,
        op: OpId,
        step: UpStep,
        outcome: Result<RawJson, SyncError>,
        now: u64,
    ) {
        let status =
            outcome.and_then(|raw| UploadStatus::read(raw.get()).ok_or(Code::RequestFailed.into()));
        let Some(u) = self.uploads.iter_mut().find(|u| u.op == op) else {
            return;
        };
        match (step, status) {
            (UpStep::Begin, Ok(s)) if s.done => {
                // The relay held the content already: nothing moved in this call.
                u.held_before.get_or_insert(u.file.size() as u64);
                self.upload_done(op, now);
            }
            (_, Ok(s)) if s.done => self.upload_done(op, now),
            (UpStep::Begin, Ok(s)) => {
                u.held_before.get_or_insert(s.offset);
                u.upload_id = s.upload_id;
                u.next = s.offset.min(u.file.size() as u64);
                u.in_flight = 0;
                self.state.media_upload.bytes_done = u.next;
                self.dirty = true;
                self.send_chunks(op, now);
            }
            (UpStep::Chunk(end), Ok(_)) => {
                u.retries = 0;
                u.in_flight = u.in_flight.saturating_sub(1);
                self.state.media_upload.bytes_done = end;
                self.dirty = true;
                self.bump_deadlines(op, now);
                self.send_chunks(op, now);
            }
            (_, Err(e)) => self.upload_failed(op, e, now),
        }
    }

    /// A refused or lost step: drop what is in flight and announce again later,
    /// or fail the call.
    fn upload_failed(&mut self, op: OpId, e: SyncError, now: u64) {
        self.pending
            .retain(|_, p| !matches!(p.purpose, Purpose::Upload(o, _) if o == op));
        let link_up = self.link == Link::Up;
        let attempts = self.settings.media_retry_attempts;
        let (base, max) = (
            self.settings.media_retry_base_ms,
            self.settings.media_retry_max_ms,
        );
        let Some(u) = self.uploads.iter_mut().find(|u| u.op == op) else {
            return;
        };
        u.in_flight = 0;
        let lost = e.is(Code::TransportUnavailable) && !link_up;
        let again = super::download::retryable(&e)
            || [
                Code::MediaChunkCorrupt,
                Code::MediaChunkOutOfOrder,
                Code::MediaUploadNotFound,
            ]
            .iter()
            .any(|c| e.is(*c))
            || e.code() == Code::MediaRateLimited.as_str();
        if lost {
            u.wake = Some(now + super::download::LINK_POLL_MS);
        } else if again && u.retries < attempts {
            let backoff = base.saturating_mul(1 << u.retries.min(16)).min(max);
            u.retries += 1;
            u.wake = Some(now + e.retry_after_ms().unwrap_or(backoff));
        } else {
            self.uploads.retain(|u| u.op != op);
            self.finish(op, Err(e));
        }
    }

    fn upload_done(&mut self, op: OpId, _now: u64) {
        let Some(i) = self.uploads.iter().position(|u| u.op == op) else {
            return;
        };
        let u = self.uploads.swap_remove(i);
        self.pending
            .retain(|_, p| !matches!(p.purpose, Purpose::Upload(o, _) if o == op));
        let size = u.file.size() as u64;
        self.state.media_upload.bytes_done = size;
        self.dirty = true;
        self.finish(
            op,
            Ok(OpValue::Published {
                uploaded_bytes: size - u.held_before.unwrap_or(0).min(size),
                size,
                sha256: u.file.sha256().to_string(),
            }),
        );
    }

    /// Ends every upload with `err` (on leave).
    pub(super) fn cancel_uploads(&mut self, err: SyncError) {
        for u in std::mem::take(&mut self.uploads) {
            self.pending
                .retain(|_, p| !matches!(p.purpose, Purpose::Upload(o, _) if o == u.op));
            self.finish(u.op, Err(err.clone()));
        }
    }
}
