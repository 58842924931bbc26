//! The host app's commands: validate locally, then send one request.

use super::state::{Role, Status};
use super::{ClientCore, OpId, OpValue, Purpose, Reply};
use crate::error::{Code, SyncError};
use crate::protocol::Action;
use crate::validate::media::{from_local, MediaLimits};
use crate::validate::pack::validate_pack;
use crate::validate::SessionCode;
use crate::RelaySettings;
use serde_json::json;
use serde_json::{Map, Value};

/// Options of [`ClientCore::host_session`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostOptions {
    /// The code to use; generated when `None` or empty.
    pub session_code: Option<String>,
    /// Session name (the relay defaults it).
    pub session_name: String,
    /// `host-only` or `shared-pause`.
    pub control_mode: String,
    /// Optional password.
    pub password: String,
    /// The host's display name.
    pub display_name: String,
}

/// Options of [`ClientCore::join_session`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JoinOptions {
    /// The code to join.
    pub session_code: String,
    /// The password, if the session has one.
    pub password: String,
    /// The participant's display name.
    pub display_name: String,
}

/// Changes of [`ClientCore::update_session_meta`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetaPatch {
    /// New session name.
    pub session_name: Option<String>,
    /// New control mode.
    pub control_mode: Option<String>,
}

/// A local file the host publishes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalMediaFile {
    /// Media identity (`^[A-Za-z0-9:_-]{1,128}$`).
    pub identity: String,
    /// File name.
    pub name: String,
    /// Extension (`jpg jpeg png webp mp4 webm`).
    pub ext: String,
    /// MIME type (empty: the extension's).
    pub mime: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl ClientCore {
    fn in_session(&self) -> Result<String, SyncError> {
        match self.state.status {
            Status::Hosting | Status::Joined => Ok(self.state.session_code.clone()),
            _ => Err(Code::NotJoined.into()),
        }
    }

    /// Runs `f` with the session code, or completes `op` with `not-joined`.
    fn with_session(&mut self, op: OpId, f: impl FnOnce(&mut Self, String)) {
        match self.in_session() {
            Ok(code) => f(self, code),
            Err(e) => self.finish(op, Err(e)),
        }
    }

    fn begin(&mut self, op: OpId, code: Result<SessionCode, Code>) -> Option<SessionCode> {
        if self.state.status != Status::Idle {
            self.finish(op, Err(Code::AlreadyJoined.into()));
            return None;
        }
        match code {
            Ok(code) => {
                self.state.status = Status::Connecting;
                self.state.last_error.clear();
                self.state.session_code = code.to_string();
                self.dirty = true;
                Some(code)
            }
            Err(c) => {
                self.set_error(c.as_str());
                self.finish(op, Err(c.into()));
                None
            }
        }
    }

    /// Opens a session as its host. The code is validated before any transport call;
    /// with none given, one is generated from `random`.
    pub fn host_session(&mut self, op: OpId, opts: HostOptions, random: [u8; 8], now: u64) {
        let code = match opts.session_code.as_deref().map(str::trim) {
            None | Some("") => Ok(SessionCode::generate(random)),
            Some(raw) => SessionCode::parse(raw),
        };
        let Some(code) = self.begin(op, code) else {
            return;
        };
        self.password = opts.password.clone();
        self.display_name = opts.display_name.clone();
        let mut p = json!({ "sessionCode": code.as_str(), "hostClientId": self.state.client_id, "sessionName": opts.session_name, "controlMode": opts.control_mode, "hostDisplayName": opts.display_name });
        if !opts.password.is_empty() {
            p["password"] = opts.password.into();
        }
        self.request(Action::CreateRoom, p, Purpose::Op(op, Reply::Host), now);
    }

    /// Joins a session by code.
    pub fn join_session(&mut self, op: OpId, opts: JoinOptions, now: u64) {
        let Some(code) = self.begin(op, SessionCode::parse(&opts.session_code)) else {
            return;
        };
        self.password = opts.password;
        self.display_name = opts.display_name;
        let p = self.join_payload(code.as_str());
        self.request(Action::JoinRoom, p, Purpose::Op(op, Reply::Join), now);
    }

    /// Comes back into a session with a resume token (after a page reload): same
    /// client id, same role. The token's code is only read to route; a malformed
    /// token, or a relay without the extension, completes `op` with
    /// `session-expired` (a malformed one without any network call).
    ///
    /// Decision: the client learns whether the relay negotiated from a
    /// `getRoomSnapshot` of the token's code sent after the hello (our relay answers
    /// the hello first), so a deployed relay never sees `resumeSession`.
    pub fn resume_session(&mut self, op: OpId, token: &str, now: u64) {
        use crate::protocol::extensions::token_session_code;
        let code = token_session_code(token)
            .and_then(|c| SessionCode::parse(c).ok())
            .ok_or(Code::SessionExpired);
        let Some(code) = self.begin(op, code) else {
            return;
        };
        let p = json!({ "sessionCode": code.as_str() });
        let purpose = Purpose::ResumeProbe(op, token.to_string());
        self.request(Action::GetRoomSnapshot, p, purpose, now);
    }

    pub(super) fn join_payload(&self, code: &str) -> Value {
        let mut p = json!({ "sessionCode": code, "clientId": self.state.client_id, "participantName": self.display_name });
        if !self.password.is_empty() {
            p["password"] = self.password.clone().into();
        }
        p
    }

    /// Leaves the session: the state goes back to `idle` at once; the relay is told.
    /// A running media download ends with `transfer-cancelled`.
    pub fn leave_session(&mut self, op: OpId, now: u64) {
        match self.in_session() {
            Ok(code) => {
                self.end_session("");
                self.request(
                    Action::LeaveRoom,
                    json!({ "sessionCode": code }),
                    Purpose::Op(op, Reply::Leave),
                    now,
                );
            }
            Err(_) => self.finish(op, Ok(OpValue::None)),
        }
    }

    /// Host: changes the session name and/or control mode.
    pub fn update_session_meta(&mut self, op: OpId, patch: MetaPatch, now: u64) {
        self.with_session(op, |me, code| {
            let mut m = Map::new();
            if let Some(n) = patch.session_name {
                m.insert("sessionName".into(), n.into());
            }
            if let Some(c) = patch.control_mode {
                m.insert("controlMode".into(), c.into());
            }
            let p = json!({ "sessionCode": code, "patch": Value::Object(m) });
            me.request(Action::UpdateRoom, p, Purpose::Op(op, Reply::Snapshot), now);
        });
    }

    /// Host: publishes the timer/image state. Participants in a shared-pause room may
    /// send only a pause/play request (see [`ClientCore::request_shared_playback`]).
    pub fn publish_session_state(&mut self, op: OpId, state: Map<String, Value>, now: u64) {
        self.with_session(op, |me, code| {
            let p = json!({ "sessionCode": code, "payload": Value::Object(state) });
            me.request(
                Action::UpdateSessionState,
                p,
                Purpose::Op(op, Reply::State),
                now,
            );
        });
    }

    /// Participant in a shared-pause room: asks everyone to pause (`play = false`) or play.
    pub fn request_shared_playback(&mut self, op: OpId, play: bool, now: u64) {
        let (kind, reason) = if play {
            ("play", "shared-play-request")
        } else {
            ("pause", "shared-pause-request")
        };
        let state = json!({ "requestType": kind, "isPlaying": play, "reason": reason, "ts": now });
        let Value::Object(state) = state else { return };
        self.publish_session_state(op, state, now);
    }

    /// Sets this client's sync state (`connecting | downloading | ready | missing`).
    pub fn update_participant_state(&mut self, op: OpId, sync_state: &str, now: u64) {
        if !matches!(
            sync_state,
            "connecting" | "downloading" | "ready" | "missing"
        ) {
            self.finish(op, Err(Code::InvalidArgument.into()));
            return;
        }
        self.with_session(op, |me, code| {
            let p = json!({ "sessionCode": code, "syncState": sync_state });
            me.request(
                Action::UpdateParticipantState,
                p,
                Purpose::Op(op, Reply::Snapshot),
                now,
            );
        });
    }

    /// Sets this client's display name.
    pub fn update_participant_profile(&mut self, op: OpId, display_name: &str, now: u64) {
        self.with_session(op, |me, code| {
            me.display_name = display_name.to_string();
            let p = json!({ "sessionCode": code, "displayName": display_name });
            me.request(
                Action::UpdateParticipantProfile,
                p,
                Purpose::Op(op, Reply::Snapshot),
                now,
            );
        });
    }

    /// Host: publishes a session pack, validated locally with the relay's rules first.
    pub fn publish_session_pack(&mut self, op: OpId, pack: Value, now: u64) {
        self.with_session(op, |me, code| {
            if let Err(c) = validate_pack(Some(&pack), &RelaySettings::default(), now) {
                me.finish(op, Err(c.into()));
                return;
            }
            let p = json!({ "sessionCode": code, "pack": pack });
            me.request(
                Action::UploadSessionPack,
                p,
                Purpose::Op(op, Reply::PublishPack),
                now,
            );
        });
    }

    /// Fetches the published pack and verifies its hash.
    pub fn fetch_session_pack(&mut self, op: OpId, now: u64) {
        self.simple(op, Action::GetSessionPack, Reply::FetchPack, now);
    }

    /// Host: takes or releases the media upload lock.
    pub fn set_session_media_upload_status(
        &mut self,
        op: OpId,
        in_progress: bool,
        total: u64,
        now: u64,
    ) {
        self.with_session(op, |me, code| {
            let p = json!({ "sessionCode": code, "inProgress": in_progress, "total": total });
            me.request(
                Action::SetSessionMediaUploadStatus,
                p,
                Purpose::Op(op, Reply::Snapshot),
                now,
            );
        });
    }

    /// Host: empties the session's online media.
    pub fn reset_session_media_pack(&mut self, op: OpId, now: u64) {
        self.simple(op, Action::ResetSessionMediaPack, Reply::Snapshot, now);
    }

    /// Host: publishes one media file; size and SHA-256 are computed here. On a
    /// `media-chunks` relay it goes in chunks (files up to `max_chunked_file_bytes`,
    /// nothing sent when the relay already holds the content); otherwise as one
    /// base64 message, as deployed. Completes with [`OpValue::Published`].
    pub fn publish_session_media_file(&mut self, op: OpId, file: LocalMediaFile, now: u64) {
        self.with_session(op, |me, code| {
            let s = &me.settings;
            let limits = if me.chunks {
                MediaLimits {
                    max_file_bytes: s.max_chunked_file_bytes,
                    max_total_bytes: s.max_chunked_total_bytes,
                }
            } else {
                MediaLimits {
                    max_file_bytes: s.max_media_file_bytes,
                    max_total_bytes: s.max_media_total_bytes,
                }
            };
            let f = match from_local(
                &file.identity,
                &file.name,
                &file.ext,
                &file.mime,
                file.bytes,
                &limits,
            ) {
                Ok(f) => f,
                Err(c) => return me.finish(op, Err(c.into())),
            };
            if me.chunks {
                return me.start_upload(op, f, now);
            }
            let (size, sha256) = (f.size() as u64, f.sha256().to_string());
            let up = &mut me.state.media_upload;
            up.identity = f.identity().to_string();
            up.bytes_done = 0;
            up.bytes_total = size;
            me.dirty = true;
            let file = json!({ "identity": f.identity(), "name": f.name(), "ext": f.ext(), "mime": f.mime(), "size": f.size(), "sha256": f.sha256(), "dataBase64": crate::validate::media::to_base64(f.bytes()) });
            let p = json!({ "sessionCode": code, "file": file });
            let build = |id: &str| {
                crate::protocol::request_frame(id, Action::UploadSessionMediaFile, &p)
            };
            let purpose = Purpose::Op(op, Reply::Published(size, sha256));
            me.request_slow(build, purpose, now, size / 3 * 4);
        });
    }

    /// Fetches the media manifest; a session without media gives an empty one.
    pub fn fetch_session_media_manifest(&mut self, op: OpId, now: u64) {
        self.simple(op, Action::GetSessionMediaManifest, Reply::Manifest, now);
    }

    /// Fetches one media file by identity and verifies its size and SHA-256.
    pub fn fetch_session_media_file(&mut self, op: OpId, identity: &str, now: u64) {
        self.with_session(op, |me, code| {
            let p = json!({ "sessionCode": code, "identity": identity });
            me.request(
                Action::GetSessionMediaFile,
                p,
                Purpose::Op(op, Reply::File(identity.to_string())),
                now,
            );
        });
    }

    /// Validates the current pack and media as the local copy: clears the start gate
    /// and tells the room this participant is `ready`.
    pub fn confirm_local_copy(&mut self, now: u64) {
        if self.state.role == Role::Participant && self.state.status == Status::Joined {
            self.gate.validated = self.state.start_gate.fingerprint.clone();
            self.refresh_gate();
            let p = json!({ "sessionCode": self.state.session_code, "syncState": "ready" });
            self.request(Action::UpdateParticipantState, p, Purpose::Silent, now);
        }
    }

    fn simple(&mut self, op: OpId, action: Action, reply: Reply, now: u64) {
        self.with_session(op, |me, code| {
            me.request(
                action,
                json!({ "sessionCode": code }),
                Purpose::Op(op, reply),
                now,
            );
        });
    }
}
