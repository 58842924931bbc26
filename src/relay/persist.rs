//! Rooms to [`RoomRecord`]s and back: what a relay with a data dir writes and restores.
//!
//! Sans-IO like the rest of the core. After each input, the IO layer drains
//! [`RelayCore::poll_persist`]: one [`PersistOp`] per room changed since the last
//! drain (a `Put` of its current record, or a `Delete` for a room that is gone).
//! A room is marked changed when a connection bound to it sends a message or
//! closes, when a deferred password hash completes, when a grace ends and when the
//! room closes (TTL, host left). This over-approximates (an RTC signal marks its
//! room too): a spare write is harmless, a missed one is not.
//!
//! [`RelayCore::restore`] brings records back as rooms: every member disconnected
//! (its resume token still valid), without a grace timer (a member that never comes
//! back is bounded by the room's idle TTL), `updatedAt`, the state and its revision,
//! the pack and the media manifest (bytes given by the caller) kept. A record that
//! does not fit (bad code, password hash, token hash, pack text, media file) is
//! skipped whole and reported, never half-loaded.
//!
//! Decision: a record keeps the password hash as `"<saltHex>:<keyHex>"` without its
//! scrypt cost; a restored room verifies with the relay's `password_hash_log_n`, so
//! changing that setting across a restart invalidates stored room passwords.

use super::password::PasswordHash;
use super::room::{control_mode, sync_state, Member, Room, StoredPack};
use super::{ConnId, RelayCore};
use crate::protocol::PackMeta;
use crate::store::{
    MediaFileRecord, MediaRecord, MemberRecord, MemberRole, PackRecord, RoomRecord,
};
use crate::validate::digest::hex;
use crate::validate::media::from_local;
use crate::validate::SessionCode;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashSet;

use super::uploads::Partial;
use crate::store::UploadRecord;
use std::sync::atomic::Ordering;

/// The connection id a restored member carries until it resumes (never a live one:
/// the member is disconnected, so it is never read).
const NO_CONN: ConnId = ConnId::MAX;

/// One change for the store.
#[derive(Debug, Clone, PartialEq)]
pub enum PersistOp {
    /// Insert or replace this room; its media bytes, by SHA-256, to store before it.
    Put {
        /// The record.
        record: Box<RoomRecord>,
        /// `(sha256, bytes)` of every media file it references.
        media: Vec<(String, Vec<u8>)>,
    },
    /// The room with this code is gone.
    Delete(String),
}

/// A record [`RelayCore::restore`] left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRestored {
    /// The record's code.
    pub code: String,
    /// Why.
    pub reason: String,
}

impl Room {
    /// This room as a record (media bytes apart, see [`PersistOp::Put`]).
    pub fn to_record(&self) -> RoomRecord {
        let media = self.media.meta();
        RoomRecord {
            code: self.code.to_string(),
            session_name: self.name.clone(),
            control_mode: self.control_mode.to_string(),
            host_client_id: self.host_client_id.clone(),
            password_hash: self.password.as_ref().map(PasswordHash::stored),
            created_at: self.created_at,
            updated_at: self.updated_at,
            members: self
                .members
                .iter()
                .map(|m| MemberRecord {
                    client_id: m.client_id.clone(),
                    role: if self.is_host(&m.client_id) {
                        MemberRole::Host
                    } else {
                        MemberRole::Participant
                    },
                    display_name: m.name.clone(),
                    sync_state: m.sync_state.to_string(),
                    resume_token_hash: m.resume_token_hash.map(|h| hex(&h)).unwrap_or_default(),
                    connected: m.connected,
                })
                .collect(),
            session_state: self
                .state
                .as_ref()
                .and_then(|s| serde_json::to_string(s).ok()),
            state_revision: self.state_revision,
            state_updated_at: self.state_updated_at,
            pack: self.pack.as_ref().map(|p| PackRecord {
                canonical_json: p.text.get().to_string(),
                hash: p.meta.hash.clone(),
                size: p.meta.size,
                updated_at: p.meta.updated_at,
                uploaded_by: p.meta.uploaded_by.clone(),
                images_count: p.meta.images_count,
                media_refs_count: p.meta.media_refs_count,
            }),
            media: MediaRecord {
                files: self
                    .media
                    .files()
                    .map(|(f, at)| MediaFileRecord {
                        identity: f.identity().to_string(),
                        name: f.name().to_string(),
                        ext: f.ext().to_string(),
                        mime: f.mime().to_string(),
                        size: f.size() as u64,
                        sha256: f.sha256().to_string(),
                        updated_at: at,
                    })
                    .collect(),
                updated_at: media.updated_at,
                uploaded_by: media.uploaded_by,
                upload_in_progress: media.upload_in_progress,
                upload_total: media.upload_total,
                upload_started_at: media.upload_started_at,
                upload_started_by: media.upload_started_by,
                uploads: self
                    .media
                    .uploads
                    .iter()
                    .map(|p| UploadRecord {
                        identity: p.file.identity().to_string(),
                        name: p.file.name().to_string(),
                        ext: p.file.ext().to_string(),
                        mime: p.file.mime().to_string(),
                        size: p.file.size() as u64,
                        sha256: p.file.sha256().to_string(),
                        chunks: p.chunks.iter().map(|(sha, _)| sha.clone()).collect(),
                        touched: p.touched,
                    })
                    .collect(),
            },
        }
    }

    /// The media bytes this room references, by SHA-256, except those `stored`
    /// already holds (content-addressed: the same key is the same bytes); the keys
    /// returned are added to `stored`.
    ///
    /// The chunks of unfinished uploads go out the same way (each under its own
    /// SHA-256), so the store holds every verified chunk once.
    fn media_bytes(&self, stored: &mut HashSet<String>) -> Vec<(String, Vec<u8>)> {
        let files = self.media.files().map(|(f, _)| (f.sha256(), f.bytes()));
        let chunks = self.media.uploads.iter().flat_map(|p| p.chunk_bytes());
        files
            .chain(chunks)
            .filter(|(sha, _)| stored.insert(sha.to_string()))
            .map(|(sha, bytes)| (sha.to_string(), bytes.to_vec()))
            .collect()
    }
}

/// 32 bytes from 64 hex digits.
fn unhex32(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// The password hash from its stored form `"<saltHex>:<keyHex>"`.
fn password_from(stored: &str, log_n: u8) -> Option<PasswordHash> {
    let (salt, key_hex) = stored.split_once(':')?;
    if key_hex.len() != 128 || salt.is_empty() {
        return None;
    }
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&unhex32(&key_hex[..64])?);
    key[32..].copy_from_slice(&unhex32(&key_hex[64..])?);
    Some(PasswordHash::from_key(salt.to_string(), key, log_n))
}

/// An unfinished upload from its record: the file announced again through the
/// validator, its chunks read back (each checked against its key by the store) in
/// order; `None` when a chunk is missing or the record does not validate.
fn partial_from(
    u: UploadRecord,
    limits: &crate::validate::media::MediaLimits,
    media: &mut impl FnMut(&str) -> Option<Vec<u8>>,
) -> Option<Partial> {
    let entry = crate::validate::media::ManifestEntry {
        identity: u.identity,
        name: u.name,
        ext: u.ext,
        mime: u.mime,
        size: usize::try_from(u.size).ok()?,
        sha256: u.sha256,
        updated_at: u.touched,
    };
    let file = crate::validate::media::announced_entry(&entry, limits).ok()?;
    let mut p = Partial {
        file,
        bytes: Vec::new(),
        chunks: Vec::new(),
        touched: u.touched,
    };
    for sha in u.chunks {
        let bytes = media(&sha)?;
        if p.bytes.len() + bytes.len() > p.file.size() {
            return None;
        }
        p.append(sha, &bytes, u.touched);
    }
    Some(p)
}

impl RelayCore {
    /// Every room changed since the last call, as store operations, in code order.
    #[must_use]
    ///
    /// A room's media bytes go out once per content (the first time a file with that
    /// SHA-256 is referenced, or was restored): a room that changes again, or a chunk
    /// of an upload, does not copy and rewrite every file it holds.
    pub fn poll_persist(&mut self) -> Vec<PersistOp> {
        let dirty = std::mem::take(&mut self.dirty);
        let stored = &mut self.stored_media;
        dirty
            .into_iter()
            .map(|code| match self.rooms.get(&code) {
                Some(room) => PersistOp::Put {
                    record: Box::new(room.to_record()),
                    media: room.media_bytes(stored),
                },
                None => PersistOp::Delete(code.to_string()),
            })
            .collect()
    }

    /// The record of the room with this code, for inspection.
    pub fn room_record(&self, code: &str) -> Option<RoomRecord> {
        let code = SessionCode::normalize(code)?;
        self.rooms.get(&code).map(Room::to_record)
    }

    /// Brings stored rooms back (see the module doc); `media(sha256)` gives a file's
    /// bytes. Returns the records left out. A code already open is left out too.
    pub fn restore(
        &mut self,
        records: Vec<RoomRecord>,
        mut media: impl FnMut(&str) -> Option<Vec<u8>>,
        now: u64,
    ) -> Vec<NotRestored> {
        self.arm(now);
        let mut skipped = Vec::new();
        for record in records {
            let code = record.code.clone();
            match self.room_from(record, &mut media) {
                Ok(room) if !self.rooms.contains_key(&room.code) => {
                    for (f, _) in room.media.files() {
                        self.stored_media.insert(f.sha256().to_string());
                    }
                    for p in room.media.uploads.iter() {
                        for (sha, _) in &p.chunks {
                            self.stored_media.insert(sha.clone());
                        }
                    }
                    // Restored rooms count against `max_rooms`, even past it.
                    self.rooms_open.fetch_add(1, Ordering::AcqRel);
                    self.rooms.insert(room.code.clone(), room);
                }
                Ok(_) => skipped.push(NotRestored {
                    code,
                    reason: "a room with this code is already open".to_string(),
                }),
                Err(reason) => skipped.push(NotRestored { code, reason }),
            }
        }
        self.relay_media();
        skipped
    }

    fn room_from(
        &self,
        r: RoomRecord,
        media: &mut impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Room, String> {
        let code = SessionCode::normalize(&r.code)
            .filter(|c| c.as_str() == r.code)
            .ok_or("invalid session code")?;
        let s = &self.settings;
        let password = match &r.password_hash {
            Some(p) => {
                Some(password_from(p, s.password_hash_log_n).ok_or("invalid password hash")?)
            }
            None => None,
        };
        let mut members = Vec::with_capacity(r.members.len());
        for m in r.members {
            let token = if m.resume_token_hash.is_empty() {
                None
            } else {
                Some(unhex32(&m.resume_token_hash).ok_or("invalid resume token hash")?)
            };
            let state = Value::from(m.sync_state);
            let mut member = Member::new(
                m.client_id,
                m.display_name,
                sync_state(Some(&state)),
                NO_CONN,
            );
            member.resume_token_hash = token;
            member.connected = false;
            members.push(member);
        }
        let state = match &r.session_state {
            Some(text) => Some(
                serde_json::from_str::<Map<String, Value>>(text)
                    .map_err(|_| "invalid session state")?,
            ),
            None => None,
        };
        let pack = match r.pack {
            Some(p) => Some(StoredPack {
                text: RawValue::from_string(p.canonical_json).map_err(|_| "invalid pack text")?,
                meta: PackMeta {
                    hash: p.hash,
                    size: p.size,
                    updated_at: p.updated_at,
                    uploaded_by: p.uploaded_by,
                    images_count: p.images_count,
                    media_refs_count: p.media_refs_count,
                },
            }),
            None => None,
        };
        // Whole-file and chunked files alike: the larger limits.
        let (whole, _) = super::media_store::limits(s);
        let (mut limits, store) = super::media_store::chunked_limits(s);
        limits.max_file_bytes = limits.max_file_bytes.max(whole.max_file_bytes);
        let mut store_media = super::media_store::MediaStore::default();
        let by = r.media.uploaded_by.clone().unwrap_or_default();
        for f in &r.media.files {
            let bytes = media(&f.sha256).ok_or_else(|| format!("media {} missing", f.sha256))?;
            let file = from_local(&f.identity, &f.name, &f.ext, &f.mime, bytes, &limits)
                .map_err(|e| format!("media {}: {}", f.identity, e.as_str()))?;
            if file.sha256() != f.sha256 {
                return Err(format!("media {}: bytes do not match", f.identity));
            }
            store_media
                .put(file, &by, f.updated_at, store)
                .map_err(|e| format!("media {}: {}", f.identity, e.as_str()))?;
        }
        let m = r.media;
        let lock = m.upload_in_progress.then(|| {
            (
                m.upload_total,
                m.upload_started_at,
                m.upload_started_by.unwrap_or_default(),
            )
        });
        store_media.restore_meta(m.updated_at, m.uploaded_by, lock);
        for u in m.uploads {
            // An upload whose chunks are not all there starts over (it is dropped).
            if let Some(p) = partial_from(u, &limits, media) {
                store_media.uploads.restore(p);
            }
        }
        let cm = Value::from(r.control_mode);
        Ok(Room {
            code,
            name: r.session_name,
            control_mode: control_mode(Some(&cm)),
            host_client_id: r.host_client_id,
            password,
            members,
            subscribers: Vec::new(),
            state,
            state_revision: r.state_revision,
            state_updated_at: r.state_updated_at,
            pack,
            media: store_media,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}
