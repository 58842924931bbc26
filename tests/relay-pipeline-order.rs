//! The order of checks of the request pipeline: global rate limit, envelope, payload type,
//! join checks (code, already-joined, password limiter), binding (`not-joined`), per-action
//! limiters, media kill-switch, then the handler's own validation. Bound ids replace any
//! `sourceClientId` / `clientId` the client sends.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn unbound_socket_with_a_bad_payload_gets_not_joined() {
    let mut r = Relay::room_with(|s| s.disable_media_transfer = true);
    r.connect(3);
    let cases = [
        (
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"isPlaying": "x"}}),
        ),
        ("uploadSessionPack", json!({"sessionCode": CODE, "pack": 1})),
        (
            "uploadSessionMediaFile",
            json!({"sessionCode": CODE, "file": null}),
        ),
        (
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "a/b"}),
        ),
        (
            "sendRtcSignal",
            json!({"sessionCode": CODE, "signalType": "x"}),
        ),
        (
            "sendDrawingSync",
            json!({"sessionCode": CODE, "msgType": "x"}),
        ),
        (
            "updateParticipantProfile",
            json!({"sessionCode": CODE, "displayName": ""}),
        ),
    ];
    for (action, p) in cases {
        assert_eq!(r.err(3, action, p), "not-joined", "{action}");
    }
}

#[test]
fn rate_limit_comes_before_the_envelope_checks() {
    let mut r = Relay::default();
    r.connect(1);
    for _ in 0..45 {
        r.send(1, r#"{"type":"other"}"#);
    }
    for text in [
        r#"{"type":"request","id":"a","payload":[]}"#,
        r#"{"type":"request","id":"b","action":"nope"}"#,
        r#"{"type":"request","id":"c","action":"joinRoom","payload":{"sessionCode":"bad"}}"#,
    ] {
        let f = r.send(1, text);
        assert_eq!(outcome(&f[0].json), Err("rate-limited".into()), "{text}");
    }
}

#[test]
fn join_checks_code_then_binding_then_attempts() {
    let mut r = Relay::room();
    // Exhaust conn 2's join attempts (it used one to join).
    for _ in 0..4 {
        r.err(
            2,
            "joinRoom",
            json!({"sessionCode": "ZZZZ-0000", "clientId": "g"}),
        );
    }
    assert_eq!(
        r.err(
            2,
            "joinRoom",
            json!({"sessionCode": "ZZZZ-0000", "clientId": "g"})
        ),
        "too-many-password-attempts"
    );
    assert_eq!(
        r.err(
            2,
            "joinRoom",
            json!({"sessionCode": "nope", "clientId": "g"})
        ),
        "invalid-session-code"
    );
    assert_eq!(
        r.err(2, "joinRoom", json!({"sessionCode": CODE, "clientId": "g"})),
        "already-joined"
    );
}

#[test]
fn not_joined_calls_do_not_count_against_action_limiters() {
    let mut r = Relay::with(|s| s.rate_max_messages = 1000);
    r.connect(1);
    for i in 0..30 {
        let p = json!({"sessionCode": CODE, "payload": {"currentIndex": i}});
        assert_eq!(r.err(1, "updateSessionState", p), "not-joined");
    }
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
    for i in 0..20 {
        r.ok(
            1,
            "updateSessionState",
            json!({"sessionCode": CODE, "payload": {"currentIndex": i}}),
        );
    }
    let p = json!({"sessionCode": CODE, "payload": {}});
    assert_eq!(r.err(1, "updateSessionState", p), "state-rate-limited");
}

#[test]
fn action_limiter_comes_before_validation_and_handler_errors() {
    let mut r = Relay::room_with(|s| s.rate_max_messages = 1000);
    for _ in 0..20 {
        r.ok(
            2,
            "updateParticipantProfile",
            json!({"sessionCode": CODE, "displayName": "G"}),
        );
    }
    let p = json!({"sessionCode": CODE, "payload": {"isPlaying": "x"}});
    assert_eq!(r.err(2, "updateSessionState", p), "state-rate-limited");
    let p = json!({"sessionCode": CODE, "payload": {"currentIndex": 1}});
    assert_eq!(
        r.err(2, "updateSessionState", p),
        "state-rate-limited",
        "before forbidden-not-host"
    );
}

#[test]
fn bound_ids_replace_what_the_client_claims() {
    let mut r = Relay::room();
    // A participant claiming to be the host is still a participant.
    let p = json!({"sessionCode": CODE, "sourceClientId": "host-1", "patch": {"sessionName": "Hijack"}});
    assert_eq!(r.err(2, "updateRoom", p), "forbidden-not-host");
    let p = json!({"sessionCode": CODE, "sourceClientId": "host-1", "syncState": "ready"});
    let snap = r.ok(2, "updateParticipantState", p);
    assert_eq!(
        snap["participantSyncStates"],
        json!({"host-1": "ready", "guest-1": "ready"})
    );
    let p = json!({"sessionCode": CODE, "sourceClientId": "host-1", "msgType": "clear-all", "data": {}});
    let (events, _) = r.request(2, "sendDrawingSync", p);
    assert_eq!(events[0]["sourceClientId"], "guest-1");
    // leaveRoom's clientId is ignored: the participant leaves, the room stays.
    let left = r.ok(
        2,
        "leaveRoom",
        json!({"sessionCode": CODE, "clientId": "host-1"}),
    );
    assert_eq!(left["closed"], false);
    assert_eq!(left["snapshot"]["participantIds"], json!(["host-1"]));
    assert_eq!(r.core.room_count(), 1);
}

#[test]
fn media_kill_switch_comes_after_binding() {
    let mut r = Relay::room_with(|s| s.disable_media_transfer = true);
    r.connect(3);
    let p = json!({"sessionCode": CODE});
    assert_eq!(r.err(3, "getSessionMediaManifest", p.clone()), "not-joined");
    assert_eq!(
        r.err(2, "getSessionMediaManifest", p.clone()),
        "media-transfer-disabled"
    );
    // And before the host check.
    assert_eq!(
        r.err(2, "resetSessionMediaPack", p),
        "media-transfer-disabled"
    );
}

#[test]
fn create_ignores_bindings() {
    let mut r = Relay::room();
    let snap = r.ok(
        2,
        "createRoom",
        json!({"sessionCode": "WXYZ-2345", "hostClientId": "guest-1"}),
    );
    assert_eq!(snap["hostClientId"], "guest-1");
    assert_eq!(r.core.room_count(), 2);
}
