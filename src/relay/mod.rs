//! The relay's rooms as a sans-IO state machine.
//!
//! Inputs: a connection opens ([`RelayCore::handle_connect`]), sends a message
//! ([`RelayCore::handle_message`]), closes ([`RelayCore::handle_disconnect`]), or
//! time passes ([`RelayCore::handle_timeout`]). Outputs, drained with
//! [`RelayCore::poll_output`]: frames to send and connections to close. The time
//! is always an argument (ms since the epoch); the core never reads a clock.
//! After every input, drain the outputs and re-arm the timer from
//! [`RelayCore::poll_timeout`].
//!
//! ```
//! use online_sync::relay::{RelayCore, RelayOutput};
//! use online_sync::RelaySettings;
//! let mut relay = RelayCore::new(RelaySettings::default(), [7; 32]);
//! relay.handle_connect(1, "127.0.0.1", 0);
//! relay.handle_message(1, br#"{"type":"request","id":"1","action":"createRoom",
//!     "payload":{"sessionCode":"ABCD-EFGH","hostClientId":"host-1"}}"#, 0);
//! match relay.poll_output() {
//!     Some(RelayOutput::Send { conn: 1, text }) => assert!(text.contains(r#""ok":true"#)),
//!     other => panic!("{other:?}"),
//! }
//! ```

mod chunked;
mod dirty;
mod handlers;
mod hashing;
mod lockout;
pub mod media_shares;
pub mod media_store;
#[cfg(not(target_arch = "wasm32"))]
mod nodes;
pub mod password;
mod peer;
#[cfg(not(target_arch = "wasm32"))]
pub mod persist;
mod prepared;
pub mod rate;
pub mod resume;
pub mod room;
mod shared;
mod transfer_rate;
pub mod uploads;

use crate::error::{Code, SyncError};
use crate::protocol::{self, Action, ClientFrame};
use crate::settings::RelaySettings;
use crate::validate::SessionCode;
#[cfg(not(target_arch = "wasm32"))]
pub use hashing::HashJob;
use hashing::Step;
pub use prepared::Prepared;
use rate::Window;
use room::Room;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

/// Identifies one client connection; chosen by the IO layer.
pub type ConnId = u64;

/// What the relay asks its IO layer to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayOutput {
    /// Send this text frame on this connection.
    Send {
        /// The connection.
        conn: ConnId,
        /// The frame; shared between the members of a broadcast.
        text: Arc<str>,
    },
    /// Send this binary frame (a chunk frame of `media-chunks`) on this connection.
    SendBinary {
        /// The connection.
        conn: ConnId,
        /// The frame.
        bytes: Arc<[u8]>,
    },
    /// Close this connection with a WebSocket close code.
    Close {
        /// The connection.
        conn: ConnId,
        /// Close code: 1013 server full, 4029 too many connections from one address.
        code: u16,
        /// Close reason.
        reason: &'static str,
    },
    /// Derive this password hash and give the key back with
    /// [`RelayCore::handle_password_hash`] (only after
    /// [`RelayCore::defer_password_hashing`]; not in wasm builds).
    #[cfg(not(target_arch = "wasm32"))]
    HashPassword(HashJob),
}

/// Which per-room limiter an action counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Limiter {
    State,
    Rtc,
    Drawing,
}

#[derive(Debug)]
struct Conn {
    ip: String,
    /// Rooms this connection joined, with the client id bound to it there.
    bindings: Vec<(SessionCode, String)>,
    /// Its message and join-attempt windows (shared by every core it talks to:
    /// [`RelayCore::share_windows`]).
    windows: rate::ConnWindows,
    /// Whether the connection negotiated `resume` (our extension).
    resume: bool,
    /// Whether the connection negotiated `media-chunks` (our extension).
    chunks: bool,
    limiters: HashMap<(SessionCode, Limiter), Window>,
}

/// The relay core: every room and connection, no IO.
#[derive(Debug)]
pub struct RelayCore {
    settings: RelaySettings,
    /// Rooms by code, in code order.
    rooms: BTreeMap<SessionCode, Room>,
    conns: BTreeMap<ConnId, Conn>,
    per_ip: HashMap<String, usize>,
    /// Resume attempts per client address (bounded by `resume_tracked_ips_max`).
    resume_ips: HashMap<String, Window>,
    /// Wrong passwords per room and client address, across sockets.
    lockout: lockout::Lockout,
    /// Join attempts refused by the password lockout since start.
    lockouts: u64,
    out: VecDeque<RelayOutput>,
    seed: [u8; 32],
    counter: u64,
    next_cleanup: Option<u64>,
    /// Rooms changed since the last [`RelayCore::poll_persist`].
    dirty: BTreeSet<SessionCode>,
    /// Whether changed rooms are tracked (a data dir is in use).
    persisting: bool,
    /// Media keys already handed to the store (a data dir), so each goes out once.
    #[cfg(not(target_arch = "wasm32"))]
    stored_media: std::collections::HashSet<String>,
    /// Transfer rate limits of chunked media.
    transfer: transfer_rate::TransferRate,
    /// The bytes of the chunk frame being handled (taken by its handler).
    chunk_in: Option<Vec<u8>>,
    /// The bytes of a chunk reply (set by its handler, sent in a chunk frame).
    chunk_out: Option<Vec<u8>>,
    /// Rooms open, counted against `max_rooms`: this core's own, or shared by
    /// every core of a sharded relay ([`RelayCore::share_room_count`]).
    rooms_open: Arc<AtomicUsize>,
    /// Media held by every core of the relay, and this core's slot there
    /// ([`RelayCore::share_media`]).
    media_shares: (Arc<media_shares::MediaShares>, usize),
    /// Rooms open on the other nodes of a relay cluster, counted against `max_rooms`
    /// with this relay's own ([`RelayCore::share_rooms_elsewhere`]).
    #[cfg(not(target_arch = "wasm32"))]
    rooms_elsewhere: Arc<AtomicUsize>,
    /// The file of the upload being handled, when it was checked ahead ([`Prepared`]).
    checked_media: Option<Result<crate::validate::media::MediaFile, Code>>,
    /// Requests waiting for a password hash, once hashing is deferred.
    #[cfg(not(target_arch = "wasm32"))]
    deferred: Option<hashing::Deferred>,
}

impl RelayCore {
    /// A relay with these settings; `seed` (32 random bytes from the OS) feeds password
    /// salts and resume tokens (a SHA-256 hash DRBG over seed, counter and domain tag).
    pub fn new(settings: RelaySettings, seed: [u8; 32]) -> RelayCore {
        RelayCore {
            settings: settings.clamped(),
            rooms: BTreeMap::new(),
            conns: BTreeMap::new(),
            per_ip: HashMap::new(),
            resume_ips: HashMap::new(),
            lockout: lockout::Lockout::default(),
            lockouts: 0,
            out: VecDeque::new(),
            seed,
            counter: 0,
            next_cleanup: None,
            dirty: BTreeSet::new(),
            persisting: false,
            rooms_open: Arc::new(AtomicUsize::new(0)),
            media_shares: (Arc::new(media_shares::MediaShares::new(1)), 0),
            #[cfg(not(target_arch = "wasm32"))]
            rooms_elsewhere: Arc::new(AtomicUsize::new(0)),
            checked_media: None,
            #[cfg(not(target_arch = "wasm32"))]
            stored_media: Default::default(),
            transfer: transfer_rate::TransferRate::default(),
            chunk_in: None,
            chunk_out: None,
            #[cfg(not(target_arch = "wasm32"))]
            deferred: None,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &RelaySettings {
        &self.settings
    }

    /// A connection opened from `ip`. Past `max_connections` it is closed with 1013,
    /// past `max_connections_per_ip` with 4029; returns whether it was accepted.
    pub fn handle_connect(&mut self, conn: ConnId, ip: &str, now: u64) -> bool {
        self.arm(now);
        // An id already open is the same connection: replacing its state would orphan its
        // room memberships and count its address twice.
        if self.conns.contains_key(&conn) {
            return true;
        }
        let from_ip = self.per_ip.get(ip).copied().unwrap_or(0);
        let refusal = if self.conns.len() >= self.settings.max_connections {
            Some((1013, "server-full"))
        } else if from_ip >= self.settings.max_connections_per_ip {
            Some((4029, "too-many-connections"))
        } else {
            None
        };
        if let Some((code, reason)) = refusal {
            self.out
                .push_back(RelayOutput::Close { conn, code, reason });
            return false;
        }
        *self.per_ip.entry(ip.to_string()).or_default() += 1;
        self.conns.insert(
            conn,
            Conn {
                ip: ip.to_string(),
                bindings: Vec::new(),
                windows: rate::ConnWindows::default(),
                resume: false,
                chunks: false,
                limiters: HashMap::new(),
            },
        );
        true
    }

    /// A connection closed: it leaves every room it joined (a host's room closes),
    /// unless it negotiated `resume` and `host_grace_ms` is not 0: then its members
    /// stay, disconnected, for the grace.
    pub fn handle_disconnect(&mut self, conn: ConnId, now: u64) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let codes: Vec<SessionCode> = c.bindings.iter().map(|(code, _)| code.clone()).collect();
        self.mark_conn_dirty(conn);
        for code in codes {
            if !self.drop_into_grace(conn, &code, now) {
                self.leave(conn, &code, now);
            }
        }
        for room in self.rooms.values_mut() {
            room.unsubscribe(conn);
        }
        #[cfg(not(target_arch = "wasm32"))]
        self.drop_parked(conn);
        if let Some(c) = self.conns.remove(&conn) {
            if let Some(n) = self.per_ip.get_mut(&c.ip) {
                *n -= 1;
                if *n == 0 {
                    self.per_ip.remove(&c.ip);
                }
            }
        }
    }

    /// One message from a connection, as received: text, or binary read as UTF-8,
    /// except a chunk frame ([`protocol::chunks`]) from a connection that negotiated
    /// `media-chunks` (from any other it is ignored, as not JSON).
    pub fn handle_message(&mut self, conn: ConnId, bytes: &[u8], now: u64) {
        self.handle_prepared(conn, Prepared::parse(bytes), now);
    }

    fn handle_frame(&mut self, conn: ConnId, frame: ClientFrame, allowed: bool, now: u64) {
        match frame {
            ClientFrame::Other { id } => {
                // Over the limit, any message that carries an id gets `rate-limited`.
                if !allowed {
                    self.reply_rate_limited(conn, &id);
                }
            }
            ClientFrame::Notify { action, payload } => {
                // The deployed relay counts a notify twice; over the limit it is dropped.
                if allowed && self.count_message(conn, now) {
                    self.on_notify(conn, &action, &payload);
                }
            }
            ClientFrame::Request {
                id,
                action,
                payload,
            } => {
                if !allowed {
                    self.reply_rate_limited(conn, &id);
                    return;
                }
                let result = self.on_request(conn, &id, &action, payload, now);
                let reply_id = if id.is_empty() { "missing-id" } else { &id };
                match (result, self.chunk_out.take()) {
                    (Ok(Step::Reply(json)), Some(data)) => {
                        let header = protocol::response_ok(reply_id, &json);
                        let bytes = protocol::chunks::encode_frame(&header, &data);
                        self.out.push_back(RelayOutput::SendBinary {
                            conn,
                            bytes: bytes.into(),
                        });
                    }
                    (result, _) => self.respond(conn, reply_id, result),
                }
            }
        }
    }

    /// Step 1 of the pipeline: a message over the limit with an id gets `rate-limited`;
    /// one without an id is dropped silently.
    fn reply_rate_limited(&mut self, conn: ConnId, id: &str) {
        if !id.is_empty() {
            let frame = protocol::response_err(id, Code::RateLimited.as_str());
            self.send(conn, frame.into());
        }
    }

    /// Time passed: ends the graces that are over, closes rooms idle for the TTL
    /// (`room-closed` / `ttl-expired`).
    pub fn handle_timeout(&mut self, now: u64) {
        self.arm(now);
        self.mark_grace_dirty(now);
        self.end_graces(now);
        if self.next_cleanup.is_some_and(|t| now < t) {
            return;
        }
        let ttl = self.settings.room_idle_ttl_ms;
        let expired: Vec<SessionCode> = self
            .rooms
            .values()
            .filter(|r| now.saturating_sub(r.updated_at) >= ttl)
            .map(|r| r.code.clone())
            .collect();
        for code in expired {
            self.close_room(&code, "ttl-expired");
        }
        self.next_cleanup = Some(now.saturating_add(self.settings.room_cleanup_interval_ms));
    }

    /// The next output to carry out.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<RelayOutput> {
        self.out.pop_front()
    }

    /// When [`RelayCore::handle_timeout`] should next run.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        match (self.next_cleanup, self.next_grace()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The snapshot of a room, for inspection.
    pub fn room_snapshot(&self, code: &str) -> Option<crate::protocol::RoomSnapshot> {
        let code = SessionCode::normalize(code)?;
        self.rooms.get(&code).map(Room::snapshot)
    }

    /// Join attempts the password lockout refused since start (a metric).
    pub fn lockout_refusals(&self) -> u64 {
        self.lockouts
    }

    /// Number of open rooms.
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Number of open connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    fn arm(&mut self, now: u64) {
        if self.next_cleanup.is_none() {
            self.next_cleanup = Some(now.saturating_add(self.settings.room_cleanup_interval_ms));
        }
    }

    fn count_message(&mut self, conn: ConnId, now: u64) -> bool {
        let s = &self.settings;
        let (w, m) = (s.rate_window_ms, s.rate_max_messages);
        self.conns
            .get_mut(&conn)
            .is_some_and(|c| c.windows.message(now, w, m))
    }

    fn send(&mut self, conn: ConnId, text: Arc<str>) {
        self.out.push_back(RelayOutput::Send { conn, text });
    }

    /// 16 fresh bytes for a password salt: SHA-256 of the seed and a counter.
    fn salt(&mut self) -> [u8; 16] {
        self.counter += 1;
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_le_bytes());
        let d = h.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&d[..16]);
        out
    }

    fn binding(&self, conn: ConnId, code: &SessionCode) -> Option<String> {
        self.conns
            .get(&conn)?
            .bindings
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, id)| id.clone())
    }

    fn on_notify(&mut self, conn: ConnId, action: &str, payload: &Map<String, Value>) {
        if action == "subscribe" {
            self.negotiate(conn, payload);
        }
        let Some(code) = payload
            .get("sessionCode")
            .and_then(Value::as_str)
            .and_then(SessionCode::normalize)
        else {
            return;
        };
        let bound = self.binding(conn, &code).is_some();
        let Some(room) = self.rooms.get_mut(&code) else {
            return;
        };
        match action {
            "subscribe" if bound => room.subscribe(conn),
            "unsubscribe" => room.unsubscribe(conn),
            _ => {}
        }
    }

    /// The request pipeline of PROTOCOL.md, steps 2 to 9 (step 1 ran in the caller).
    fn on_request(
        &mut self,
        conn: ConnId,
        id: &str,
        action: &str,
        payload: Result<Option<Map<String, Value>>, protocol::Unreadable>,
        now: u64,
    ) -> Result<Step, SyncError> {
        // `String(message.action || "").trim()`, as the deployed relay reads it.
        let action = crate::validate::js::js_trim(action);
        if id.is_empty() || action.is_empty() {
            return Err(Code::InvalidRequest.into());
        }
        let payload = payload
            .map_err(|protocol::Unreadable| Code::InvalidRequest)?
            .unwrap_or_default();
        let chunks = self.conns.get(&conn).is_some_and(|c| c.chunks);
        let Some(act) = Action::parse(action).filter(|a| chunks || !a.is_chunked()) else {
            return Err(SyncError::UnknownAction(action.to_string()));
        };
        let code = payload
            .get("sessionCode")
            .and_then(Value::as_str)
            .and_then(SessionCode::normalize);
        let client_id = match act {
            Action::ResumeSession => return self.resume(conn, &payload, now).map(Step::Reply),
            Action::CreateRoom => {
                let code = code.ok_or(Code::InvalidSessionCode)?;
                return self.create_room(conn, code, &payload, now, None);
            }
            Action::JoinRoom => {
                let code = code.ok_or(Code::InvalidSessionCode)?;
                if self.binding(conn, &code).is_some() {
                    return Err(Code::AlreadyJoined.into());
                }
                let s = &self.settings;
                let (w, m) = (s.join_attempts_window_ms, s.join_attempts_max);
                let c = self.conns.get_mut(&conn).ok_or(Code::RequestFailed)?;
                if !c.windows.join(now, w, m) {
                    return Err(Code::TooManyPasswordAttempts.into());
                }
                self.check_lockout(conn, &code, now)?;
                return self.join_room(conn, code, &payload, now, None);
            }
            _ => code
                .as_ref()
                .and_then(|c| self.binding(conn, c))
                .ok_or(Code::NotJoined)?,
        };
        let code = code.ok_or(Code::NotJoined)?;
        self.check_action_rate(conn, &code, act, now)?;
        if act.is_media() && self.settings.disable_media_transfer {
            return Err(Code::MediaTransferDisabled.into());
        }
        if !self.rooms.contains_key(&code) {
            return Err(Code::SessionNotFound.into());
        }
        self.dispatch(act, conn, &client_id, &code, &payload, now)
            .map(Step::Reply)
    }

    fn check_action_rate(
        &mut self,
        conn: ConnId,
        code: &SessionCode,
        act: Action,
        now: u64,
    ) -> Result<(), Code> {
        let s = &self.settings;
        let (limiter, w, m, err) = match act {
            Action::UpdateSessionState => (
                Limiter::State,
                s.state_rate_window_ms,
                s.state_rate_max_messages,
                Code::StateRateLimited,
            ),
            Action::UpdateParticipantProfile => (
                Limiter::State,
                s.state_rate_window_ms,
                s.state_rate_max_messages,
                Code::ProfileRateLimited,
            ),
            Action::SendRtcSignal => (
                Limiter::Rtc,
                s.rtc_rate_window_ms,
                s.rtc_rate_max_messages,
                Code::RtcRateLimited,
            ),
            Action::SendDrawingSync => (
                Limiter::Drawing,
                s.drawing_rate_window_ms,
                s.drawing_rate_max_messages,
                Code::DrawingRateLimited,
            ),
            _ => return Ok(()),
        };
        let c = self.conns.get_mut(&conn).ok_or(Code::RequestFailed)?;
        let window = c.limiters.entry((code.clone(), limiter)).or_default();
        if window.hit(now, w, m) {
            Ok(())
        } else {
            Err(err)
        }
    }

    /// Sends an event to every subscriber of the room.
    fn broadcast(&mut self, code: &SessionCode, event: &serde_json::value::RawValue) {
        let Some(room) = self.rooms.get(code) else {
            return;
        };
        let text: Arc<str> = protocol::event_frame(event).into();
        let subs = room.subscribers.clone();
        for conn in subs {
            self.send(conn, text.clone());
        }
    }

    /// Deletes a room, tells its subscribers (`room-closed`), drops every binding to it.
    fn close_room(&mut self, code: &SessionCode, source: &str) {
        let Some(room) = self.rooms.get(code) else {
            return;
        };
        let event = handlers::room_event("room-closed", source, &room.snapshot());
        self.broadcast(code, &event);
        if self.rooms.remove(code).is_some() {
            self.release_room();
            self.relay_media();
        }
        self.lockout.forget_room(code);
        self.mark_dirty(code);
        for c in self.conns.values_mut() {
            c.bindings.retain(|(b, _)| b != code);
            c.limiters.retain(|(b, _), _| b != code);
        }
    }
}
