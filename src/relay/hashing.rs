//! Room-password hashing outside the core, for a relay that must not stall.
//!
//! A password hash (scrypt, ~50 ms at the deployed cost) is the one slow step of the
//! relay's rules. By default the core derives it inline, inside
//! [`RelayCore::handle_message`]: simple, and right for `MockRelay` and tests. After
//! [`RelayCore::defer_password_hashing`], a `createRoom` or `joinRoom` that needs a
//! hash is *parked* instead: the core emits [`RelayOutput::HashPassword`] with a
//! [`HashJob`], the IO layer runs [`HashJob::derive`] wherever it likes (the relay
//! server: a small pool of threads) and feeds the key back with
//! [`RelayCore::handle_password_hash`]. Meanwhile every other message, of every
//! connection, is handled as usual.
//!
//! When the key comes back the request runs again from the start, with the key
//! given: whatever changed meanwhile (the code taken by another create, the room
//! closed, the connection gone, the client joined by an earlier request) is seen, and
//! the reply is the one the request would get now. As with the deployed relay
//! (whose handlers await scrypt), replies to other requests may overtake it.
//!
//! At most `max_pending` hashes are outstanding at once (a request whose connection
//! closed still counts until its key is back: the work is under way); past that a
//! request that needs one is refused with `rate-limited`, so the hash work a relay
//! accepts stays bounded.
//!
//! The wasm module's `MockRelay` always hashes inline (a page has no worker threads
//! to hash on, and its hash is fast, see `password.rs`), so the deferred mode is not
//! built for wasm.

#[cfg(not(target_arch = "wasm32"))]
use super::RelayOutput;
use super::{ConnId, RelayCore};
use crate::error::SyncError;
use crate::protocol;
use crate::validate::SessionCode;
use serde_json::{Map, Value};
#[cfg(not(target_arch = "wasm32"))]
use {super::password, crate::error::Code, std::collections::BTreeMap};

/// One password hash for the IO layer to derive; the plaintext lives here only
/// until [`HashJob::derive`] has run.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, PartialEq, Eq)]
pub struct HashJob {
    /// Given back with the key to [`RelayCore::handle_password_hash`].
    pub job: u64,
    password: String,
    salt_hex: String,
    log_n: u8,
}

#[cfg(not(target_arch = "wasm32"))]
impl HashJob {
    /// The key: the slow part (see [`password::derive`]).
    pub fn derive(&self) -> [u8; 64] {
        password::derive(&self.password, &self.salt_hex, self.log_n)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Debug for HashJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashJob").field("job", &self.job).finish()
    }
}

/// A key derived for a request, given to its handler when it runs again.
pub(super) struct Derived {
    pub salt_hex: String,
    pub key: [u8; 64],
    pub log_n: u8,
}

/// Which request waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    Create,
    Join,
}

#[cfg(not(target_arch = "wasm32"))]
/// A request waiting for its hash.
pub(super) struct Parked {
    conn: ConnId,
    /// The reply id.
    id: String,
    kind: Waiting,
    code: SessionCode,
    payload: Map<String, Value>,
    salt_hex: String,
    log_n: u8,
    /// Its connection closed: the key is still awaited (the work is under way and
    /// counts against `max_pending`), then dropped.
    gone: bool,
}

#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Debug for Parked {
    // The payload holds the plaintext password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parked")
            .field("conn", &self.conn)
            .field("kind", &self.kind)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// What a request came to.
pub(super) enum Step {
    /// Answered: the reply's JSON.
    Reply(protocol::RawJson),
    /// Waiting for a hash (deferred mode only): what to park, and the password.
    #[cfg(not(target_arch = "wasm32"))]
    Hash(Box<Parked>, String),
}

/// The deferred mode's state: the requests waiting for a hash, by job.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Default)]
pub(super) struct Deferred {
    max_pending: usize,
    parked: BTreeMap<u64, Parked>,
    next_job: u64,
}

/// Inline hashing: the wasm module's `MockRelay`.
#[cfg(target_arch = "wasm32")]
impl RelayCore {
    /// The hash a request needs: always derived now, inline.
    #[allow(clippy::too_many_arguments, clippy::unused_self)]
    pub(super) fn wait_for_hash(
        &self,
        _conn: ConnId,
        _kind: Waiting,
        _code: &SessionCode,
        _payload: &Map<String, Value>,
        _password: &str,
        _salt_hex: &str,
        _log_n: u8,
    ) -> Result<Option<Step>, SyncError> {
        Ok(None)
    }
}

impl RelayCore {
    /// Sends a request's reply, or parks it and asks for its hash.
    pub(super) fn respond(&mut self, conn: ConnId, id: &str, result: Result<Step, SyncError>) {
        let frame = match result {
            Ok(Step::Reply(json)) => protocol::response_ok(id, &json),
            Err(e) => protocol::response_err_retry(id, &e.code(), e.retry_after_ms()),
            #[cfg(not(target_arch = "wasm32"))]
            Ok(Step::Hash(parked, password)) => return self.park(id, *parked, password),
        };
        self.send(conn, frame.into());
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl RelayCore {
    /// From now on, parks requests that need a password hash and emits
    /// [`RelayOutput::HashPassword`] for them (see the module doc); at most
    /// `max_pending` (at least 1) wait at once.
    pub fn defer_password_hashing(&mut self, max_pending: usize) {
        let deferred = self.deferred.get_or_insert_with(Default::default);
        deferred.max_pending = max_pending.max(1);
    }

    /// Password hashes outstanding (deferred mode).
    pub fn pending_password_hashes(&self) -> usize {
        self.deferred.as_ref().map_or(0, |d| d.parked.len())
    }

    /// The key of [`HashJob`] `job`: its request runs again, now with the key. A job
    /// whose connection closed meanwhile (or an unknown one) is ignored.
    pub fn handle_password_hash(&mut self, job: u64, key: [u8; 64], now: u64) {
        self.arm(now);
        let Some(parked) = self.deferred.as_mut().and_then(|d| d.parked.remove(&job)) else {
            return;
        };
        let Parked {
            conn,
            id,
            kind,
            code,
            payload,
            salt_hex,
            log_n,
            gone,
        } = parked;
        if gone || !self.conns.contains_key(&conn) {
            return;
        }
        let derived = Some(Derived {
            salt_hex,
            key,
            log_n,
        });
        let result = match kind {
            Waiting::Create => self.create_room(conn, code, &payload, now, derived),
            Waiting::Join if self.binding(conn, &code).is_some() => Err(Code::AlreadyJoined.into()),
            Waiting::Join => self.join_room(conn, code, &payload, now, derived),
        };
        self.respond(conn, &id, result);
        self.mark_conn_dirty(conn);
    }

    /// The hash a request needs, inline (`Ok(None)`: derive it now) or parked
    /// (`Ok(Some(step))`: return the step); `rate-limited` when too many wait.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn wait_for_hash(
        &self,
        conn: ConnId,
        kind: Waiting,
        code: &SessionCode,
        payload: &Map<String, Value>,
        password: &str,
        salt_hex: &str,
        log_n: u8,
    ) -> Result<Option<Step>, SyncError> {
        let Some(deferred) = &self.deferred else {
            return Ok(None);
        };
        if deferred.parked.len() >= deferred.max_pending {
            return Err(Code::RateLimited.into());
        }
        let parked = Parked {
            conn,
            id: String::new(),
            kind,
            code: code.clone(),
            payload: payload.clone(),
            salt_hex: salt_hex.to_string(),
            log_n,
            gone: false,
        };
        Ok(Some(Step::Hash(Box::new(parked), password.to_string())))
    }

    /// Parks request `id` and asks for its hash.
    fn park(&mut self, id: &str, mut parked: Parked, password: String) {
        let Some(deferred) = self.deferred.as_mut() else {
            return;
        };
        deferred.next_job += 1;
        let job = deferred.next_job;
        parked.id = id.to_string();
        let hash = HashJob {
            job,
            password,
            salt_hex: parked.salt_hex.clone(),
            log_n: parked.log_n,
        };
        deferred.parked.insert(job, parked);
        self.out.push_back(RelayOutput::HashPassword(hash));
    }

    /// The requests of a closed connection get no answer; their payloads (with the
    /// password) go at once, their places in `max_pending` when their keys return.
    pub(super) fn drop_parked(&mut self, conn: ConnId) {
        let Some(deferred) = self.deferred.as_mut() else {
            return;
        };
        for p in deferred.parked.values_mut().filter(|p| p.conn == conn) {
            p.gone = true;
            p.payload = Map::new();
        }
    }
}
