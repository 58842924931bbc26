//! The relay's side of chunked media (our `media-chunks` extension, see
//! [`crate::protocol::chunks`]): announce an upload, take its chunks, serve chunks.
//!
//! Only on connections that negotiated `media-chunks`; anyone else gets
//! `unknown-action:<name>`, as the deployed relay answers. Every chunk is hashed
//! and appended only where the upload stands, so a bad or misplaced chunk changes
//! nothing; a whole file reaches the room only once it hashes to its announced
//! SHA-256 and starts with its type's signature. Bytes of unfinished uploads are
//! counted (by their announced sizes) against the session's total and the relay's
//! `MAX_PARTIAL_UPLOAD_BYTES` before any is held.

use super::media_store::chunked_limits;
use super::uploads::Partial;
use super::{ConnId, RelayCore};
use crate::error::{Code, SyncError};
use crate::protocol::chunks::{ChunkInfo, UploadStatus, MAX_CHUNK_BYTES};
use crate::protocol::{to_raw, RawJson};
use crate::validate::digest::sha256_hex;
use crate::validate::js::{js_int_in, js_trim};
use crate::validate::media::validate_announce;
use crate::validate::text::is_media_key;
use crate::validate::SessionCode;
use serde_json::{Map, Value};

type Payload = Map<String, Value>;
type Reply = Result<RawJson, SyncError>;

/// A JS integer field in `0..=max`, else `invalid-request`.
fn int(p: &Payload, key: &str, max: u64) -> Result<u64, SyncError> {
    js_int_in(p.get(key), 0.0, max as f64)
        .map(|n| n as u64)
        .ok_or_else(|| Code::InvalidRequest.into())
}

fn text<'a>(p: &'a Payload, key: &str) -> &'a str {
    p.get(key)
        .and_then(Value::as_str)
        .map(js_trim)
        .unwrap_or("")
}

fn status(upload_id: &str, offset: u64, done: bool) -> RawJson {
    to_raw(&UploadStatus {
        upload_id: upload_id.to_string(),
        offset,
        done,
        chunk_bytes: MAX_CHUNK_BYTES as u64,
    })
}

impl RelayCore {
    /// Takes `n` bytes of transfer for this connection's address and this room.
    fn take_transfer(
        &mut self,
        conn: ConnId,
        code: &SessionCode,
        n: u64,
        now: u64,
    ) -> Result<(), SyncError> {
        let ip = self
            .conns
            .get(&conn)
            .map_or("", |c| c.ip.as_str())
            .to_string();
        let rates = (
            self.settings.media_rate_ip_bytes_per_sec,
            self.settings.media_rate_room_bytes_per_sec,
        );
        self.transfer
            .take(&ip, code.as_str(), n, now, rates)
            .map_err(|after_ms| SyncError::RetryAfter {
                code: Code::MediaRateLimited,
                after_ms,
            })
    }

    /// `beginSessionMediaUpload{file:{identity,name,ext,mime,size,sha256}}`, host only.
    /// Result: [`UploadStatus`]; `done` at once when the room already holds those
    /// bytes (a dedupe: the file is published under its identity, nothing moves).
    pub(super) fn begin_upload(
        &mut self,
        client: &str,
        code: &SessionCode,
        p: &Payload,
        now: u64,
    ) -> Reply {
        let (limits, store) = chunked_limits(&self.settings);
        let stale_ms = self.settings.upload_lock_stale_ms;
        let room = self.host_room(code, client)?;
        let file = validate_announce(p.get("file"), &limits)?;
        room.media.uploads.drop_stale(now, stale_ms);
        room.media.drop_stale_recent(now, stale_ms);
        room.media.touch_lock(now);
        if let Some(held) = room.media.find_sha(file.sha256()) {
            let file = file.renamed_file(held);
            let size = file.size() as u64;
            room.media.put(file, client, now, store)?;
            self.updated(code, "session-media-updated", now)?;
            return Ok(status("", size, true));
        }
        let media = &room.media;
        let replaced = media.get(file.identity()).map_or(0, |f| f.size());
        let room_total = (media.total_bytes() - replaced)
            .saturating_add(media.uploads.reserved_except(file.sha256()))
            .saturating_add(file.size());
        let new_identity = media.get(file.identity()).is_none();
        if room_total > store.max_total_bytes || (new_identity && media.len() >= store.max_files) {
            return Err(Code::SessionMediaTooLarge.into());
        }
        let known = room.media.uploads.get_mut(file.sha256()).is_some();
        // Bytes of media every room of the relay holds or may hold (files and
        // unfinished uploads), and those unfinished uploads may grow to (what a
        // reset keeps for a republish is bounded by the session's total it came
        // from); on a sharded relay, every core's ([`super::media_shares`]).
        let size = file.size() as u64;
        let (held, _) = self.relay_media();
        if !known && held.saturating_add(size) > self.settings.max_media_held_bytes {
            return Err(Code::SessionMediaTooLarge.into());
        }
        if !known {
            for r in self.rooms.values_mut() {
                r.media.uploads.drop_stale(now, stale_ms);
            }
            let (_, partial) = self.relay_media();
            if partial.saturating_add(size) > self.settings.max_partial_upload_bytes as u64 {
                return Err(SyncError::RetryAfter {
                    code: Code::MediaRateLimited,
                    after_ms: 1000,
                });
            }
        }
        let id = file.sha256().to_string();
        let held = self.room(code)?.media.uploads.begin(file, now);
        self.relay_media();
        Ok(status(&id, held, false))
    }

    /// `putSessionMediaChunk{uploadId, offset, sha256}` with the chunk's bytes, host
    /// only. Result: [`UploadStatus`]; the last chunk publishes the file.
    ///
    /// # Errors
    /// `media-upload-not-found`; `media-chunk-out-of-order` (the offset is not where
    /// the upload stands); `invalid-request` (no bytes, over 1 MiB, past the file's
    /// end); `media-chunk-corrupt` (the bytes do not hash to `sha256`); the file's
    /// type or hash failing once whole (the upload is dropped).
    pub(super) fn put_chunk(
        &mut self,
        conn: ConnId,
        client: &str,
        code: &SessionCode,
        p: &Payload,
        now: u64,
    ) -> Reply {
        let data = self.chunk_in.take().unwrap_or_default();
        let upload_id = text(p, "uploadId").to_string();
        let offset = int(p, "offset", u64::MAX >> 11)?;
        let declared = text(p, "sha256").to_ascii_lowercase();
        let room = self.host_room(code, client)?;
        let partial = room
            .media
            .uploads
            .get_mut(&upload_id)
            .ok_or(Code::MediaUploadNotFound)?;
        if offset != partial.held() {
            return Err(Code::MediaChunkOutOfOrder.into());
        }
        let end = offset.saturating_add(data.len() as u64);
        if data.is_empty() || data.len() > MAX_CHUNK_BYTES || end > partial.file.size() as u64 {
            return Err(Code::InvalidRequest.into());
        }
        if sha256_hex(&data) != declared {
            return Err(Code::MediaChunkCorrupt.into());
        }
        if offset == 0 && !partial.file.first_chunk_fits(&data) {
            room.media.uploads.take(&upload_id);
            return Err(Code::SessionMediaUnsupportedType.into());
        }
        self.take_transfer(conn, code, data.len() as u64, now)?;
        let room = self.room(code)?;
        room.media.touch_lock(now);
        let Some(partial) = room.media.uploads.get_mut(&upload_id) else {
            return Err(Code::MediaUploadNotFound.into());
        };
        partial.append(declared, &data, now);
        if end < partial.file.size() as u64 {
            return Ok(status(&upload_id, end, false));
        }
        let Some(Partial { file, bytes, .. }) = room.media.uploads.take(&upload_id) else {
            return Err(Code::MediaUploadNotFound.into());
        };
        let file = file.into_file(bytes)?;
        let (_, store) = chunked_limits(&self.settings);
        self.room(code)?.media.put(file, client, now, store)?;
        self.updated(code, "session-media-updated", now)?;
        Ok(status(&upload_id, end, true))
    }

    /// `getSessionMediaChunk{identity, offset, length?}`: the reply is a chunk frame
    /// (its bytes left in `chunk_out`), its header's result a [`ChunkInfo`].
    ///
    /// # Errors
    /// As `getSessionMediaFile` (lock, `session-media-not-found`, a bad identity,
    /// `session-media-file-not-found`); `invalid-request` for an offset at or past
    /// the end; `media-rate-limited` with `retryAfterMs`.
    pub(super) fn get_chunk(
        &mut self,
        conn: ConnId,
        client: &str,
        code: &SessionCode,
        p: &Payload,
        now: u64,
    ) -> Reply {
        self.media_readable(client, code, now)?;
        let identity = text(p, "identity").to_string();
        let offset = int(p, "offset", u64::MAX >> 11)?;
        let length = match p.get("length") {
            None | Some(Value::Null) => MAX_CHUNK_BYTES as u64,
            Some(_) => int(p, "length", u64::MAX >> 11)?.clamp(1, MAX_CHUNK_BYTES as u64),
        };
        let media = &self.room(code)?.media;
        if media.is_empty() {
            return Err(Code::SessionMediaNotFound.into());
        }
        if !is_media_key(&identity) {
            return Err(Code::InvalidSessionMedia.into());
        }
        let file = media.get(&identity).ok_or(Code::SessionMediaFileNotFound)?;
        let size = file.size() as u64;
        if offset >= size {
            return Err(Code::InvalidRequest.into());
        }
        let end = offset.saturating_add(length).min(size);
        self.take_transfer(conn, code, end - offset, now)?;
        let media = &self.room(code)?.media;
        let file = media.get(&identity).ok_or(Code::SessionMediaFileNotFound)?;
        let data = file.bytes()[offset as usize..end as usize].to_vec();
        let info = ChunkInfo {
            identity,
            offset,
            sha256: sha256_hex(&data),
        };
        self.chunk_out = Some(data);
        Ok(to_raw(&info))
    }
}
