//! `SyncClient`: the JS face of one client core. Each method converts its
//! arguments (`interop`), runs one core command and pumps; promises
//! settle when the core finishes the command.

use super::driver::Shared;
use super::env;
use super::interop;
use super::link::Link;
use super::mock::MockRelay;
use super::websocket::{self, WebSocketLink};
use crate::client::{ClientCore, OpId};
use crate::error::SyncError;
use crate::settings::ClientSettings;
use js_sys::{Function, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// One online-sync client: host or join a session, follow its state, move its
/// pack and media. Create it with `SyncClient.mock(relay)` or
/// `SyncClient.websocket(url)`; release it with `free()`.
#[wasm_bindgen(skip_typescript)]
pub struct SyncClient {
    shared: Rc<Shared>,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("client_id", &self.shared.client_id())
            .finish_non_exhaustive()
    }
}

impl Drop for SyncClient {
    /// `free()`: closes the connection and rejects pending calls with `transport-unavailable`.
    fn drop(&mut self) {
        self.shared.shutdown();
    }
}

/// A rejected promise for an argument error.
fn rejected(e: SyncError) -> Promise {
    Promise::reject(&interop::error(&e))
}

/// Throws an argument error from a synchronous method.
fn thrown(e: SyncError) -> JsValue {
    interop::error(&e)
}

impl SyncClient {
    /// A client with these options, on the link `link(settings in force)` makes.
    fn create(
        options: &JsValue,
        link: impl FnOnce(&ClientSettings) -> Box<dyn Link>,
    ) -> Result<SyncClient, JsValue> {
        let (client_id, settings) = interop::client_options(options).map_err(thrown)?;
        let core = ClientCore::new(client_id, settings, env::random::<16>()?);
        let link = link(core.settings());
        Ok(SyncClient {
            shared: Shared::new(core, link),
        })
    }

    /// Runs a command after its arguments converted; a bad argument rejects at once.
    fn run<A>(
        &self,
        args: Result<A, SyncError>,
        command: impl FnOnce(&mut ClientCore, OpId, A, u64),
    ) -> Promise {
        match args {
            Ok(a) => self
                .shared
                .call(None, |core, op, now| command(core, op, a, now)),
            Err(e) => rejected(e),
        }
    }
}

#[wasm_bindgen]
impl SyncClient {
    /// A client of an in-memory relay. Options: `{clientId?, requestTimeoutMs?}`.
    ///
    /// # Errors
    /// `invalid-argument` for unknown options or options of the wrong type.
    pub fn mock(relay: &MockRelay, options: JsValue) -> Result<SyncClient, JsValue> {
        SyncClient::create(&options, |_| relay.link())
    }

    /// A client of the WebSocket relay at `url` (`ws://` or `wss://`), or at a
    /// list of URLs (the nodes of a relay cluster, at most 16) tried in turn:
    /// the first connect dials the first, each reconnect after a failed connect
    /// or a lost connection dials the next, wrapping around. Options:
    /// `{clientId?, requestTimeoutMs?}`. It connects on the first call that needs
    /// the relay and reconnects after a drop; a connect that fails, or does not
    /// open within `requestTimeoutMs`, rejects the waiting calls with
    /// `transport-unavailable` (so does every call where the host has no
    /// `WebSocket`, as in Node.js 20).
    ///
    /// # Errors
    /// `invalid-argument` when `url` is not a `ws://` or `wss://` URL with a host
    /// (a fragment is refused too) nor a list of 1 to 16 of them, or the options
    /// are wrong.
    pub fn websocket(url: JsValue, options: JsValue) -> Result<SyncClient, JsValue> {
        let urls = interop::strings(&url, websocket::MAX_RELAY_URLS, websocket::relay_url)
            .map_err(thrown)?;
        SyncClient::create(&options, |settings| {
            Box::new(WebSocketLink::new(urls, settings.request_timeout_ms))
        })
    }

    /// Calls `callback(state)` at once, then after every change; returns the
    /// function that unsubscribes it. A callback that throws is reported with
    /// `console.error` and does not stop the others.
    ///
    /// # Errors
    /// `invalid-argument` when `callback` is not a function.
    pub fn subscribe(&self, callback: JsValue) -> Result<Function, JsValue> {
        let callback = interop::function(&callback).map_err(thrown)?;
        Ok(self.shared.subscribe(callback))
    }

    /// The current state, as a plain object.
    #[wasm_bindgen(js_name = getState)]
    pub fn get_state(&self) -> JsValue {
        self.shared.state()
    }

    /// This client's id.
    #[wasm_bindgen(js_name = getClientId)]
    pub fn get_client_id(&self) -> String {
        self.shared.client_id()
    }

    /// Opens a session as its host; resolves with the state once hosting.
    #[wasm_bindgen(js_name = hostSession)]
    pub fn host_session(&self, options: JsValue) -> Promise {
        let code = match env::random::<8>() {
            Ok(code) => code,
            Err(e) => return Promise::reject(&e),
        };
        self.run(interop::host_options(&options), |core, op, opts, now| {
            core.host_session(op, opts, code, now)
        })
    }

    /// Joins a session; resolves with the state once joined.
    #[wasm_bindgen(js_name = joinSession)]
    pub fn join_session(&self, options: JsValue) -> Promise {
        self.run(interop::join_options(&options), |core, op, opts, now| {
            core.join_session(op, opts, now)
        })
    }

    /// The resume token of the current session (keep it, e.g. in `sessionStorage`,
    /// to come back after a reload); `""` outside a session or when the relay
    /// issued none.
    #[wasm_bindgen(js_name = getResumeToken)]
    pub fn get_resume_token(&self) -> String {
        self.shared.resume_token()
    }

    /// Comes back into a session with a token from `getResumeToken` (on a new
    /// client, e.g. after a reload): same client id, same role; resolves with the
    /// state. Rejects with `session-expired` for an unknown, used-up or expired
    /// token, a malformed one or anything but a string (no network call), or a
    /// relay without the extension.
    #[wasm_bindgen(js_name = resumeSession)]
    pub fn resume_session(&self, token: JsValue) -> Promise {
        let token = token.as_string().unwrap_or_default();
        self.run(Ok(token), |core, op, token, now| {
            core.resume_session(op, &token, now)
        })
    }

    /// Leaves the session (the state is `idle` at once); resolves with the state.
    #[wasm_bindgen(js_name = leaveSession)]
    pub fn leave_session(&self) -> Promise {
        self.run(Ok(()), |core, op, (), now| core.leave_session(op, now))
    }

    /// Host: changes `{sessionName?, controlMode?}`.
    #[wasm_bindgen(js_name = updateSessionMeta)]
    pub fn update_session_meta(&self, patch: JsValue) -> Promise {
        self.run(interop::meta_patch(&patch), |core, op, patch, now| {
            core.update_session_meta(op, patch, now)
        })
    }

    /// Host: publishes the timer/image state; resolves with what the relay stored.
    #[wasm_bindgen(js_name = publishSessionState)]
    pub fn publish_session_state(&self, state: JsValue) -> Promise {
        self.run(interop::json_object(&state), |core, op, state, now| {
            core.publish_session_state(op, state, now)
        })
    }

    /// Participant of a shared-pause room: asks everyone to pause.
    #[wasm_bindgen(js_name = requestSharedPause)]
    pub fn request_shared_pause(&self) -> Promise {
        self.run(Ok(false), |core, op, play, now| {
            core.request_shared_playback(op, play, now)
        })
    }

    /// Participant of a shared-pause room: asks everyone to play.
    #[wasm_bindgen(js_name = requestSharedPlayback)]
    pub fn request_shared_playback(&self) -> Promise {
        self.run(Ok(true), |core, op, play, now| {
            core.request_shared_playback(op, play, now)
        })
    }

    /// Sets this client's sync state: `connecting | downloading | ready | missing`.
    #[wasm_bindgen(js_name = updateParticipantState)]
    pub fn update_participant_state(&self, sync_state: JsValue) -> Promise {
        self.run(interop::string(&sync_state), |core, op, s, now| {
            core.update_participant_state(op, &s, now)
        })
    }

    /// Sets this client's `{displayName}`.
    #[wasm_bindgen(js_name = updateParticipantProfile)]
    pub fn update_participant_profile(&self, profile: JsValue) -> Promise {
        self.run(interop::display_name(&profile), |core, op, name, now| {
            core.update_participant_profile(op, &name, now)
        })
    }

    /// Host: publishes a session pack; resolves with its metadata.
    #[wasm_bindgen(js_name = publishSessionPack)]
    pub fn publish_session_pack(&self, pack: JsValue) -> Promise {
        self.run(interop::json(&pack), |core, op, pack, now| {
            core.publish_session_pack(op, pack, now)
        })
    }

    /// Fetches the published pack, hash verified: `{pack, hash, updatedAt, size}`.
    #[wasm_bindgen(js_name = fetchSessionPack)]
    pub fn fetch_session_pack(&self) -> Promise {
        self.run(Ok(()), |core, op, (), now| core.fetch_session_pack(op, now))
    }

    /// Host: empties the session's online media.
    #[wasm_bindgen(js_name = resetSessionMediaPack)]
    pub fn reset_session_media_pack(&self) -> Promise {
        self.run(Ok(()), |core, op, (), now| {
            core.reset_session_media_pack(op, now)
        })
    }

    /// Host: takes or releases the media upload lock: `{inProgress, total?}`.
    #[wasm_bindgen(js_name = setSessionMediaUploadStatus)]
    pub fn set_session_media_upload_status(&self, status: JsValue) -> Promise {
        self.run(
            interop::upload_status(&status),
            |core, op, (busy, total), now| {
                core.set_session_media_upload_status(op, busy, total, now)
            },
        )
    }

    /// Host: publishes `{identity, name, ext, mime, bytes: Uint8Array}`.
    #[wasm_bindgen(js_name = publishSessionMediaFile)]
    pub fn publish_session_media_file(&self, file: JsValue) -> Promise {
        self.run(interop::local_media_file(&file), |core, op, file, now| {
            core.publish_session_media_file(op, file, now)
        })
    }

    /// The media manifest (`files: []` when the session has none).
    #[wasm_bindgen(js_name = fetchSessionMediaManifest)]
    pub fn fetch_session_media_manifest(&self) -> Promise {
        self.run(Ok(()), |core, op, (), now| {
            core.fetch_session_media_manifest(op, now)
        })
    }

    /// One media file by identity, verified, with its `bytes`.
    #[wasm_bindgen(js_name = fetchSessionMediaFile)]
    pub fn fetch_session_media_file(&self, identity: JsValue) -> Promise {
        self.run(interop::string(&identity), |core, op, id, now| {
            core.fetch_session_media_file(op, &id, now)
        })
    }

    /// Downloads every media file, `onFile(file)` for each verified one, progress
    /// in `state.mediaDownload`; resolves with `{files, bytes}`. `cache`: a
    /// content-addressed `{get, put}` (IndexedDB by default where the host has it,
    /// `false` for none): files it holds are checked and not fetched.
    #[wasm_bindgen(js_name = downloadSessionMedia)]
    pub fn download_session_media(&self, options: JsValue) -> Promise {
        match interop::download_options(&options) {
            Ok((on_file, cache)) => {
                let cached = cache.is_some();
                let hooks = super::driver::Hooks { on_file, cache };
                self.shared.call(Some(hooks), move |core, op, now| {
                    core.download_session_media_with(op, cached, now)
                })
            }
            Err(e) => rejected(e),
        }
    }

    /// Validates the current pack and media as the local copy (clears the start gate).
    #[wasm_bindgen(js_name = confirmLocalCopy)]
    pub fn confirm_local_copy(&self) {
        let now = super::env::now();
        self.shared.apply(|core| core.confirm_local_copy(now));
    }
}
