//! One room: its members, subscribers, session state, pack and media.

use super::media_store::MediaStore;
use super::password::PasswordHash;
use super::ConnId;
use crate::protocol::{PackMeta, RoomSnapshot};
use crate::validate::js::{cut_utf16, js_lower_case, utf16_len};
use crate::validate::SessionCode;
use serde_json::{Map, Value};

/// A member of a room: the host or a participant.
#[derive(Debug, Clone)]
pub struct Member {
    /// Client id bound to the connection.
    pub client_id: String,
    /// Display name, unique in the room (case-insensitively).
    pub name: String,
    /// `ready | missing | connecting | downloading`.
    pub sync_state: &'static str,
    /// The connection bound to this member (the last one, while disconnected).
    pub conn: ConnId,
    /// SHA-256 of the member's current resume token; `None` when none was issued
    /// (a deployed client) or it was used up.
    pub resume_token_hash: Option<[u8; 32]>,
    /// Whether a connection is bound to this member. A negotiated member whose
    /// connection dropped stays in the room, disconnected, until its grace ends or it
    /// resumes; a member restored from a data dir starts disconnected.
    pub connected: bool,
    /// When this member's grace ends (relay ms): set when its negotiated connection
    /// drops, cleared on resume. `None` while connected and for restored members (they
    /// have no grace timer; the room's idle TTL bounds them).
    pub grace_until: Option<u64>,
}

impl Member {
    /// A connected member bound to `conn`, without a resume token.
    pub fn new(client_id: String, name: String, sync_state: &'static str, conn: ConnId) -> Member {
        Member {
            client_id,
            name,
            sync_state,
            conn,
            resume_token_hash: None,
            connected: true,
            grace_until: None,
        }
    }
}

/// A published pack: its canonical text and metadata.
#[derive(Debug, Clone)]
pub struct StoredPack {
    /// The canonical JSON, placed verbatim in `getSessionPack` replies.
    pub text: crate::protocol::RawJson,
    /// Its metadata.
    pub meta: PackMeta,
}

/// One room.
#[derive(Debug, Clone)]
pub struct Room {
    /// The code.
    pub code: SessionCode,
    /// Session name.
    pub name: String,
    /// `host-only` or `shared-pause`.
    pub control_mode: &'static str,
    /// The host's client id.
    pub host_client_id: String,
    /// Salted hash of the password, if any.
    pub password: Option<PasswordHash>,
    /// Host first, then join order.
    pub members: Vec<Member>,
    /// Connections receiving the room's events, in subscription order.
    pub subscribers: Vec<ConnId>,
    /// The host's last state, whitelisted.
    pub state: Option<Map<String, Value>>,
    /// State revision.
    pub state_revision: u64,
    /// When the state was set.
    pub state_updated_at: u64,
    /// The published pack.
    pub pack: Option<StoredPack>,
    /// The online media.
    pub media: MediaStore,
    /// Creation time.
    pub created_at: u64,
    /// Last mutation (drives the TTL).
    pub updated_at: u64,
}

/// `controlMode` as the relay reads it: anything but `shared-pause` is `host-only`.
pub fn control_mode(v: Option<&Value>) -> &'static str {
    match v.and_then(Value::as_str) {
        Some("shared-pause") => "shared-pause",
        _ => "host-only",
    }
}

/// A participant sync state; unknown values become `missing`.
pub fn sync_state(v: Option<&Value>) -> &'static str {
    match v.and_then(Value::as_str) {
        Some("ready") => "ready",
        Some("connecting") => "connecting",
        Some("downloading") => "downloading",
        _ => "missing",
    }
}

impl Room {
    /// Whether `client_id` is the host.
    pub fn is_host(&self, client_id: &str) -> bool {
        self.host_client_id == client_id
    }

    /// Whether the host is connected (`hostConnected` of the snapshot).
    pub fn host_connected(&self) -> bool {
        self.members
            .iter()
            .find(|m| m.client_id == self.host_client_id)
            .is_none_or(|m| m.connected)
    }

    /// The room's grace deadline: the earliest `grace_until` of its members.
    pub fn grace_deadline(&self) -> Option<u64> {
        self.members.iter().filter_map(|m| m.grace_until).min()
    }

    /// The member with this client id.
    pub fn member_mut(&mut self, client_id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.client_id == client_id)
    }

    /// `wanted`, or `wanted 2` ... `wanted 999`, the first not taken case-insensitively by
    /// another member; the base is cut so the result stays within `max` UTF-16 units.
    pub fn unique_name(&self, wanted: &str, except: &str, max: usize) -> String {
        let taken = |n: &str| {
            let n = js_lower_case(n);
            self.members
                .iter()
                .any(|m| m.client_id != except && js_lower_case(&m.name) == n)
        };
        if !taken(wanted) {
            return wanted.to_string();
        }
        for i in 2..=999u32 {
            let suffix = format!(" {i}");
            let room = max.saturating_sub(utf16_len(&suffix));
            let candidate = format!("{}{suffix}", cut_utf16(wanted, room).trim_end());
            if !taken(&candidate) {
                return candidate;
            }
        }
        wanted.to_string()
    }

    /// Adds `conn` to the subscribers once.
    pub fn subscribe(&mut self, conn: ConnId) {
        if !self.subscribers.contains(&conn) {
            self.subscribers.push(conn);
        }
    }

    /// Removes `conn` from the subscribers.
    pub fn unsubscribe(&mut self, conn: ConnId) {
        self.subscribers.retain(|c| *c != conn);
    }

    /// The room snapshot.
    pub fn snapshot(&self) -> RoomSnapshot {
        RoomSnapshot {
            session_code: self.code.to_string(),
            session_name: self.name.clone(),
            control_mode: self.control_mode.to_string(),
            host_client_id: self.host_client_id.clone(),
            participant_ids: self.members.iter().map(|m| m.client_id.clone()).collect(),
            participant_profiles: self
                .members
                .iter()
                .map(|m| (m.client_id.clone(), m.name.clone()))
                .collect(),
            participant_sync_states: self
                .members
                .iter()
                .map(|m| (m.client_id.clone(), m.sync_state.to_string()))
                .collect(),
            participants_count: self.members.len(),
            session_state: self.state.clone(),
            session_state_revision: self.state_revision,
            session_state_updated_at: self.state_updated_at,
            session_pack_meta: self.pack.as_ref().map(|p| p.meta.clone()),
            session_media_meta: Some(self.media.meta()),
            created_at: self.created_at,
            updated_at: self.updated_at,
            host_connected: self.host_connected(),
        }
    }
}
