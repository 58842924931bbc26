//! Applying what the relay says: replies to requests and pushed events.

use super::replies;
use super::state::{MediaSummary, PlaybackRequest, Role, Status};
use super::{ClientCore, FetchedPack, Manifest, OpValue, Purpose, Reply};
use crate::error::{Code, SyncError};
use crate::protocol::RawJson;
use crate::protocol::{Action, RoomEvent, RoomSnapshot};
use crate::validate::media::{verify_download, MediaLimits};
use crate::validate::pack::verify_pack_text;
use serde_json::json;
use serde_json::{Map, Value};

type Outcome = Result<RawJson, SyncError>;

impl ClientCore {
    /// Copies a room snapshot of our session into the state.
    pub(super) fn apply_snapshot(&mut self, snap: &RoomSnapshot) {
        if snap.session_code != self.state.session_code {
            return;
        }
        let s = &mut self.state;
        s.session_name = snap.session_name.clone();
        s.control_mode = snap.control_mode.clone();
        s.host_client_id = snap.host_client_id.clone();
        s.participants_count = snap.participants_count;
        s.participant_ids = snap.participant_ids.clone();
        s.participant_profiles = snap.participant_profiles.clone();
        s.participant_sync_states = snap.participant_sync_states.clone();
        s.session_pack_meta = snap.session_pack_meta.clone();
        s.session_media_meta = snap.session_media_meta.as_ref().map(|m| MediaSummary {
            files_count: m.files_count,
            total_bytes: m.total_bytes,
            updated_at: m.updated_at,
            uploaded_by: m.uploaded_by.clone(),
            upload_in_progress: m.upload_in_progress,
        });
        if let Some(st) = &snap.session_state {
            if s.shared_session_state.is_none()
                || snap.session_state_revision > s.shared_session_state_revision
            {
                s.shared_session_state = Some(st.clone());
                s.shared_session_state_revision = snap.session_state_revision;
            }
        }
        self.dirty = true;
        self.refresh_gate();
    }

    /// Applies a host state carrying its `revision`; an older revision is ignored.
    fn apply_shared_state(&mut self, state: Map<String, Value>) {
        let rev = state.get("revision").and_then(Value::as_u64).unwrap_or(0);
        if rev >= self.state.shared_session_state_revision {
            self.state.shared_session_state_revision = rev;
            self.state.shared_session_state = Some(state);
            self.dirty = true;
        }
    }

    pub(super) fn on_event(&mut self, raw: &str, now: u64) {
        let Ok(ev) = RoomEvent::from_json(raw) else {
            return;
        };
        let in_session = matches!(self.state.status, Status::Hosting | Status::Joined);
        if !in_session || ev.session_code != self.state.session_code {
            return;
        }
        match ev.kind.as_str() {
            "room-updated" => {
                if let Some(snap) = &ev.snapshot {
                    self.apply_snapshot(snap);
                }
            }
            "room-closed" => {
                let err = match ev.source.as_deref() {
                    Some("host-left") => Code::HostDisconnected,
                    Some("ttl-expired") => Code::SessionExpired,
                    _ => Code::SessionClosed,
                };
                self.end_session(err.as_str());
            }
            "session-state-updated" => {
                let Some(state) = ev.state else { return };
                if ev.source.as_deref() == Some("shared-playback-request") {
                    let get = |k: &str| {
                        state
                            .get(k)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    self.state.shared_playback_request = Some(PlaybackRequest {
                        request_type: get("requestType"),
                        is_playing: state
                            .get("isPlaying")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        source_client_id: get("sourceClientId"),
                        updated_at: state
                            .get("updatedAt")
                            .and_then(Value::as_u64)
                            .unwrap_or(now),
                    });
                    self.dirty = true;
                } else {
                    self.apply_shared_state(state);
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_reply(&mut self, purpose: Purpose, outcome: Outcome, now: u64) {
        match purpose {
            Purpose::Op(op, reply) => {
                let result = self.read_reply(reply, outcome);
                self.finish(op, result);
            }
            Purpose::Download(op, step) => self.download_reply(op, step, outcome, now),
            Purpose::Silent => {}
            Purpose::Resume => match outcome.and_then(|r| replies::snapshot(&r)) {
                Ok(snap) => {
                    self.apply_snapshot(&snap);
                    self.set_error("");
                }
                Err(e) if e.is(Code::NotJoined) && self.state.role == Role::Participant => {
                    let p = self.join_payload(&self.state.session_code.clone());
                    self.request(Action::JoinRoom, p, Purpose::Rejoin, now);
                }
                Err(e) if e.is(Code::NotJoined) => self.end_session(Code::SessionNotFound.as_str()),
                Err(e) if e.is(Code::TransportUnavailable) => {}
                Err(e) => self.end_session(&e.code()),
            },
            Purpose::Rejoin => match outcome.and_then(|r| replies::snapshot(&r)) {
                Ok(snap) => {
                    self.apply_snapshot(&snap);
                    self.set_error("");
                }
                Err(e) if e.is(Code::TransportUnavailable) => {}
                Err(e) => self.end_session(&e.code()),
            },
        }
    }

    /// After a reconnect: checks the session still exists (a participant rejoins).
    pub(super) fn resume(&mut self, now: u64) {
        if matches!(self.state.status, Status::Hosting | Status::Joined) {
            let p = json!({ "sessionCode": self.state.session_code });
            self.request(Action::GetRoomSnapshot, p, Purpose::Resume, now);
        }
    }

    fn entered(
        &mut self,
        outcome: Outcome,
        status: Status,
        role: Role,
    ) -> Result<OpValue, SyncError> {
        let snap = outcome.and_then(|r| replies::snapshot(&r));
        if self.state.status != Status::Connecting {
            // Left (or failed) while the request was in flight.
            return snap.and(Err(Code::TransferCancelled.into()));
        }
        match snap {
            Ok(snap) => {
                self.state.status = status;
                self.state.role = role;
                self.state.last_error.clear();
                self.state.session_code = snap.session_code.clone();
                self.apply_snapshot(&snap);
                Ok(OpValue::None)
            }
            Err(e) => {
                self.end_session(&e.code());
                Err(e)
            }
        }
    }

    fn read_reply(&mut self, reply: Reply, outcome: Outcome) -> Result<OpValue, SyncError> {
        match reply {
            Reply::Host => self.entered(outcome, Status::Hosting, Role::Host),
            Reply::Join => self.entered(outcome, Status::Joined, Role::Participant),
            Reply::Leave => Ok(OpValue::None),
            Reply::Snapshot => {
                let snap = replies::snapshot(&outcome?)?;
                self.apply_snapshot(&snap);
                Ok(OpValue::None)
            }
            Reply::PublishPack => {
                let snap = replies::snapshot(&outcome?)?;
                self.apply_snapshot(&snap);
                snap.session_pack_meta
                    .map(OpValue::PackMeta)
                    .ok_or_else(|| Code::RequestFailed.into())
            }
            Reply::State => {
                let state = replies::object(&outcome?)?;
                if self.state.role == Role::Host {
                    self.apply_shared_state(state.clone());
                }
                Ok(OpValue::SessionState(state))
            }
            Reply::FetchPack => self.read_pack(&outcome?).map(OpValue::Pack),
            Reply::Manifest => match outcome {
                Ok(raw) => replies::manifest(&raw).map(OpValue::Manifest),
                Err(e) if e.is(Code::SessionMediaNotFound) => {
                    Ok(OpValue::Manifest(Manifest::default()))
                }
                Err(e) => Err(e),
            },
            Reply::File(identity) => {
                let file = replies::file(&outcome?)?;
                let limits = self.media_limits();
                verify_download(file.as_ref(), &identity, None, &limits)
                    .map(OpValue::MediaFile)
                    .map_err(Into::into)
            }
        }
    }

    pub(super) fn media_limits(&self) -> MediaLimits {
        MediaLimits {
            max_file_bytes: self.settings.max_media_file_bytes,
            max_total_bytes: self.settings.max_media_total_bytes,
        }
    }

    /// Reads a `getSessionPack` result, hashing the pack's raw bytes.
    fn read_pack(&mut self, raw: &RawJson) -> Result<FetchedPack, SyncError> {
        let r = replies::pack(raw)?;
        let text = r.pack.get();
        if text.len() > self.settings.max_pack_text_bytes {
            return Err(Code::SessionPackTooLarge.into());
        }
        if !text.starts_with('{') {
            return Err(Code::InvalidSessionPack.into());
        }
        verify_pack_text(text, &r.hash)?;
        let hash = r.hash.to_ascii_lowercase();
        self.gate.fetched = Some((hash.clone(), r.updated_at));
        Ok(FetchedPack {
            pack_json: text.to_string(),
            hash,
            updated_at: r.updated_at,
            size: r.size,
        })
    }
}
