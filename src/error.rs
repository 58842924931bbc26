//! Every error code of the contract, the relay and the client, from one table.
//!
//! Codes are the strings the deployed relay and clients use on the wire and in
//! `lastError`. The core returns [`SyncError`]; only the wasm boundary turns it
//! into a JS `Error` with a `.code`.

use std::borrow::Cow;
use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $msg:literal;)*) => {
        /// A stable error code with a fixed string form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The wire string of this code, e.g. `session-not-found`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A readable sentence for people.
            pub const fn message(self) -> &'static str {
                match self { $(Code::$variant => $msg,)* }
            }

            /// The code whose wire string is `s`, if it is one of the table's.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    // The contract's codes (Lot 1, 7.7a, 7.7b).
    /// The session code is empty.
    MissingSessionCode => "missing-session-code", "A session code is required.";
    /// No room has this code.
    SessionNotFound => "session-not-found", "No session has this code.";
    /// The password is wrong, missing or too long.
    InvalidPassword => "invalid-password", "The password is not valid for this session.";
    /// A room with this code already exists.
    SessionAlreadyExists => "session-already-exists", "A session with this code already exists.";
    /// No transport, relay unreachable, connection lost or no reply in time.
    TransportUnavailable => "transport-unavailable", "The relay cannot be reached.";
    /// Only the host may do this.
    ForbiddenNotHost => "forbidden-not-host", "Only the host can do this.";
    /// The session pack fails validation.
    InvalidSessionPack => "invalid-session-pack", "The session pack is not valid.";
    /// The session pack is over the size limit.
    SessionPackTooLarge => "session-pack-too-large", "The session pack is too large.";
    /// No session pack is published.
    SessionPackNotFound => "session-pack-not-found", "No session pack is published.";
    /// A media file fails validation.
    InvalidSessionMedia => "invalid-session-media", "The media file is not valid.";
    /// A media file, or the session's media, is over a limit.
    SessionMediaTooLarge => "session-media-too-large", "The media is too large.";
    /// The session has no online media.
    SessionMediaNotFound => "session-media-not-found", "The session has no online media.";
    /// No media file has this identity.
    SessionMediaFileNotFound => "session-media-file-not-found", "No media file has this identity.";
    /// The media type is not allowed or its bytes do not match it.
    SessionMediaUnsupportedType => "session-media-unsupported-type", "This media type is not supported.";
    // The relay's further codes.
    /// The session code is malformed.
    InvalidSessionCode => "invalid-session-code", "The session code must look like ABCD-EFGH.";
    /// The client id is malformed.
    InvalidClientId => "invalid-client-id", "The client id is not valid.";
    /// The host client id is malformed.
    InvalidHostClientId => "invalid-host-client-id", "The host client id is not valid.";
    /// A participant tried to join with the host's client id.
    ForbiddenHostImpersonation => "forbidden-host-impersonation", "This client id belongs to the host.";
    /// Another participant already has this client id.
    DuplicateClientId => "duplicate-client-id", "This client id is already in the session.";
    /// The room is at its participant limit.
    RoomFull => "room-full", "The session is full.";
    /// The relay is at its room limit.
    ServerRoomLimit => "server-room-limit", "The relay cannot open more sessions.";
    /// This connection is not in that session.
    NotJoined => "not-joined", "You are not in this session.";
    /// This connection is already in that session.
    AlreadyJoined => "already-joined", "You are already in this session.";
    /// Too many join attempts in a short time.
    TooManyPasswordAttempts => "too-many-password-attempts", "Too many attempts: wait a minute.";
    /// The request envelope is malformed.
    InvalidRequest => "invalid-request", "The request is malformed.";
    /// A request handler failed.
    RequestFailed => "request-failed", "The request failed.";
    /// Too many messages on this connection.
    RateLimited => "rate-limited", "Too many messages: slow down.";
    /// Too many state or profile updates.
    StateRateLimited => "state-rate-limited", "Too many state updates: slow down.";
    /// Too many profile updates.
    ProfileRateLimited => "profile-rate-limited", "Too many profile updates: slow down.";
    /// Too many rtc signals.
    RtcRateLimited => "rtc-rate-limited", "Too many signals: slow down.";
    /// Too many drawing messages.
    DrawingRateLimited => "drawing-rate-limited", "Too many drawing messages: slow down.";
    /// The session state fails validation.
    InvalidSessionState => "invalid-session-state", "The session state is not valid.";
    /// The session state is over the size limit.
    SessionStateTooLarge => "session-state-too-large", "The session state is too large.";
    /// The host is uploading media; reads wait until it is done.
    SessionMediaUploadInProgress => "session-media-upload-in-progress", "The host is still uploading media.";
    /// Media transfer is switched off on this relay.
    MediaTransferDisabled => "media-transfer-disabled", "Media transfer is disabled.";
    /// The display name is not valid.
    InvalidDisplayName => "invalid-display-name", "The display name is not valid.";
    /// The rtc signal is malformed.
    InvalidRtcSignal => "invalid-rtc-signal", "The signal is not valid.";
    /// The drawing message is malformed.
    InvalidDrawingSync => "invalid-drawing-sync", "The drawing message is not valid.";
    /// The drawing message is over the size limit.
    DrawingSyncTooLarge => "drawing-sync-too-large", "The drawing message is too large.";
    // Codes of our chunked media extension (`media-chunks`).
    /// A chunk's bytes do not hash to its `sha256`: it was not kept; send it again.
    MediaChunkCorrupt => "media-chunk-corrupt", "A media chunk arrived damaged.";
    /// A chunk does not start where the upload stands (the reply says where).
    MediaChunkOutOfOrder => "media-chunk-out-of-order", "A media chunk arrived out of order.";
    /// No unfinished upload has this id (never begun, finished, or given up).
    MediaUploadNotFound => "media-upload-not-found", "This media upload is not in progress.";
    /// Over the relay's transfer rate for this address or room (`retryAfterMs` says when).
    MediaRateLimited => "media-rate-limited", "Too many media bytes: slow down.";
    // Client-side codes.
    /// The host left and the session ended.
    HostDisconnected => "host-disconnected", "The host left: the session has ended.";
    /// The session expired on the relay.
    SessionExpired => "session-expired", "The session expired.";
    /// The session was closed.
    SessionClosed => "session-closed", "The session was closed.";
    /// The pack's hash does not match what the relay announced.
    SessionPackIntegrityFailed => "session-pack-integrity-failed", "The session pack is corrupted.";
    /// The media transfer was cancelled.
    TransferCancelled => "transfer-cancelled", "The transfer was cancelled.";
    /// The connection dropped; reconnecting.
    WebsocketReconnecting => "websocket-reconnecting", "Connection lost: reconnecting.";
    /// The connection dropped and reconnecting gave up.
    WebsocketDisconnected => "websocket-disconnected", "Connection lost.";
    /// A JS argument has the wrong type or is missing a field.
    InvalidArgument => "invalid-argument", "An argument is missing or has the wrong type.";
}

/// An error of the core: a [`Code`] of the table, or one of the few codes that carry data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// A code of the table.
    Known(Code),
    /// `unknown-action:<name>`: the relay has no such action.
    UnknownAction(String),
    /// `session-media-incomplete:<done>/<total>`: some media files failed to download.
    MediaIncomplete {
        /// Files downloaded and verified.
        done: usize,
        /// Files in the manifest.
        total: usize,
    },
    /// A code a relay sent that this build does not know; kept verbatim.
    Remote(String),
    /// A limit's code, with how long until the request may be tried again (the
    /// relay adds `retryAfterMs` to the error reply).
    RetryAfter {
        /// The code (e.g. `too-many-password-attempts`).
        code: Code,
        /// Milliseconds until a retry may succeed.
        after_ms: u64,
    },
}

impl SyncError {
    /// The error's stable string code.
    pub fn code(&self) -> Cow<'_, str> {
        match self {
            SyncError::Known(c) => Cow::Borrowed(c.as_str()),
            SyncError::UnknownAction(a) => Cow::Owned(format!("unknown-action:{a}")),
            SyncError::MediaIncomplete { done, total } => {
                Cow::Owned(format!("session-media-incomplete:{done}/{total}"))
            }
            SyncError::Remote(s) => Cow::Borrowed(s),
            SyncError::RetryAfter { code, .. } => Cow::Borrowed(code.as_str()),
        }
    }

    /// Milliseconds until a retry may succeed, when the error says.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            SyncError::RetryAfter { after_ms, .. } => Some(*after_ms),
            _ => None,
        }
    }

    /// A readable sentence for people.
    pub fn message(&self) -> Cow<'_, str> {
        match self {
            SyncError::Known(c) => Cow::Borrowed(c.message()),
            SyncError::UnknownAction(a) => Cow::Owned(format!("The relay has no action {a:?}.")),
            SyncError::MediaIncomplete { done, total } => Cow::Owned(format!(
                "Only {done} of {total} media files could be downloaded."
            )),
            SyncError::Remote(s) => Cow::Owned(format!("The relay answered {s:?}.")),
            SyncError::RetryAfter { code, after_ms } => Cow::Owned(format!(
                "{} Try again in {} s.",
                code.message(),
                after_ms.div_ceil(1000)
            )),
        }
    }

    /// The error for a code string received from a relay.
    pub fn from_code(s: &str) -> SyncError {
        if let Some(c) = Code::parse(s) {
            return SyncError::Known(c);
        }
        if let Some(name) = s.strip_prefix("unknown-action:") {
            return SyncError::UnknownAction(name.to_string());
        }
        if let Some((d, t)) = s
            .strip_prefix("session-media-incomplete:")
            .and_then(|r| r.split_once('/'))
        {
            if let (Ok(done), Ok(total)) = (d.parse(), t.parse()) {
                return SyncError::MediaIncomplete { done, total };
            }
        }
        SyncError::Remote(s.to_string())
    }

    /// Whether this error is the given code of the table.
    pub fn is(&self, code: Code) -> bool {
        matches!(self, SyncError::Known(c) if *c == code)
    }
}

impl From<Code> for SyncError {
    fn from(c: Code) -> Self {
        SyncError::Known(c)
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for SyncError {}

/// Result type of the core.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            assert_eq!(SyncError::from_code(c.as_str()), SyncError::Known(*c));
        }
    }

    #[test]
    fn codes_with_data() {
        let e = SyncError::from_code("unknown-action:fly");
        assert_eq!(e, SyncError::UnknownAction("fly".into()));
        assert_eq!(e.code(), "unknown-action:fly");
        let e = SyncError::from_code("session-media-incomplete:2/3");
        assert_eq!(e, SyncError::MediaIncomplete { done: 2, total: 3 });
        assert_eq!(e.code(), "session-media-incomplete:2/3");
        assert_eq!(SyncError::from_code("new-code").code(), "new-code");
    }
}
