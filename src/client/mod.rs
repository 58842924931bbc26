//! The client session state machine, sans IO.
//!
//! Inputs: commands from the host app (each with an [`OpId`] the caller picks),
//! relay frames ([`ClientCore::handle_frame`], chunk frames with
//! [`ClientCore::handle_binary`]), cache answers ([`ClientCore::handle_cache`]),
//! connection events
//! ([`ClientCore::handle_connected`], [`ClientCore::handle_connect_failed`],
//! [`ClientCore::handle_disconnected`]) and time ([`ClientCore::handle_timeout`]).
//! Outputs, drained with [`ClientCore::poll_output`]: frames to send, connection
//! requests, finished operations, downloaded files, and state changes. Time is
//! always an argument; after every input drain the outputs and re-arm the timer
//! from [`ClientCore::poll_timeout`].

mod apply;
mod cache;
mod commands;
mod download;
mod fetch;
mod gate;
mod replies;
pub mod state;
mod transfer;
mod upload;

use crate::error::{Code, SyncError};
use crate::protocol::{request_frame, Action, PackMeta};
use crate::settings::ClientSettings;
use crate::validate::media::MediaFile;
use serde_json::{Map, Value};
use state::{ClientState, Status};
use std::collections::BTreeMap;
use std::collections::VecDeque;

pub use commands::{HostOptions, JoinOptions, LocalMediaFile, MetaPatch};

/// Identifies one command of the host app until it completes.
pub type OpId = u64;

/// What the client asks its IO layer (or host app) to do.
#[derive(Debug)]
pub enum ClientOutput {
    /// Open the connection to the relay; answer with `handle_connected` or `handle_connect_failed`.
    Connect,
    /// Close the connection.
    Disconnect,
    /// Send this frame.
    Send(String),
    /// Send this binary frame (a chunk frame: only on a `media-chunks` connection).
    SendBinary(Vec<u8>),
    /// A command finished.
    Done {
        /// The command.
        op: OpId,
        /// Its outcome.
        result: Result<OpValue, SyncError>,
    },
    /// A media file of a running `downloadSessionMedia`, downloaded and verified.
    MediaFile {
        /// The download command.
        op: OpId,
        /// The file.
        file: MediaFile,
        /// Whether its bytes came over the network (a cache may keep them), not
        /// from the download's cache.
        fetched: bool,
    },
    /// Look `sha256` up in the download's cache; answer with
    /// [`ClientCore::handle_cache`].
    CacheGet {
        /// The download command.
        op: OpId,
        /// The file's SHA-256, 64 lowercase hex.
        sha256: String,
    },
    /// [`ClientCore::state`] changed.
    StateChanged,
}

/// The value of a finished command.
#[derive(Debug, Clone, PartialEq)]
pub enum OpValue {
    /// Nothing beyond success.
    None,
    /// The session state the relay stored, with `revision`, `updatedAt`, `sourceClientId`.
    SessionState(Map<String, Value>),
    /// Metadata of the pack just published.
    PackMeta(PackMeta),
    /// A fetched, verified pack.
    Pack(FetchedPack),
    /// The media manifest (`files: []` when the session has no media).
    Manifest(Manifest),
    /// One fetched, verified media file.
    MediaFile(MediaFile),
    /// A published media file.
    Published {
        /// Bytes of the file sent in this call (0 when the relay already held them).
        uploaded_bytes: u64,
        /// The file's size.
        size: u64,
        /// The file's SHA-256.
        sha256: String,
    },
    /// A finished media download.
    Downloaded {
        /// Files downloaded.
        files: usize,
        /// Bytes downloaded.
        bytes: u64,
    },
}

/// A session pack as fetched from the relay, its hash verified.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedPack {
    /// The pack JSON exactly as the relay sent it.
    pub pack_json: String,
    /// Its SHA-256 hex.
    pub hash: String,
    /// Publish time, relay ms.
    pub updated_at: u64,
    /// UTF-16 length of the canonical text.
    pub size: u64,
}

pub use crate::validate::media::ManifestEntry;
pub use replies::Manifest;

/// Why a request was sent, so its reply goes to the right place.
#[derive(Debug, Clone, PartialEq)]
enum Purpose {
    /// Completes `op` with the reply, read as `kind`.
    Op(OpId, Reply),
    /// A step of a running media download.
    Download(OpId, download::Step),
    /// A step of a chunked upload (`publishSessionMediaFile` on a `media-chunks` relay).
    Upload(OpId, upload::UpStep),
    /// Fire and forget (e.g. sync state during a download).
    Silent,
    /// After a reconnect: is the session still ours?
    Resume,
    /// After a reconnect: rejoin as the same participant.
    Rejoin,
    /// `resumeSession(token)`: a probe that learns whether the relay negotiated
    /// (our relay answers the hello before this reply), then the resume itself.
    ResumeProbe(OpId, String),
    /// The `resumeSession` request of the command `op`.
    ResumeCmd(OpId),
    /// After a reconnect: the `resumeSession` with the token we hold.
    AutoResume,
}

/// How to read a successful reply.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    Host,
    Join,
    Leave,
    Snapshot,
    State,
    PublishPack,
    FetchPack,
    Manifest,
    File(String),
    /// A whole-file `uploadSessionMediaFile`: the snapshot, then `Published`.
    Published(u64, String),
}

#[derive(Debug)]
struct Pending {
    purpose: Purpose,
    deadline: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Down,
    Connecting,
    Up,
}

/// The client core: one client's session, no IO.
#[derive(Debug)]
pub struct ClientCore {
    settings: ClientSettings,
    state: ClientState,
    link: Link,
    /// Frames waiting for the connection to open, with their request ids.
    queued: Vec<(String, String)>,
    /// Requests in flight by id (ordered as strings: `"10"` before `"9"`).
    pending: BTreeMap<String, Pending>,
    next_id: u64,
    out: VecDeque<ClientOutput>,
    /// Kept in memory only, to rejoin after a reconnect.
    password: String,
    display_name: String,
    download: Option<download::Download>,
    gate: gate::Gate,
    reconnect: Option<Reconnect>,
    rng: u64,
    dirty: bool,
    /// Whether the relay of the current connection negotiated the extension:
    /// `None` until it tells (a `relay-features` event or a first response).
    negotiated: Option<bool>,
    /// The resume token of the current session, `""` when the relay issued none.
    resume_token: String,
    /// Whether the relay of the current connection negotiated `media-chunks`.
    chunks: bool,
    /// Chunked uploads in progress.
    uploads: Vec<upload::Upload>,
    /// The verified prefix of a chunked file whose download stopped (its SHA-256,
    /// its bytes): the next download of that file continues from there.
    partial: Option<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, Copy)]
struct Reconnect {
    attempt: u32,
    at: Option<u64>,
}

impl ClientCore {
    /// A client with this id (or `"client-" + 16 hex` from `random`) and settings.
    pub fn new(
        client_id: Option<String>,
        settings: ClientSettings,
        random: [u8; 16],
    ) -> ClientCore {
        let client_id = client_id
            .unwrap_or_else(|| format!("client-{}", crate::validate::digest::hex(&random[..8])));
        let mut rng_bytes = [0u8; 8];
        rng_bytes.copy_from_slice(&random[8..]);
        ClientCore {
            settings: settings.clamped(),
            state: ClientState {
                client_id,
                ..Default::default()
            },
            link: Link::Down,
            queued: Vec::new(),
            pending: BTreeMap::new(),
            next_id: 1,
            out: VecDeque::new(),
            password: String::new(),
            display_name: String::new(),
            download: None,
            gate: gate::Gate::default(),
            reconnect: None,
            rng: u64::from_le_bytes(rng_bytes) | 1,
            dirty: false,
            negotiated: None,
            resume_token: String::new(),
            chunks: false,
            uploads: Vec::new(),
            partial: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> &ClientState {
        &self.state
    }

    /// This client's id.
    pub fn client_id(&self) -> &str {
        &self.state.client_id
    }

    /// The resume token of the current session, `""` outside a session or when the
    /// relay issued none (a deployed relay).
    pub fn resume_token(&self) -> &str {
        &self.resume_token
    }

    /// Whether the relay of the current connection negotiated `resume`
    /// (`None` while it has not told yet).
    pub fn negotiated(&self) -> Option<bool> {
        self.negotiated
    }

    /// The settings in force.
    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// The next output to carry out.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<ClientOutput> {
        if self.dirty {
            self.dirty = false;
            self.out.push_back(ClientOutput::StateChanged);
        }
        self.out.pop_front()
    }

    /// When [`ClientCore::handle_timeout`] should next run.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let requests = self.pending.values().map(|p| p.deadline).min();
        let reconnect = self.reconnect.and_then(|r| r.at);
        let download = self.download.as_ref().and_then(|d| d.wake_at());
        let uploads = self.uploads.iter().filter_map(|u| u.wake_at()).min();
        [requests, reconnect, download, uploads]
            .into_iter()
            .flatten()
            .min()
    }

    /// The connection opened.
    ///
    /// The hello goes first on every connection that carries a request: a deployed
    /// relay ignores it; ours answers with `relay-features` before any reply to what
    /// follows. A connection left with nothing to do (its request timed out while
    /// it opened) sends nothing and is released.
    pub fn handle_connected(&mut self, now: u64) {
        self.link = Link::Up;
        self.negotiated = None;
        self.chunks = false;
        let resuming = self.reconnect.take().is_some();
        // A request that timed out while waiting was already answered: never send it.
        let live: Vec<String> = std::mem::take(&mut self.queued)
            .into_iter()
            .filter(|(id, _)| self.pending.contains_key(id))
            .map(|(_, frame)| frame)
            .collect();
        if resuming || !live.is_empty() {
            let hello = crate::protocol::extensions::hello_frame();
            self.out.push_back(ClientOutput::Send(hello));
        }
        if resuming {
            self.resume(now);
        }
        self.out.extend(live.into_iter().map(ClientOutput::Send));
        self.release_idle_link();
    }

    /// The connection could not be opened.
    pub fn handle_connect_failed(&mut self, now: u64) {
        self.link = Link::Down;
        self.queued.clear();
        if let Some(r) = self.reconnect {
            self.schedule_reconnect(r.attempt + 1, now);
            return;
        }
        self.fail_all_pending(Code::TransportUnavailable.into(), now);
    }

    /// The open connection was lost.
    pub fn handle_disconnected(&mut self, now: u64) {
        if self.link == Link::Down {
            return;
        }
        self.link = Link::Down;
        self.queued.clear();
        let in_session = matches!(self.state.status, Status::Hosting | Status::Joined);
        self.fail_all_pending(Code::TransportUnavailable.into(), now);
        if in_session {
            self.set_error(Code::WebsocketReconnecting.as_str());
            self.schedule_reconnect(1, now);
        }
    }

    /// Time passed: request timeouts, reconnects, paced download steps.
    pub fn handle_timeout(&mut self, now: u64) {
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(p) = self.pending.remove(&id) {
                self.on_reply(p.purpose, Err(Code::TransportUnavailable.into()), now);
            }
        }
        if let Some(Reconnect {
            attempt,
            at: Some(at),
        }) = self.reconnect
        {
            if now >= at {
                self.reconnect = Some(Reconnect { attempt, at: None });
                self.link = Link::Connecting;
                self.out.push_back(ClientOutput::Connect);
            }
        }
        self.download_tick(now);
        self.upload_tick(now);
        self.release_idle_link();
    }

    /// One frame from the relay. Anything malformed or unknown is ignored.
    pub fn handle_frame(&mut self, text: &str, now: u64) {
        use crate::protocol::ServerFrame;
        match ServerFrame::parse(text) {
            Some(ServerFrame::Response { id, outcome }) => {
                // A reply before `relay-features`: a deployed relay.
                self.negotiated.get_or_insert(false);
                let Some(p) = self.pending.remove(&id) else {
                    return;
                };
                let outcome = outcome.map_err(|code| SyncError::from_code(&code));
                self.on_reply(p.purpose, outcome, now);
            }
            Some(ServerFrame::Event(raw)) => {
                use crate::protocol::extensions::{relay_features, FEATURE_RESUME};
                if let Some(features) = relay_features(raw.get()) {
                    if self.negotiated.is_none() {
                        self.negotiated = Some(features.iter().any(|f| f == FEATURE_RESUME));
                        let chunks = crate::protocol::chunks::FEATURE_CHUNKS;
                        self.chunks = features.iter().any(|f| f == chunks);
                    }
                } else {
                    self.on_event(raw.get(), now);
                }
            }
            None => {}
        }
        self.release_idle_link();
    }

    /// Out of session with nothing in flight: closes the connection, so an idle
    /// client holds no socket on the relay. The next command reconnects.
    fn release_idle_link(&mut self) {
        let idle = self.state.status == Status::Idle
            && self.pending.is_empty()
            && self.download.is_none()
            && self.uploads.is_empty();
        if idle && self.link == Link::Up && self.reconnect.is_none() {
            self.link = Link::Down;
            self.out.push_back(ClientOutput::Disconnect);
        }
    }

    /// Sends a request (or queues it until the connection opens, asking for one).
    fn request(&mut self, action: Action, payload: Value, purpose: Purpose, now: u64) {
        self.request_with(|id| request_frame(id, action, &payload), purpose, now);
    }

    /// Sends the request `build` makes from its id (see [`ClientCore::request`]).
    fn request_with(&mut self, build: impl FnOnce(&str) -> String, purpose: Purpose, now: u64) {
        self.request_slow(build, purpose, now, 0);
    }

    /// [`ClientCore::request_with`] for a request that moves `bytes` in one message
    /// (the whole-file media path): its reply may take the request timeout plus the
    /// time those bytes need at `media_min_bytes_per_sec`.
    fn request_slow(
        &mut self,
        build: impl FnOnce(&str) -> String,
        purpose: Purpose,
        now: u64,
        bytes: u64,
    ) {
        let id = self.next_id.to_string();
        self.next_id += 1;
        let frame = build(&id);
        let allowance = bytes.saturating_mul(1000) / self.settings.media_min_bytes_per_sec;
        let deadline = now + self.settings.request_timeout_ms + allowance;
        self.pending
            .insert(id.clone(), Pending { purpose, deadline });
        match self.link {
            Link::Up => self.out.push_back(ClientOutput::Send(frame)),
            Link::Connecting => self.queued.push((id, frame)),
            Link::Down => {
                self.queued.push((id, frame));
                if self.reconnect.is_none() {
                    self.link = Link::Connecting;
                    self.out.push_back(ClientOutput::Connect);
                }
            }
        }
    }

    fn finish(&mut self, op: OpId, result: Result<OpValue, SyncError>) {
        self.out.push_back(ClientOutput::Done { op, result });
    }

    fn fail_all_pending(&mut self, err: SyncError, now: u64) {
        for (_, p) in std::mem::take(&mut self.pending) {
            self.on_reply(p.purpose, Err(err.clone()), now);
        }
    }

    fn set_error(&mut self, code: &str) {
        if self.state.last_error != code {
            self.state.last_error = code.to_string();
            self.dirty = true;
        }
    }

    fn schedule_reconnect(&mut self, attempt: u32, now: u64) {
        if attempt > self.settings.reconnect_attempts {
            self.reconnect = None;
            self.end_session(Code::WebsocketDisconnected.as_str());
            return;
        }
        let base = self
            .settings
            .reconnect_base_ms
            .saturating_mul(1 << (attempt - 1).min(20));
        let delay = base.min(self.settings.reconnect_max_ms);
        let jitter = self.next_random() % (delay / 4 + 1);
        self.reconnect = Some(Reconnect {
            attempt,
            at: Some(now + delay + jitter),
        });
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64: jitter only, never security.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// Back to `idle`, keeping the client id; `last_error` set to `error`.
    fn end_session(&mut self, error: &str) {
        let client_id = std::mem::take(&mut self.state.client_id);
        let media_download = std::mem::take(&mut self.state.media_download);
        self.state = ClientState {
            client_id,
            media_download,
            last_error: error.to_string(),
            ..Default::default()
        };
        self.password.clear();
        self.resume_token.clear();
        self.gate = gate::Gate::default();
        self.reconnect = None;
        self.cancel_download(Code::TransferCancelled.into());
        self.cancel_uploads(Code::TransferCancelled.into());
        self.refresh_gate();
        self.dirty = true;
    }
}
