//! Client-side frames of the issue-10 wire extension (see the resume spec):
//! the `hello` sent first on every connection, the `resumeSession` request, and
//! readers for what a negotiated relay adds (`relay-features`, `resumeToken`,
//! `clientId`/`role` of a resume reply, `hostConnected` of a snapshot).
//!
//! Kept apart from the rest of the protocol so that a deployed relay's wire stays
//! exactly as it was: nothing here is sent before the relay has negotiated, except
//! the hello, which the deployed relay ignores (a `subscribe` with an empty code).

use serde::Deserialize;
use serde_json::json;

/// The feature of resume tokens and grace (the hello also asks for
/// [`super::chunks::FEATURE_CHUNKS`]).
pub const FEATURE_RESUME: &str = "resume";

/// The wire name of the resume request.
pub const RESUME_SESSION: &str = "resumeSession";

/// Prefix of every resume token (`rt1.<CODE>.<secret>`).
const TOKEN_PREFIX: &str = "rt1.";

/// Longest token the client will route (prefix + 64-char code + dot + 43-char secret,
/// with room to spare); longer input is malformed.
pub const MAX_TOKEN_LEN: usize = 256;

/// The hello: a `subscribe` notify with an empty code and the features asked for.
pub fn hello_frame() -> String {
    json!({"type": "notify", "action": "subscribe",
        "payload": {"sessionCode": "", "features": [FEATURE_RESUME, super::chunks::FEATURE_CHUNKS]}})
    .to_string()
}

/// A `resumeSession` request with this id and token.
pub fn resume_request_frame(id: &str, token: &str) -> String {
    json!({"type": "request", "id": id, "action": RESUME_SESSION,
        "payload": {"resumeToken": token}})
    .to_string()
}

/// The session code inside a well-formed token, `None` for a malformed one.
///
/// Only the shape is checked (`rt1.`, a non-empty code of `[A-Za-z0-9_-]`, a dot,
/// a 43-char base64url secret): the relay decides whether the token is valid.
pub fn token_session_code(token: &str) -> Option<&str> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (code, secret) = rest.rsplit_once('.')?;
    let b64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let code_ok = !code.is_empty() && code.chars().all(b64url);
    (code_ok && secret.len() == 43 && secret.chars().all(b64url)).then_some(code)
}

/// The features of a `relay-features` event, `None` for any other event.
pub fn relay_features(event: &str) -> Option<Vec<String>> {
    #[derive(Deserialize)]
    struct Ev {
        r#type: String,
        #[serde(default)]
        features: Vec<String>,
    }
    let ev: Ev = serde_json::from_str(event).ok()?;
    (ev.r#type == "relay-features").then_some(ev.features)
}

/// What a negotiated relay adds to a reply's result or an event's snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// The member's new resume token (create/join/resume replies only).
    pub resume_token: Option<String>,
    /// The member's client id (resume replies).
    pub client_id: Option<String>,
    /// The member's role, `host` or `participant` (resume replies).
    pub role: Option<String>,
    /// Whether the host is connected (every snapshot of our relay).
    pub host_connected: Option<bool>,
}

/// Reads the extras of a snapshot-shaped object; a field of the wrong type, or
/// anything but an object, reads as no extras.
pub fn extras(text: &str) -> Extras {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Lenient {
        #[serde(rename = "resumeToken")]
        resume_token: serde_json::Value,
        #[serde(rename = "clientId")]
        client_id: serde_json::Value,
        role: serde_json::Value,
        #[serde(rename = "hostConnected")]
        host_connected: serde_json::Value,
    }
    let Ok(l) = serde_json::from_str::<Lenient>(text) else {
        return Extras::default();
    };
    let s = |v: serde_json::Value| v.as_str().map(str::to_string);
    Extras {
        resume_token: s(l.resume_token),
        client_id: s(l.client_id),
        role: s(l.role),
        host_connected: l.host_connected.as_bool(),
    }
}

/// The `hostConnected` of an event's `snapshot`, if it has one.
pub fn event_host_connected(event: &str) -> Option<bool> {
    #[derive(Deserialize)]
    struct Ev<'a> {
        #[serde(borrow, default)]
        snapshot: Option<&'a serde_json::value::RawValue>,
    }
    let ev: Ev = serde_json::from_str(event).ok()?;
    extras(ev.snapshot?.get()).host_connected
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456";

    #[test]
    fn tokens_route_by_code_and_reject_bad_shapes() {
        assert_eq!(SECRET.len(), 43);
        let good = format!("rt1.ABC-123.{SECRET}");
        assert_eq!(token_session_code(&good), Some("ABC-123"));
        for bad in [
            String::new(),
            "rt1.".into(),
            format!("rt2.ABC.{SECRET}"),
            format!("rt1..{SECRET}"),
            "rt1.ABC.short".into(),
            format!("rt1.A B.{SECRET}"),
            format!("rt1.ABC.{SECRET}="),
            format!("rt1.{}.{SECRET}", "A".repeat(MAX_TOKEN_LEN)),
        ] {
            assert_eq!(token_session_code(&bad), None, "{bad}");
        }
    }

    #[test]
    fn extras_are_read_leniently() {
        let e = extras(r#"{"resumeToken":"t","clientId":"c","role":"host","hostConnected":false}"#);
        assert_eq!(e.resume_token.as_deref(), Some("t"));
        assert_eq!(
            (e.client_id.as_deref(), e.role.as_deref()),
            (Some("c"), Some("host"))
        );
        assert_eq!(e.host_connected, Some(false));
        assert_eq!(extras(r#"{"resumeToken":3}"#), Extras::default());
        assert_eq!(extras("[1]"), Extras::default());
        assert_eq!(
            event_host_connected(r#"{"type":"room-updated","snapshot":{"hostConnected":true}}"#),
            Some(true)
        );
        assert_eq!(
            relay_features(r#"{"type":"relay-features","features":["resume"],"hostGraceMs":1}"#),
            Some(vec!["resume".to_string()])
        );
        assert_eq!(relay_features(r#"{"type":"room-updated"}"#), None);
        assert!(hello_frame().contains(r#""features":["resume","media-chunks"]"#));
    }
}
