//! Applying what the relay says: replies to requests and pushed events.

use super::replies;
use super::state::{MediaSummary, PlaybackRequest, Role, Status};
use super::{ClientCore, FetchedPack, Manifest, OpValue, Purpose, Reply};
use crate::error::{Code, SyncError};
use crate::protocol::extensions::{self, resume_request_frame};
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
                    let connected = extensions::event_host_connected(raw);
                    self.set_host_connected(connected);
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
            Purpose::Upload(op, step) => self.upload_reply(op, step, outcome, now),
            Purpose::Silent => {}
            Purpose::Resume => match outcome.and_then(|r| replies::snapshot(&r)) {
                Ok(snap) => {
                    self.apply_snapshot(&snap);
                    self.set_error("");
                }
                Err(e) if e.is(Code::NotJoined) && self.can_resume() => {
                    let token = self.resume_token.clone();
                    let build = |id: &str| resume_request_frame(id, &token);
                    self.request_with(build, Purpose::AutoResume, now);
                }
                Err(e) if e.is(Code::NotJoined) && self.state.role == Role::Participant => {
                    let p = self.join_payload(&self.state.session_code.clone());
                    self.request(Action::JoinRoom, p, Purpose::Rejoin, now);
                }
                Err(e) if e.is(Code::NotJoined) => self.end_session(Code::SessionNotFound.as_str()),
                Err(e) if e.is(Code::TransportUnavailable) => {}
                Err(e) => self.end_session(&e.code()),
            },
            Purpose::ResumeProbe(op, token) => {
                let lost = matches!(&outcome, Err(e) if e.is(Code::TransportUnavailable));
                if self.state.status != Status::Connecting {
                    self.finish(op, Err(Code::TransferCancelled.into()));
                } else if lost {
                    self.end_session(Code::TransportUnavailable.as_str());
                    self.finish(op, Err(Code::TransportUnavailable.into()));
                } else if self.negotiated == Some(true) {
                    let build = |id: &str| resume_request_frame(id, &token);
                    self.request_with(build, Purpose::ResumeCmd(op), now);
                } else {
                    self.end_session(Code::SessionExpired.as_str());
                    self.finish(op, Err(Code::SessionExpired.into()));
                }
            }
            Purpose::ResumeCmd(op) => {
                let result = self.resumed(outcome);
                self.finish(op, result);
            }
            Purpose::AutoResume => match self.read_resume(outcome) {
                Ok(()) => self.set_error(""),
                Err(e) if e.is(Code::TransportUnavailable) => {}
                // The token is gone (its member's place expired, or a relay without
                // a data dir restarted): a participant still tries a plain rejoin,
                // as on a relay without resume; it ends on that reply's code.
                Err(e) if e.is(Code::SessionExpired) && self.state.role == Role::Participant => {
                    let p = self.join_payload(&self.state.session_code.clone());
                    self.request(Action::JoinRoom, p, Purpose::Rejoin, now);
                }
                Err(e) => self.end_session(&e.code()),
            },
            Purpose::Rejoin => match outcome.and_then(|raw| {
                let snap = replies::snapshot(&raw)?;
                Ok((snap, extensions::extras(raw.get())))
            }) {
                Ok((snap, ex)) => {
                    self.apply_snapshot(&snap);
                    // A rejoin on a relay of ours gets a new token for the new place.
                    self.resume_token = ex.resume_token.unwrap_or_default();
                    self.set_host_connected(ex.host_connected);
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

    /// Whether a reconnect may resume: the relay negotiated and we hold a token.
    fn can_resume(&self) -> bool {
        self.negotiated == Some(true) && !self.resume_token.is_empty()
    }

    pub(super) fn set_host_connected(&mut self, connected: Option<bool>) {
        if let Some(c) = connected {
            if c != self.state.host_connected {
                self.state.host_connected = c;
                self.dirty = true;
            }
        }
    }

    /// Reads a resume reply into the state: the snapshot, the new token, the
    /// member's client id and role. A reply without `clientId`/`role` keeps ours.
    fn read_resume(&mut self, outcome: Outcome) -> Result<(), SyncError> {
        let raw = outcome?;
        let snap = replies::snapshot(&raw)?;
        let ex = extensions::extras(raw.get());
        let role = match ex.role.as_deref() {
            Some("host") => Role::Host,
            Some("participant") => Role::Participant,
            None => self.state.role,
            Some(_) => return Err(Code::RequestFailed.into()),
        };
        if role == Role::None {
            return Err(Code::RequestFailed.into());
        }
        self.state.role = role;
        self.state.status = if role == Role::Host {
            Status::Hosting
        } else {
            Status::Joined
        };
        if let Some(id) = ex.client_id.filter(|id| !id.is_empty()) {
            self.state.client_id = id;
        }
        if let Some(token) = ex.resume_token {
            self.resume_token = token;
        }
        self.state.session_code = snap.session_code.clone();
        self.apply_snapshot(&snap);
        self.set_host_connected(ex.host_connected);
        Ok(())
    }

    /// The reply to a `resumeSession` command.
    fn resumed(&mut self, outcome: Outcome) -> Result<OpValue, SyncError> {
        if self.state.status != Status::Connecting {
            return outcome.and(Err(Code::TransferCancelled.into()));
        }
        match self.read_resume(outcome) {
            Ok(()) => {
                self.state.last_error.clear();
                Ok(OpValue::None)
            }
            Err(e) => {
                self.end_session(&e.code());
                Err(e)
            }
        }
    }

    fn entered(
        &mut self,
        outcome: Outcome,
        status: Status,
        role: Role,
    ) -> Result<OpValue, SyncError> {
        let ex = outcome
            .as_ref()
            .map(|r| extensions::extras(r.get()))
            .map_err(|_| ());
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
                if let Ok(ex) = ex {
                    self.resume_token = ex.resume_token.unwrap_or_default();
                    self.set_host_connected(ex.host_connected);
                }
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
            Reply::Published(size, sha256) => {
                let snap = replies::snapshot(&outcome?)?;
                self.apply_snapshot(&snap);
                self.state.media_upload.bytes_done = size;
                Ok(OpValue::Published {
                    uploaded_bytes: size,
                    size,
                    sha256,
                })
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
