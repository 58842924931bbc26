//! Our extension: negotiation (`relay-features`), resume tokens, `resumeSession` and
//! the grace of members whose connection dropped. Sans-IO like the rest of the core.
//!
//! Decisions where the spec is silent:
//! - A connection that did not negotiate `resume` gets `unknown-action:resumeSession`
//!   for a `resumeSession` request, exactly as the deployed relay answers it.
//! - `host_grace_ms = 0` switches the grace off for everyone (participants too): a drop
//!   leaves at once, as deployed. Tokens are still issued to negotiated connections.
//! - A resume whose member's grace has ended but whose timer has not yet run is refused
//!   (`session-expired`); the timer removes the member when it runs.
//! - The hello is a notify: over the message rate limit it is dropped like any notify,
//!   so no `relay-features` comes and the client falls back to today's behaviour.
//! - The per-address resume limiter shares the join-attempt window
//!   (`join_attempts_window_ms`), with its own maximum.

use super::handlers::room_event;
use super::room::Member;
use super::{ConnId, RelayCore, RelayOutput};
use crate::error::{Code, SyncError};
use crate::protocol::{to_raw, RawJson, RoomSnapshot};
use crate::validate::SessionCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The features this relay supports.
pub const FEATURES: &[&str] = &["resume", crate::protocol::chunks::FEATURE_CHUNKS];
/// The prefix of every resume token.
pub const TOKEN_PREFIX: &str = "rt1.";
/// Close code sent to a connection whose member resumed on another connection.
pub const RESUMED_ELSEWHERE_CODE: u16 = 4001;
/// Its close reason.
pub const RESUMED_ELSEWHERE_REASON: &str = "session-resumed-elsewhere";
/// Domain tag of the token DRBG.
const TOKEN_DOMAIN: &[u8] = b"online-sync resume token v1";

/// SHA-256 of a token's text: what the relay stores.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The session code a token names, if it is well-formed:
/// `rt1.<CODE>.<43 chars of base64url>` decoding to 32 bytes.
pub fn token_code(token: &str) -> Option<SessionCode> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (code, secret) = rest.split_once('.')?;
    if secret.len() != 43 || URL_SAFE_NO_PAD.decode(secret).ok()?.len() != 32 {
        return None;
    }
    let normalized = SessionCode::normalize(code)?;
    (normalized.as_str() == code).then_some(normalized)
}

/// The reply of create, join and resume on a negotiated connection: the snapshot's
/// fields, then `resumeToken` (and `clientId` / `role` for a resume).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WithToken<'a> {
    #[serde(flatten)]
    snapshot: &'a RoomSnapshot,
    resume_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
}

/// The features of this relay a hello's `features` list (the `subscribe` notify)
/// asks for; the core agrees to those its settings allow. An IO layer reads it to
/// carry a negotiation to the other cores of a sharded relay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asked {
    /// `resume` is asked for.
    pub resume: bool,
    /// `media-chunks` is asked for.
    pub chunks: bool,
}

impl Asked {
    /// What `asked` (the hello's feature names) asks of [`FEATURES`].
    pub fn of<'a>(asked: impl IntoIterator<Item = &'a str>) -> Asked {
        let mut a = Asked::default();
        for name in asked {
            a.resume |= name == "resume";
            a.chunks |= name == crate::protocol::chunks::FEATURE_CHUNKS;
        }
        a
    }
}

impl RelayCore {
    /// A negotiation `conn` made on another core of the same relay (a relay whose
    /// rooms are sharded across cores: the hello went to one of them) holds here
    /// too, without a second `relay-features` reply.
    pub fn handle_negotiated(&mut self, conn: ConnId, asked: Asked) {
        self.agree(conn, asked);
    }

    /// Records what `conn` and this relay both support; returns the feature names.
    fn agree(&mut self, conn: ConnId, asked: Asked) -> Vec<&'static str> {
        let chunks = asked.chunks && !self.settings.disable_media_chunks;
        if let Some(c) = self.conns.get_mut(&conn) {
            c.resume = asked.resume;
            c.chunks = chunks;
        }
        let mut common = Vec::new();
        if asked.resume {
            common.push("resume");
        }
        if chunks {
            common.push(crate::protocol::chunks::FEATURE_CHUNKS);
        }
        common
    }

    /// Whether `conn` negotiated `resume`.
    pub(super) fn negotiated(&self, conn: ConnId) -> bool {
        self.conns.get(&conn).is_some_and(|c| c.resume)
    }

    /// A `subscribe` notify with a `features` array: records what both sides support
    /// and answers with `relay-features` at once. Returns whether it answered.
    pub(super) fn negotiate(&mut self, conn: ConnId, payload: &Map<String, Value>) -> bool {
        let Some(Value::Array(asked)) = payload.get("features") else {
            return false;
        };
        let common = self.agree(conn, Asked::of(asked.iter().filter_map(Value::as_str)));
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Features<'a> {
            r#type: &'static str,
            features: &'a [&'static str],
            host_grace_ms: u64,
        }
        let event = to_raw(&Features {
            r#type: "relay-features",
            features: &common,
            host_grace_ms: self.settings.host_grace_ms,
        });
        let text: Arc<str> = crate::protocol::event_frame(&event).into();
        self.send(conn, text);
        true
    }

    /// A fresh token for `code`: 32 bytes from the hash DRBG over the seed.
    fn new_token(&mut self, code: &SessionCode) -> String {
        self.counter += 1;
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_le_bytes());
        h.update(TOKEN_DOMAIN);
        let secret = URL_SAFE_NO_PAD.encode(h.finalize());
        format!("{TOKEN_PREFIX}{code}.{secret}")
    }

    /// After a successful create or join: on a negotiated connection, issues the
    /// member's token and adds it to the reply; otherwise the reply as it is.
    pub(super) fn with_token(
        &mut self,
        conn: ConnId,
        code: &SessionCode,
        client: &str,
        reply: RawJson,
    ) -> RawJson {
        if !self.negotiated(conn) {
            return reply;
        }
        let token = self.new_token(code);
        let Some(room) = self.rooms.get_mut(code) else {
            return reply;
        };
        let Some(member) = room.member_mut(client) else {
            return reply;
        };
        member.resume_token_hash = Some(token_hash(&token));
        to_raw(&WithToken {
            snapshot: &room.snapshot(),
            resume_token: &token,
            client_id: None,
            role: None,
        })
    }

    /// Counts a resume attempt against the socket's join window and its address.
    fn count_resume(&mut self, conn: ConnId, now: u64) -> Result<(), SyncError> {
        let s = &self.settings;
        let (w, m, ip_max, ips_max) = (
            s.join_attempts_window_ms,
            s.join_attempts_max,
            s.resume_attempts_per_ip_max,
            s.resume_tracked_ips_max,
        );
        let c = self.conns.get_mut(&conn).ok_or(Code::RequestFailed)?;
        if !c.windows.join(now, w, m) {
            return Err(Code::TooManyPasswordAttempts.into());
        }
        let ip = c.ip.clone();
        if !self.resume_ips.contains_key(&ip) && self.resume_ips.len() >= ips_max {
            self.resume_ips.retain(|_, win| !win.is_stale(now, w));
            if self.resume_ips.len() >= ips_max {
                return Err(Code::TooManyPasswordAttempts.into());
            }
        }
        if !self.resume_ips.entry(ip).or_default().hit(now, w, ip_max) {
            return Err(Code::TooManyPasswordAttempts.into());
        }
        Ok(())
    }

    /// `resumeSession`: the pipeline and the rebinding of the spec.
    pub(super) fn resume(
        &mut self,
        conn: ConnId,
        payload: &Map<String, Value>,
        now: u64,
    ) -> Result<RawJson, SyncError> {
        if !self.negotiated(conn) {
            return Err(SyncError::UnknownAction("resumeSession".to_string()));
        }
        self.count_resume(conn, now)?;
        let token = payload
            .get("resumeToken")
            .and_then(Value::as_str)
            .unwrap_or("");
        let code = token_code(token).ok_or(Code::SessionExpired)?;
        let hash = token_hash(token);
        let room = self.rooms.get(&code).ok_or(Code::SessionExpired)?;
        let found = room.members.iter().find(|m| {
            m.resume_token_hash
                .is_some_and(|h| bool::from(h.ct_eq(&hash)))
        });
        let member: &Member = found.ok_or(Code::SessionExpired)?;
        if member.grace_until.is_some_and(|t| now >= t) {
            return Err(Code::SessionExpired.into());
        }
        if self.binding(conn, &code).is_some() {
            return Err(Code::AlreadyJoined.into());
        }
        let client = member.client_id.clone();
        let old = (member.connected && member.conn != conn).then_some(member.conn);
        let role = if room.is_host(&client) {
            "host"
        } else {
            "participant"
        };
        if let Some(old) = old {
            self.unbind(old, &code);
            self.out.push_back(RelayOutput::Close {
                conn: old,
                code: RESUMED_ELSEWHERE_CODE,
                reason: RESUMED_ELSEWHERE_REASON,
            });
        }
        let token = self.new_token(&code);
        let room = self.rooms.get_mut(&code).ok_or(Code::SessionExpired)?;
        let member = room.member_mut(&client).ok_or(Code::SessionExpired)?;
        member.conn = conn;
        member.connected = true;
        member.grace_until = None;
        member.resume_token_hash = Some(token_hash(&token));
        room.updated_at = now;
        let snapshot = room.snapshot();
        self.broadcast(
            &code,
            &room_event("room-updated", "participant-state-updated", &snapshot),
        );
        if let Some(c) = self.conns.get_mut(&conn) {
            c.bindings.push((code.clone(), client.clone()));
        }
        if let Some(room) = self.rooms.get_mut(&code) {
            room.subscribe(conn);
        }
        Ok(to_raw(&WithToken {
            snapshot: &snapshot,
            resume_token: &token,
            client_id: Some(&client),
            role: Some(role),
        }))
    }

    /// Removes `conn`'s binding to `code` and its subscription, leaving the member.
    fn unbind(&mut self, conn: ConnId, code: &SessionCode) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.bindings.retain(|(b, _)| b != code);
            c.limiters.retain(|(b, _), _| b != code);
        }
        if let Some(room) = self.rooms.get_mut(code) {
            room.unsubscribe(conn);
        }
    }

    /// A negotiated connection bound to `code` dropped: with a grace, its member stays,
    /// disconnected, until `now + host_grace_ms`. Returns false when the caller must
    /// leave as deployed (not negotiated, or no grace).
    pub(super) fn drop_into_grace(&mut self, conn: ConnId, code: &SessionCode, now: u64) -> bool {
        let grace = self.settings.host_grace_ms;
        if grace == 0 || !self.negotiated(conn) {
            return false;
        }
        let Some(client) = self.binding(conn, code) else {
            return false;
        };
        self.unbind(conn, code);
        let Some(room) = self.rooms.get_mut(code) else {
            return true;
        };
        let Some(member) = room.member_mut(&client) else {
            return true;
        };
        member.connected = false;
        member.grace_until = Some(now.saturating_add(grace));
        room.updated_at = now;
        let snapshot = room.snapshot();
        self.broadcast(
            code,
            &room_event("room-updated", "participant-state-updated", &snapshot),
        );
        true
    }

    /// Ends every grace that is over by `now`: a participant leaves
    /// (`participant-left`), a host's room closes (`room-closed` / `host-left`).
    pub(super) fn end_graces(&mut self, now: u64) {
        let over: Vec<(SessionCode, String)> = self
            .rooms
            .values()
            .flat_map(|r| {
                r.members
                    .iter()
                    .filter(|m| m.grace_until.is_some_and(|t| now >= t))
                    .map(|m| (r.code.clone(), m.client_id.clone()))
            })
            .collect();
        for (code, client) in over {
            let Some(room) = self.rooms.get_mut(&code) else {
                continue;
            };
            if room.is_host(&client) {
                self.close_room(&code, "host-left");
                continue;
            }
            room.members.retain(|m| m.client_id != client);
            room.updated_at = now;
            let snapshot = room.snapshot();
            self.broadcast(
                &code,
                &room_event("room-updated", "participant-left", &snapshot),
            );
        }
    }

    /// The earliest grace deadline of every room.
    pub(super) fn next_grace(&self) -> Option<u64> {
        self.rooms.values().filter_map(|r| r.grace_deadline()).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_name_a_code() {
        let secret = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let good = format!("rt1.ABCD-EFGH.{secret}");
        assert_eq!(
            token_code(&good).map(|c| c.to_string()),
            Some("ABCD-EFGH".into())
        );
        for bad in [
            String::new(),
            format!("rt1.abcd-efgh.{secret}"),
            format!("rt1.ABCD-EFGH.{}", &secret[1..]),
            format!("rt1.ABCD-EFGH.{secret}="),
            format!("rt1.ABCD-EFGH.{}+", &secret[1..]),
            format!("rt0.ABCD-EFGH.{secret}"),
            format!("rt1.ABCDEFGH.{secret}"),
        ] {
            assert_eq!(token_code(&bad), None, "{bad}");
        }
        assert_ne!(token_hash(&good), token_hash(&format!("{good}x")));
    }
}
