//! The relay's action handlers: one function per action, run after the pipeline's checks
//! (the messages only passed between members are in `peer`).
//!
//! A handler validates everything before it changes anything, so a rejected
//! request leaves the room exactly as it was. Broadcasts are queued before the
//! reply, so the sender sees the event first, as with the deployed relay.

use super::hashing::{Derived, Step, Waiting};
use super::password::{self, PasswordHash};
use super::room::{control_mode, sync_state, Member, Room, StoredPack};
use super::{ConnId, RelayCore};
use crate::error::{Code, SyncError};
use crate::protocol::{to_raw, Action, PackMeta, RawJson, RoomSnapshot};
use crate::validate::js::{js_int_in, js_trim};
use crate::validate::pack::validate_pack;
use crate::validate::state::validate_state;
use crate::validate::text::{client_id, is_media_key, password, sanitize_text, sanitize_value};
use crate::validate::SessionCode;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

pub(super) type Payload = Map<String, Value>;
pub(super) type Reply = Result<RawJson, SyncError>;

const DEFAULT_SESSION_NAME: &str = "PoseChrono Session";
const DEFAULT_HOST_NAME: &str = "Hôte";
const DEFAULT_PARTICIPANT_NAME: &str = "Invité";

/// A `room-updated` / `room-closed` event object.
pub(super) fn room_event(kind: &str, source: &str, snapshot: &RoomSnapshot) -> RawJson {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Ev<'a> {
        r#type: &'a str,
        source: &'a str,
        session_code: &'a str,
        snapshot: &'a RoomSnapshot,
    }
    to_raw(&Ev {
        r#type: kind,
        source,
        session_code: &snapshot.session_code,
        snapshot,
    })
}

fn state_event(code: &SessionCode, source: &str, state: &Payload) -> RawJson {
    to_raw(
        &json!({ "type": "session-state-updated", "source": source, "sessionCode": code.as_str(), "state": Value::Object(state.clone()) }),
    )
}

/// Whether a JS value is truthy.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

impl RelayCore {
    pub(super) fn room(&mut self, code: &SessionCode) -> Result<&mut Room, SyncError> {
        self.rooms
            .get_mut(code)
            .ok_or_else(|| Code::SessionNotFound.into())
    }

    pub(super) fn host_room(
        &mut self,
        code: &SessionCode,
        client: &str,
    ) -> Result<&mut Room, SyncError> {
        let room = self.room(code)?;
        if !room.is_host(client) {
            return Err(Code::ForbiddenNotHost.into());
        }
        Ok(room)
    }

    /// Bumps the room's TTL clock, broadcasts `room-updated` with `source`, returns the snapshot.
    pub(super) fn updated(&mut self, code: &SessionCode, source: &str, now: u64) -> Reply {
        let room = self.room(code)?;
        room.updated_at = now;
        let snapshot = room.snapshot();
        self.broadcast(code, &room_event("room-updated", source, &snapshot));
        Ok(to_raw(&snapshot))
    }

    fn bind(&mut self, conn: ConnId, code: &SessionCode, client: &str) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.bindings.push((code.clone(), client.to_string()));
        }
        if let Some(room) = self.rooms.get_mut(code) {
            room.subscribe(conn);
        }
    }

    pub(super) fn create_room(
        &mut self,
        conn: ConnId,
        code: SessionCode,
        p: &Payload,
        now: u64,
        derived: Option<Derived>,
    ) -> Result<Step, SyncError> {
        if self.rooms.contains_key(&code) {
            return Err(Code::SessionAlreadyExists.into());
        }
        if self.room_limit_reached() {
            return Err(Code::ServerRoomLimit.into());
        }
        let host = client_id(p.get("hostClientId"), self.settings.max_client_id)
            .ok_or(Code::InvalidHostClientId)?;
        let pw = password(p.get("password"), self.settings.max_password)?;
        let password = match derived {
            Some(d) => Some(PasswordHash::from_key(d.salt_hex, d.key, d.log_n)),
            None if pw.is_empty() => None,
            None => {
                let log_n = self.settings.password_hash_log_n;
                let salt_hex = password::salt_hex(self.salt());
                let wait =
                    self.wait_for_hash(conn, Waiting::Create, &code, p, &pw, &salt_hex, log_n);
                if let Some(step) = wait? {
                    return Ok(step);
                }
                let key = password::derive(&pw, &salt_hex, log_n);
                Some(PasswordHash::from_key(salt_hex, key, log_n))
            }
        };
        let room = Room {
            code: code.clone(),
            name: sanitize_value(
                p.get("sessionName"),
                self.settings.max_session_name,
                DEFAULT_SESSION_NAME,
            ),
            control_mode: control_mode(p.get("controlMode")),
            host_client_id: host.clone(),
            password,
            members: vec![Member::new(
                host.clone(),
                sanitize_value(
                    p.get("hostDisplayName"),
                    self.settings.max_display_name,
                    DEFAULT_HOST_NAME,
                ),
                "ready",
                conn,
            )],
            subscribers: Vec::new(),
            state: None,
            state_revision: 0,
            state_updated_at: 0,
            pack: None,
            media: Default::default(),
            created_at: now,
            updated_at: now,
        };
        // Taken only now: a create that fails or waits for its hash holds none.
        if !self.take_room() {
            return Err(Code::ServerRoomLimit.into());
        }
        self.rooms.insert(code.clone(), room);
        let reply = self.updated(&code, "host-created", now);
        self.bind(conn, &code, &host);
        reply.map(|r| Step::Reply(self.with_token(conn, &code, &host, r)))
    }

    pub(super) fn join_room(
        &mut self,
        conn: ConnId,
        code: SessionCode,
        p: &Payload,
        now: u64,
        derived: Option<Derived>,
    ) -> Result<Step, SyncError> {
        let s = &self.settings;
        let (max_pw, max_id, max_members, max_name) = (
            s.max_password,
            s.max_client_id,
            s.max_participants,
            s.max_display_name,
        );
        let room = self.rooms.get(&code).ok_or(Code::SessionNotFound)?;
        let pw = password(p.get("password"), max_pw)?;
        if let Some(hash) = &room.password {
            if pw.is_empty() {
                return Err(Code::InvalidPassword.into());
            }
            let ok = match derived {
                // Derived for this room's salt (not for a room the code had before).
                Some(d) if d.salt_hex == hash.salt() && d.log_n == hash.log_n() => {
                    hash.matches(&d.key)
                }
                _ => {
                    let (salt, log_n) = (hash.salt(), hash.log_n());
                    let wait = self.wait_for_hash(conn, Waiting::Join, &code, p, &pw, salt, log_n);
                    if let Some(step) = wait? {
                        return Ok(step);
                    }
                    hash.verify(&pw)
                }
            };
            if !ok {
                self.record_wrong_password(conn, &code, now);
                return Err(Code::InvalidPassword.into());
            }
        }
        let room = self.room(&code)?;
        let id = client_id(p.get("clientId"), max_id).ok_or(Code::InvalidClientId)?;
        if room.is_host(&id) {
            return Err(Code::ForbiddenHostImpersonation.into());
        }
        if room.members.iter().any(|m| m.client_id == id) {
            return Err(Code::DuplicateClientId.into());
        }
        if room.members.len() >= max_members {
            return Err(Code::RoomFull.into());
        }
        let wanted = sanitize_value(p.get("participantName"), max_name, DEFAULT_PARTICIPANT_NAME);
        let name = room.unique_name(&wanted, &id, max_name);
        room.members
            .push(Member::new(id.clone(), name, "connecting", conn));
        let reply = self.updated(&code, "participant-joined", now);
        self.bind(conn, &code, &id);
        reply.map(|r| Step::Reply(self.with_token(conn, &code, &id, r)))
    }

    /// `conn` leaves `code`: a host (or the last member) closes the room.
    /// Returns `(closed, snapshot)`. Leaving also ends the connection's subscription.
    pub(super) fn leave(
        &mut self,
        conn: ConnId,
        code: &SessionCode,
        now: u64,
    ) -> Option<(bool, RoomSnapshot)> {
        let client = self.binding(conn, code)?;
        if let Some(c) = self.conns.get_mut(&conn) {
            c.bindings.retain(|(b, _)| b != code);
        }
        let room = self.rooms.get_mut(code)?;
        room.unsubscribe(conn);
        room.members.retain(|m| m.client_id != client);
        room.updated_at = now;
        if room.is_host(&client) || room.members.is_empty() {
            let snapshot = room.snapshot();
            self.close_room(code, "host-left");
            return Some((true, snapshot));
        }
        let snapshot = room.snapshot();
        self.broadcast(
            code,
            &room_event("room-updated", "participant-left", &snapshot),
        );
        Some((false, snapshot))
    }

    pub(super) fn dispatch(
        &mut self,
        act: Action,
        conn: ConnId,
        client: &str,
        code: &SessionCode,
        p: &Payload,
        now: u64,
    ) -> Reply {
        match act {
            Action::CreateRoom | Action::JoinRoom | Action::ResumeSession => {
                Err(Code::RequestFailed.into())
            }
            Action::LeaveRoom => {
                #[derive(Serialize)]
                struct Left {
                    closed: bool,
                    snapshot: RoomSnapshot,
                }
                // A struct, not `json!`: a `Value` would sort the snapshot's keys and
                // lose the member order of `participantProfiles`.
                let (closed, snapshot) = self.leave(conn, code, now).ok_or(Code::NotJoined)?;
                Ok(to_raw(&Left { closed, snapshot }))
            }
            Action::GetRoomSnapshot => Ok(to_raw(&self.room(code)?.snapshot())),
            Action::UpdateRoom => self.update_room(client, code, p, now),
            Action::UpdateSessionState => self.update_state(client, code, p, now),
            Action::UpdateParticipantState => {
                let st = sync_state(p.get("syncState"));
                let room = self.room(code)?;
                room.member_mut(client).ok_or(Code::NotJoined)?.sync_state = st;
                self.updated(code, "participant-state-updated", now)
            }
            Action::UpdateParticipantProfile => {
                let max = self.settings.max_display_name;
                let wanted = sanitize_value(p.get("displayName"), max, "");
                if wanted.is_empty() {
                    return Err(Code::InvalidDisplayName.into());
                }
                let room = self.room(code)?;
                let name = room.unique_name(&wanted, client, max);
                room.member_mut(client).ok_or(Code::NotJoined)?.name = name;
                self.updated(code, "participant-profile-updated", now)
            }
            Action::UploadSessionPack => {
                self.host_room(code, client)?;
                let pack = validate_pack(p.get("pack"), &self.settings, now)?;
                let meta = PackMeta {
                    hash: pack.hash,
                    size: pack.size as u64,
                    updated_at: now,
                    uploaded_by: client.to_string(),
                    images_count: pack.images_count,
                    media_refs_count: pack.media_refs_count as u64,
                };
                self.room(code)?.pack = Some(StoredPack {
                    // Checked once here, then placed verbatim in every reply.
                    text: RawValue::from_string(pack.text).map_err(|_| Code::InvalidSessionPack)?,
                    meta,
                });
                self.updated(code, "session-pack-updated", now)
            }
            Action::GetSessionPack => {
                let room = self.room(code)?;
                let pack = room.pack.as_ref().ok_or(Code::SessionPackNotFound)?;
                #[derive(Serialize)]
                #[serde(rename_all = "camelCase")]
                struct PackReply<'a> {
                    pack: &'a RawValue,
                    hash: &'a str,
                    updated_at: u64,
                    size: u64,
                }
                Ok(to_raw(&PackReply {
                    pack: &pack.text,
                    hash: &pack.meta.hash,
                    updated_at: pack.meta.updated_at,
                    size: pack.meta.size,
                }))
            }
            Action::ResetSessionMediaPack => {
                self.host_room(code, client)?.media.reset(client, now);
                self.relay_media();
                self.updated(code, "session-media-reset", now)
            }
            Action::UploadSessionMediaFile => {
                self.host_room(code, client)?;
                let (limits, store) = super::media_store::limits(&self.settings);
                let file = self.upload_file(p.get("file"), &limits)?;
                self.room(code)?.media.put(file, client, now, store)?;
                self.relay_media();
                self.updated(code, "session-media-updated", now)
            }
            Action::SetSessionMediaUploadStatus => {
                let in_progress = truthy(p.get("inProgress"));
                let total = js_int_in(p.get("total"), 0.0, u32::MAX as f64).unwrap_or(0) as u64;
                self.host_room(code, client)?.media.set_upload_status(
                    in_progress,
                    total,
                    client,
                    now,
                );
                self.updated(code, "session-media-upload-status", now)
            }
            Action::GetSessionMediaManifest => {
                self.media_readable(client, code, now)?;
                let media = &self.room(code)?.media;
                if media.is_empty() {
                    return Err(Code::SessionMediaNotFound.into());
                }
                Ok(to_raw(&media.manifest()))
            }
            Action::GetSessionMediaFile => {
                self.media_readable(client, code, now)?;
                let media = &self.room(code)?.media;
                if media.is_empty() {
                    return Err(Code::SessionMediaNotFound.into());
                }
                let identity = p
                    .get("identity")
                    .and_then(Value::as_str)
                    .map(js_trim)
                    .unwrap_or("");
                if !is_media_key(identity) {
                    return Err(Code::InvalidSessionMedia.into());
                }
                // A chunked file past the whole-file limit is too large for that path.
                let max = self.settings.max_session_media_file_bytes;
                let media = &self.room(code)?.media;
                if media.get(identity).is_some_and(|f| f.size() > max) {
                    return Err(Code::SessionMediaTooLarge.into());
                }
                media
                    .file(identity)
                    .map(|v| to_raw(&v))
                    .ok_or_else(|| Code::SessionMediaFileNotFound.into())
            }
            Action::BeginSessionMediaUpload => self.begin_upload(client, code, p, now),
            Action::PutSessionMediaChunk => self.put_chunk(conn, client, code, p, now),
            Action::GetSessionMediaChunk => self.get_chunk(conn, client, code, p, now),
            Action::SendRtcSignal => self.rtc_signal(client, code, p, now),
            Action::SendDrawingSync => self.drawing_sync(client, code, p, now),
        }
    }

    /// Refuses non-host reads while the upload lock is fresh; clears a stale one.
    pub(super) fn media_readable(
        &mut self,
        client: &str,
        code: &SessionCode,
        now: u64,
    ) -> Result<(), SyncError> {
        let stale_ms = self.settings.upload_lock_stale_ms;
        let room = self.room(code)?;
        if room.media.clear_stale_lock(now, stale_ms) {
            let snapshot = room.snapshot();
            self.broadcast(
                code,
                &room_event(
                    "room-updated",
                    "session-media-upload-status-stale-cleared",
                    &snapshot,
                ),
            );
            return Ok(());
        }
        let room = self.room(code)?;
        if !room.is_host(client) && room.media.is_locked(now, stale_ms) {
            return Err(Code::SessionMediaUploadInProgress.into());
        }
        Ok(())
    }

    fn update_room(&mut self, client: &str, code: &SessionCode, p: &Payload, now: u64) -> Reply {
        let max = self.settings.max_session_name;
        let room = self.host_room(code, client)?;
        let patch = p.get("patch").and_then(Value::as_object);
        if let Some(patch) = patch {
            // The deployed relay only trims here; we also remove control characters and
            // apply the same length cap as on create, so a rename cannot grow unbounded.
            if let Some(name) = patch.get("sessionName").and_then(Value::as_str) {
                let name = sanitize_text(name, max);
                if !name.is_empty() {
                    room.name = name;
                }
            }
            // Only a string changes the mode, as in the deployed relay.
            if patch.get("controlMode").is_some_and(Value::is_string) {
                room.control_mode = control_mode(patch.get("controlMode"));
            }
        }
        self.updated(code, "room-updated", now)
    }

    fn update_state(&mut self, client: &str, code: &SessionCode, p: &Payload, now: u64) -> Reply {
        let mut state = validate_state(p.get("payload"), &self.settings, now)?;
        let room = self.room(code)?;
        if room.is_host(client) {
            // Carried over only when the previous keys are a non-empty list, as deployed.
            if !state.contains_key("mediaOrderKeys") {
                let previous = room.state.as_ref().and_then(|s| s.get("mediaOrderKeys"));
                if let Some(keys) = previous.filter(|k| k.as_array().is_some_and(|a| !a.is_empty()))
                {
                    state.insert("mediaOrderKeys".into(), keys.clone());
                }
            }
            room.state = Some(state.clone());
            room.state_revision += 1;
            room.state_updated_at = now;
            room.updated_at = now;
            state.insert("revision".into(), room.state_revision.into());
            state.insert("updatedAt".into(), now.into());
            state.insert("sourceClientId".into(), client.into());
            self.broadcast(code, &state_event(code, "host-state-update", &state));
            return Ok(to_raw(&state));
        }
        let request = state.get("requestType").and_then(Value::as_str);
        let wants_play = match request {
            Some("play") => true,
            Some("pause") => false,
            _ => return Err(Code::ForbiddenNotHost.into()),
        };
        if room.control_mode != "shared-pause"
            || state.get("isPlaying") != Some(&Value::Bool(wants_play))
        {
            return Err(Code::ForbiddenNotHost.into());
        }
        let reason = match state.get("reason").and_then(Value::as_str) {
            Some(r) if !r.is_empty() => r.to_string(),
            _ if wants_play => "shared-play-request".to_string(),
            _ => "shared-pause-request".to_string(),
        };
        // `Number(ts || now)`: a missing or zero ts is the relay's time.
        let ts = state
            .get("ts")
            .filter(|t| t.as_u64() != Some(0))
            .cloned()
            .unwrap_or_else(|| now.into());
        let mut signal = Map::new();
        signal.insert("requestType".into(), request.unwrap_or_default().into());
        signal.insert("isPlaying".into(), wants_play.into());
        signal.insert("reason".into(), reason.into());
        signal.insert("ts".into(), ts);
        signal.insert("revision".into(), room.state_revision.into());
        signal.insert("updatedAt".into(), now.into());
        signal.insert("sourceClientId".into(), client.into());
        self.broadcast(code, &state_event(code, "shared-playback-request", &signal));
        Ok(to_raw(&signal))
    }
}
