//! Which shard a client message goes to: the shard of the room it names.
//!
//! The relay's rooms are split across shards (each a [`crate::relay::RelayCore`] on
//! its own thread) by a hash of the session code. A connection task reads just
//! enough of each message to find its code: `payload.sessionCode` (every room
//! request and the `subscribe`/`unsubscribe` notifies), or the code inside a
//! resume token (`payload.resumeToken`, `rt1.<CODE>.<secret>`). A message without
//! one (a hello without a code, a malformed request) goes to the connection's
//! current shard, whose core answers it as a single core would.
//!
//! The probe borrows from the message and skips every other value, so a 2 MiB
//! media upload is scanned once here, on the connection's IO thread, not copied.

use crate::protocol::chunks;
use crate::relay::resume::{token_code, Asked};
use crate::validate::SessionCode;
use serde::Deserialize;
use std::borrow::Cow;

/// What the connection task needs to know of one message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Route {
    /// The room the message names, normalized.
    pub code: Option<SessionCode>,
    /// For a `subscribe` hello with a `features` list: what it asks for.
    pub hello: Option<Asked>,
    /// Whether it asks to enter the room (`createRoom`, `joinRoom`, `resumeSession`):
    /// the room the connection's log lines name from then on.
    pub enters: bool,
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<Payload<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(borrow, default)]
    session_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    resume_token: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    features: Option<Vec<Cow<'a, str>>>,
}

/// Reads the route of one message; a message this cannot read (not JSON, a
/// payload of another shape) has no code and goes to the current shard.
pub(super) fn route(bytes: &[u8]) -> Route {
    // A chunk frame (`media-chunks`) routes by its JSON header.
    let bytes = match chunks::is_chunk_frame(bytes) {
        true => match chunks::decode_frame(bytes) {
            Some((header, _)) => header.as_bytes(),
            None => return Route::default(),
        },
        false => bytes,
    };
    let Ok(p) = serde_json::from_slice::<Probe>(bytes) else {
        return Route::default();
    };
    let action = p.action.as_deref().map(str::trim).unwrap_or("");
    let Some(payload) = p.payload else {
        return Route::default();
    };
    let code = match action {
        "resumeSession" => payload.resume_token.as_deref().and_then(token_code),
        _ => payload
            .session_code
            .as_deref()
            .and_then(SessionCode::normalize),
    };
    let hello = (p.kind.as_deref() == Some("notify") && action == "subscribe")
        .then(|| {
            payload
                .features
                .as_ref()
                .map(|f| Asked::of(f.iter().map(|s| s.as_ref())))
        })
        .flatten();
    Route {
        enters: code.is_some() && matches!(action, "createRoom" | "joinRoom" | "resumeSession"),
        code,
        hello,
    }
}

/// The shard of a room: FNV-1a of its code, modulo the number of shards.
pub(super) fn shard_of(code: &SessionCode, shards: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.as_str().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % shards.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<SessionCode> {
        SessionCode::normalize(s)
    }

    #[test]
    fn room_requests_route_by_their_normalized_code() {
        let r = route(br#"{"type":"request","id":"1","action":"createRoom","payload":{"sessionCode":" abcd-efgh ","hostClientId":"h"}}"#);
        assert_eq!(r.code, code("ABCD-EFGH"));
        assert!(r.enters);
        let r = route(br#"{"type":"request","id":"2","action":"updateSessionState","payload":{"state":{"x":[1,2,{"y":"z"}]},"sessionCode":"ABCD-EFGH"}}"#);
        assert_eq!((r.code, r.enters), (code("ABCD-EFGH"), false));
    }

    #[test]
    fn a_resume_routes_by_the_code_in_its_token() {
        let secret = "A".repeat(43);
        let msg = format!(
            r#"{{"type":"request","id":"1","action":"resumeSession","payload":{{"resumeToken":"rt1.WXYZ-2345.{secret}"}}}}"#
        );
        let r = route(msg.as_bytes());
        assert_eq!(r.code, code("WXYZ-2345"));
        assert!(r.enters);
        let bad = route(br#"{"type":"request","id":"1","action":"resumeSession","payload":{"resumeToken":"rt1.x"}}"#);
        assert_eq!(bad.code, None);
    }

    #[test]
    fn a_hello_says_what_it_negotiates() {
        let r = route(br#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#);
        let resume = Asked {
            resume: true,
            chunks: false,
        };
        assert_eq!((r.code, r.hello), (None, Some(resume)));
        let r = route(br#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["x","media-chunks"]}}"#);
        assert_eq!(
            r.hello,
            Some(Asked {
                resume: false,
                chunks: true
            })
        );
        let r = route(
            br#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"ABCD-EFGH"}}"#,
        );
        assert_eq!((r.code, r.hello), (code("ABCD-EFGH"), None));
    }

    #[test]
    fn a_chunk_frame_routes_by_its_header() {
        let header = r#"{"type":"request","id":"9","action":"uploadSessionMediaChunk","payload":{"sessionCode":"abcd-efgh","sha256":"00","index":0}}"#;
        let frame = chunks::encode_frame(header, &[b'{'; 64]);
        assert_eq!(route(&frame).code, code("ABCD-EFGH"));
        assert_eq!(route(&frame[..6]), Route::default());
    }

    #[test]
    fn what_cannot_be_read_has_no_code() {
        for m in [
            &b"not json"[..],
            br#"{"type":"request","id":"1","action":"joinRoom","payload":[1]}"#,
            br#"{"type":"request","id":"1","action":"joinRoom","payload":{"sessionCode":7}}"#,
            br#"{"type":"request","id":"1","action":"joinRoom"}"#,
            br#"{"type":"request","id":"1","action":"joinRoom","payload":{"features":[1]}}"#,
        ] {
            assert_eq!(route(m), Route::default(), "{}", String::from_utf8_lossy(m));
        }
    }

    #[test]
    fn shards_spread_codes_and_stay_in_range() {
        let mut seen = [0usize; 4];
        for i in 0..400 {
            let c = code(&format!("AB{:02}-{:04}", i % 100, i)).expect("code");
            seen[shard_of(&c, 4)] += 1;
            assert_eq!(shard_of(&c, 1), 0);
        }
        assert!(seen.iter().all(|&n| n > 40), "{seen:?}");
    }
}
