//! The room snapshot and the events that carry it.

use super::OrderedMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The room as the relay shows it: the `result` of most actions and the
/// `snapshot` of `room-updated` / `room-closed` events. Field order is the
/// deployed relay's. Every field has a default so a relay that omits one is read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoomSnapshot {
    /// Normalized `XXXX-XXXX` code.
    pub session_code: String,
    /// Session name.
    pub session_name: String,
    /// `host-only` or `shared-pause`.
    pub control_mode: String,
    /// The host's client id.
    pub host_client_id: String,
    /// Members: host first, then join order.
    pub participant_ids: Vec<String>,
    /// Display name per member.
    pub participant_profiles: OrderedMap<String>,
    /// `ready | missing | connecting | downloading` per member.
    pub participant_sync_states: OrderedMap<String>,
    /// Members, host included.
    pub participants_count: usize,
    /// The host's last published state (no revision fields), or null.
    pub session_state: Option<Map<String, Value>>,
    /// Revision of the session state, incremented by the relay.
    pub session_state_revision: u64,
    /// When the state was last set, relay ms.
    pub session_state_updated_at: u64,
    /// The published pack, or null.
    pub session_pack_meta: Option<PackMeta>,
    /// The online media (never null from the relay).
    pub session_media_meta: Option<MediaMeta>,
    /// Room creation, relay ms.
    pub created_at: u64,
    /// Last mutation, relay ms (drives the idle TTL).
    pub updated_at: u64,
}

/// Metadata of a published session pack.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PackMeta {
    /// SHA-256 hex of the canonical pack text.
    pub hash: String,
    /// UTF-16 length of the canonical pack text.
    pub size: u64,
    /// Publish time, relay ms.
    pub updated_at: u64,
    /// The host's client id.
    pub uploaded_by: String,
    /// `session.imagesCount` of the pack.
    pub images_count: u64,
    /// Number of media refs in the pack.
    pub media_refs_count: u64,
}

/// Metadata of the session's online media, with the upload lock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaMeta {
    /// Files stored.
    pub files_count: u64,
    /// Bytes stored.
    pub total_bytes: u64,
    /// Last media mutation, relay ms (0 when never).
    pub updated_at: u64,
    /// Who changed the media last.
    pub uploaded_by: Option<String>,
    /// Whether the host holds the upload lock.
    pub upload_in_progress: bool,
    /// Files the host announced.
    pub upload_total: u64,
    /// When the lock was taken, relay ms.
    pub upload_started_at: u64,
    /// Who took the lock.
    pub upload_started_by: Option<String>,
}

/// The kinds of event a relay pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `room-updated`, with `snapshot`.
    RoomUpdated,
    /// `room-closed`, with the final `snapshot`.
    RoomClosed,
    /// `session-state-updated`, with `state`.
    SessionStateUpdated,
    /// `rtc-signal`.
    RtcSignal,
    /// `drawing-sync`.
    DrawingSync,
}

impl EventKind {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::RoomUpdated => "room-updated",
            EventKind::RoomClosed => "room-closed",
            EventKind::SessionStateUpdated => "session-state-updated",
            EventKind::RtcSignal => "rtc-signal",
            EventKind::DrawingSync => "drawing-sync",
        }
    }

    /// The kind with this wire name.
    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::RoomUpdated,
            EventKind::RoomClosed,
            EventKind::SessionStateUpdated,
            EventKind::RtcSignal,
            EventKind::DrawingSync,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A pushed event as the client reads it: `{type, source?, sessionCode, snapshot | state | ...}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoomEvent {
    /// The event type, e.g. `room-updated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What caused it, e.g. `participant-joined`.
    pub source: Option<String>,
    /// The room.
    pub session_code: String,
    /// For room events.
    pub snapshot: Option<RoomSnapshot>,
    /// For `session-state-updated`.
    pub state: Option<Map<String, Value>>,
    /// For `rtc-signal` / `drawing-sync`: the sender.
    pub source_client_id: Option<String>,
}
