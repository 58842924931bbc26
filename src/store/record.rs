//! The records the store keeps: plain serde data, independent of the relay core's types.
//!
//! A room is stored as one JSON document `{"v":1,"sum":"<sha256>", ...RoomRecord}`.
//! The version lets a later format be told apart: a row whose `v` is not
//! [`FORMAT_VERSION`] is skipped on load, never guessed at. `sum` is the SHA-256 of
//! the record's own JSON (serde_json's output for [`RoomRecord`], which is
//! deterministic): redb's file format does not checksum values, and a damaged byte
//! that still reads as JSON (a digit, a letter of a name) must not load as a different
//! room. On load the record is encoded again and hashed, so any change of meaning is
//! caught. Times are milliseconds since the Unix epoch, as the relay
//! keeps them.

use serde::{Deserialize, Serialize};

use super::{DroppedMedia, Loaded, Skipped};
use crate::validate::digest::{is_sha256_hex, sha256_hex};

/// The version written in every room record (`"v"`).
pub const FORMAT_VERSION: u64 = 1;

/// A room as stored: everything the relay needs to bring it back after a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomRecord {
    /// The normalized session code (`XXXX-XXXX`); also the record's key.
    pub code: String,
    /// Session name.
    pub session_name: String,
    /// `host-only` or `shared-pause`.
    pub control_mode: String,
    /// The host's client id.
    pub host_client_id: String,
    /// The password hash as the relay keeps it (`"<saltHex>:<keyHex>"`); never the password.
    pub password_hash: Option<String>,
    /// Creation time.
    pub created_at: u64,
    /// Last mutation (drives the idle TTL).
    pub updated_at: u64,
    /// Host first, then join order.
    pub members: Vec<MemberRecord>,
    /// The host's last session state, as raw JSON text.
    pub session_state: Option<String>,
    /// State revision; a restored room carries it on.
    pub state_revision: u64,
    /// When the state was set.
    pub state_updated_at: u64,
    /// The published session pack.
    pub pack: Option<PackRecord>,
    /// The online media manifest (bytes are stored apart, by SHA-256).
    pub media: MediaRecord,
}

/// A member who may come back (resume).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// Client id.
    pub client_id: String,
    /// Host or participant.
    pub role: MemberRole,
    /// Display name.
    pub display_name: String,
    /// `ready | missing | connecting | downloading`.
    pub sync_state: String,
    /// Lowercase hex SHA-256 of the member's resume token (the token is never stored).
    pub resume_token_hash: String,
    /// Whether the member had a live connection when the record was written.
    pub connected: bool,
}

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// The room's host.
    Host,
    /// A participant.
    Participant,
}

/// A published pack: the canonical text and its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackRecord {
    /// The canonical JSON, as served to participants.
    pub canonical_json: String,
    /// Its SHA-256, lowercase hex.
    pub hash: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was published.
    pub updated_at: u64,
    /// The client id that published it.
    pub uploaded_by: String,
    /// Images counted in the pack.
    pub images_count: u64,
    /// Media references counted in the pack.
    pub media_refs_count: u64,
}

/// The online media of a room: the manifest and the upload state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaRecord {
    /// The files, in manifest order.
    pub files: Vec<MediaFileRecord>,
    /// Last change of the manifest (part of the start-gate fingerprint).
    pub updated_at: u64,
    /// Who uploaded last.
    pub uploaded_by: Option<String>,
    /// Whether an upload is in progress.
    pub upload_in_progress: bool,
    /// Files announced for the upload in progress.
    pub upload_total: u64,
    /// When the upload started.
    pub upload_started_at: u64,
    /// Who started it.
    pub upload_started_by: Option<String>,
    /// Unfinished chunked uploads (our `media-chunks` extension); left out when there
    /// are none, so records without them keep their bytes and checksum.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uploads: Vec<UploadRecord>,
}

/// An unfinished chunked upload: the file as announced and the verified chunks held,
/// each stored as media under its own SHA-256 (written once, atomically, like any
/// media file), so a restarted relay goes on from where the upload stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// The identity announced.
    pub identity: String,
    /// File name.
    pub name: String,
    /// Extension.
    pub ext: String,
    /// MIME type.
    pub mime: String,
    /// The announced size.
    pub size: u64,
    /// The announced SHA-256 of the whole file (the upload's id).
    pub sha256: String,
    /// The SHA-256 of each chunk held, in order; their bytes are the file's prefix.
    pub chunks: Vec<String>,
    /// Last chunk or announcement.
    pub touched: u64,
}

/// One media file of the manifest; its bytes are stored under `sha256`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFileRecord {
    /// The identity the host gave it.
    pub identity: String,
    /// File name.
    pub name: String,
    /// Extension (whitelisted).
    pub ext: String,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, lowercase hex: the storage key.
    pub sha256: String,
    /// When it was uploaded.
    pub updated_at: u64,
}

#[derive(Deserialize)]
struct Header {
    v: Option<u64>,
    sum: Option<String>,
}

/// The stored bytes of `room`: `{"v":1,"sum":"<hex>",` then the record's own fields.
///
/// # Errors
/// [`super::StoreError::Encode`] if serde_json refuses the record.
pub fn encode(room: &RoomRecord) -> Result<Vec<u8>, super::StoreError> {
    let body = serde_json::to_vec(room)?;
    let fields = body.strip_prefix(b"{").ok_or_else(|| {
        <serde_json::Error as serde::ser::Error>::custom("a record is not a JSON object")
    })?;
    let head = format!(r#"{{"v":{FORMAT_VERSION},"sum":"{}","#, sha256_hex(&body));
    let mut out = Vec::with_capacity(head.len() + fields.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(fields);
    Ok(out)
}

/// The room stored under `key`, or why it cannot be loaded.
///
/// # Errors
/// A reason (for [`Skipped`]) when the bytes are not JSON, carry another version,
/// miss a field, do not match their checksum, or name another code than their key.
pub fn decode(key: &str, bytes: &[u8]) -> Result<RoomRecord, String> {
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| format!("not a room record: {e}"))?;
    match header.v {
        Some(FORMAT_VERSION) => {}
        Some(v) => return Err(format!("record version {v}, expected {FORMAT_VERSION}")),
        None => return Err("record without a version".to_owned()),
    }
    let room: RoomRecord =
        serde_json::from_slice(bytes).map_err(|e| format!("bad room record: {e}"))?;
    let body = serde_json::to_vec(&room).map_err(|e| format!("bad room record: {e}"))?;
    if header.sum.as_deref() != Some(sha256_hex(&body).as_str()) {
        return Err("record does not match its checksum (damaged bytes)".to_owned());
    }
    if room.code != key {
        return Err(format!(
            "record of room {:?} stored under {key:?}",
            room.code
        ));
    }
    Ok(room)
}

/// A stored row: its key and its bytes, or why they could not be read.
pub(crate) type Row = (String, Result<Vec<u8>, String>);

/// Decodes stored rows and drops media whose bytes are not there.
///
/// `rows` yields each key with its bytes (or the error reading them); `has_media(sha256,
/// size)` says whether the store holds that file at that size. A room that does not
/// decode is skipped whole. A room whose media file is missing is loaded without that
/// file (reported in [`Loaded::dropped_media`]) and its `media.updated_at` moves on by
/// one, so that every participant's start-gate fingerprint changes and nobody starts on
/// a copy the relay can no longer serve; the host can upload the file again.
pub(crate) fn load_rows(
    rows: impl IntoIterator<Item = Row>,
    mut has_media: impl FnMut(&str, u64) -> bool,
) -> Loaded {
    let mut loaded = Loaded::default();
    for (key, bytes) in rows {
        let room = bytes.and_then(|b| decode(&key, &b));
        let mut room = match room {
            Ok(room) => room,
            Err(reason) => {
                loaded.skipped.push(Skipped { key, reason });
                continue;
            }
        };
        let before = room.media.files.len();
        room.media.files.retain(|f| {
            let reason = if !is_sha256_hex(&f.sha256) {
                "invalid sha256 key"
            } else if !has_media(&f.sha256, f.size) {
                "file missing or of the wrong size"
            } else {
                return true;
            };
            loaded.dropped_media.push(DroppedMedia {
                room: room.code.clone(),
                identity: f.identity.clone(),
                sha256: f.sha256.clone(),
                reason: reason.to_owned(),
            });
            false
        });
        if room.media.files.len() != before {
            room.media.updated_at = room.media.updated_at.saturating_add(1);
        }
        loaded.rooms.push(room);
    }
    loaded
}
