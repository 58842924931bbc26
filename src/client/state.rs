//! The client's state as the host app sees it: plain data, camelCase on the JS side.

use crate::protocol::{OrderedMap, PackMeta};
use serde::Serialize;
use serde_json::{Map, Value};

/// `idle -> connecting -> hosting | joined -> idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not in a session.
    #[default]
    Idle,
    /// Opening or joining a session.
    Connecting,
    /// Hosting a session.
    Hosting,
    /// In a session as a participant.
    Joined,
}

/// `none | host | participant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Not in a session.
    #[default]
    None,
    /// The session's host.
    Host,
    /// A participant.
    Participant,
}

/// The session's online media, as the client keeps it (no upload-lock fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MediaSummary {
    /// Files online.
    pub files_count: u64,
    /// Bytes online.
    pub total_bytes: u64,
    /// Last media change, relay ms.
    pub updated_at: u64,
    /// Who changed it.
    pub uploaded_by: Option<String>,
    /// The host holds the upload lock: participants' media reads wait until it is released.
    pub upload_in_progress: bool,
}

/// Where a media download stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DownloadState {
    /// No download yet.
    #[default]
    Idle,
    /// Reading the manifest.
    Manifest,
    /// Fetching files.
    Downloading,
    /// Every file downloaded and verified (or the session has no media).
    Done,
    /// The download failed or was incomplete.
    Error,
}

/// Media download progress; changes at least once per file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MediaDownload {
    /// Where it stands.
    pub state: DownloadState,
    /// Files downloaded and verified.
    pub files_done: usize,
    /// Files in the manifest.
    pub files_total: usize,
    /// Bytes downloaded and verified, cache hits and resumed bytes included; moves
    /// with every chunk on a `media-chunks` relay.
    pub bytes_done: u64,
    /// Bytes of file content received over the network in this download.
    pub bytes_fetched: u64,
    /// Bytes in the manifest.
    pub bytes_total: u64,
    /// Files that failed verification and were skipped.
    pub files_skipped: usize,
    /// The file being fetched, `""` when none.
    pub current_identity: String,
}

/// Progress of the host's current media upload (`publishSessionMediaFile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MediaUpload {
    /// The file being published, `""` when none.
    pub identity: String,
    /// Bytes the relay holds of it (moves with every chunk on a `media-chunks` relay).
    pub bytes_done: u64,
    /// Its size.
    pub bytes_total: u64,
}

/// Whether a participant may start the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StartGate {
    /// `true` while the local copy does not match what the host published.
    pub blocked: bool,
    /// `"pack-not-validated"` when blocked, `""` otherwise.
    pub reason: String,
    /// The current fingerprint, `""` when no pack is published.
    pub fingerprint: String,
    /// The fingerprint last validated, `""` when none.
    pub validated_fingerprint: String,
}

/// A participant's request to pause or play, as the host receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaybackRequest {
    /// `pause` or `play`.
    pub request_type: String,
    /// `false` for pause, `true` for play.
    pub is_playing: bool,
    /// Who asked.
    pub source_client_id: String,
    /// When the relay passed it on, relay ms.
    pub updated_at: u64,
}

/// Everything the host app renders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientState {
    /// Session status.
    pub status: Status,
    /// Role in the session.
    pub role: Role,
    /// This client's id.
    pub client_id: String,
    /// Normalized session code, `""` when idle.
    pub session_code: String,
    /// Session name.
    pub session_name: String,
    /// `host-only` or `shared-pause`.
    pub control_mode: String,
    /// The host's client id.
    pub host_client_id: String,
    /// Members, host included.
    pub participants_count: usize,
    /// Members: host first, then join order.
    pub participant_ids: Vec<String>,
    /// Display name per member.
    pub participant_profiles: OrderedMap<String>,
    /// Sync state per member.
    pub participant_sync_states: OrderedMap<String>,
    /// The host's last published state (timer, image, mode), or null.
    pub shared_session_state: Option<Map<String, Value>>,
    /// Its revision.
    pub shared_session_state_revision: u64,
    /// The last shared pause/play request a participant sent (shared-pause rooms).
    pub shared_playback_request: Option<PlaybackRequest>,
    /// The published pack, or null.
    pub session_pack_meta: Option<PackMeta>,
    /// The online media, or null.
    pub session_media_meta: Option<MediaSummary>,
    /// The last error code, `""` when none.
    pub last_error: String,
    /// Media download progress.
    pub media_download: MediaDownload,
    /// Media upload progress (host).
    pub media_upload: MediaUpload,
    /// The start gate.
    pub start_gate: StartGate,
    /// `false` while the relay reports the host away (its grace); `true` otherwise,
    /// and outside a session.
    pub host_connected: bool,
}

impl Default for ClientState {
    fn default() -> Self {
        ClientState {
            status: Status::default(),
            role: Role::default(),
            client_id: String::new(),
            session_code: String::new(),
            session_name: String::new(),
            control_mode: String::new(),
            host_client_id: String::new(),
            participants_count: 0,
            participant_ids: Vec::new(),
            participant_profiles: OrderedMap::default(),
            participant_sync_states: OrderedMap::default(),
            shared_session_state: None,
            shared_session_state_revision: 0,
            shared_playback_request: None,
            session_pack_meta: None,
            session_media_meta: None,
            last_error: String::new(),
            media_download: MediaDownload::default(),
            media_upload: MediaUpload::default(),
            start_gate: StartGate::default(),
            host_connected: true,
        }
    }
}
