//! Issue 10, client core on scripted relay frames: the hello on every connect,
//! negotiation learned from frame order, the resume token kept from replies,
//! `resume_session` (success, malformed, used-up, deployed relay), the reconnect
//! sequence that resumes by itself, and `hostConnected` from snapshots.
#![cfg(not(target_arch = "wasm32"))]

use online_sync::client::state::{Role, Status};
use online_sync::client::{ClientCore, ClientOutput, HostOptions, JoinOptions, OpValue};
use online_sync::error::SyncError;
use online_sync::settings::ClientSettings;
use serde_json::{json, Value};

const CODE: &str = "ABCD-EFGH";
const SECRET_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const SECRET_B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const FEATURES: &str = r#"{"type":"event","event":{"type":"relay-features","features":["resume"],"hostGraceMs":60000}}"#;

fn token(secret: &str) -> String {
    format!("rt1.{CODE}.{secret}")
}

/// What the core asked for, in order.
#[derive(Debug, Default)]
struct Drained {
    connects: usize,
    disconnects: usize,
    sent: Vec<Value>,
    done: Vec<(u64, Result<OpValue, SyncError>)>,
}

fn drain(core: &mut ClientCore) -> Drained {
    let mut d = Drained::default();
    while let Some(o) = core.poll_output() {
        match o {
            ClientOutput::Connect => d.connects += 1,
            ClientOutput::Disconnect => d.disconnects += 1,
            ClientOutput::Send(f) => d.sent.push(serde_json::from_str(&f).unwrap()),
            ClientOutput::Done { op, result } => d.done.push((op, result)),
            _ => {}
        }
    }
    d
}

fn core(id: &str) -> ClientCore {
    ClientCore::new(Some(id.into()), ClientSettings::default(), [7; 16])
}

fn snapshot(host_connected: bool, members: &[&str]) -> Value {
    json!({"sessionCode": CODE, "sessionName": "S", "controlMode": "host-only",
        "hostClientId": "host-1", "participantIds": members, "participantsCount": members.len(),
        "hostConnected": host_connected})
}

fn ok(id: &Value, mut result: Value, extra: Value) -> String {
    if let (Some(r), Some(e)) = (result.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    json!({"type": "response", "id": id, "ok": true, "result": result}).to_string()
}

fn err(id: &Value, code: &str) -> String {
    json!({"type": "response", "id": id, "ok": false, "error": code}).to_string()
}

fn action(frame: &Value) -> &str {
    frame["action"].as_str().unwrap_or("")
}

/// A host on a relay that negotiates (or not), holding `token` when it does.
fn hosting(negotiated: bool) -> ClientCore {
    let mut c = core("host-1");
    let opts = HostOptions {
        session_code: Some(CODE.into()),
        ..Default::default()
    };
    c.host_session(1, opts, [0; 8], 0);
    assert_eq!(drain(&mut c).connects, 1);
    c.handle_connected(0);
    let d = drain(&mut c);
    assert_eq!(d.sent.len(), 2, "{:?}", d.sent);
    assert_eq!(d.sent[0]["type"], "notify", "the hello goes first");
    assert_eq!(
        d.sent[0]["payload"],
        json!({"sessionCode": "", "features": ["resume", "media-chunks"]})
    );
    assert_eq!(action(&d.sent[1]), "createRoom");
    let extra = if negotiated {
        c.handle_frame(FEATURES, 1);
        json!({"resumeToken": token(SECRET_A)})
    } else {
        json!({})
    };
    c.handle_frame(&ok(&d.sent[1]["id"], snapshot(true, &["host-1"]), extra), 2);
    let d = drain(&mut c);
    assert!(d.done[0].1.is_ok());
    assert_eq!(c.state().status, Status::Hosting);
    assert_eq!(c.negotiated(), Some(negotiated));
    c
}

#[test]
fn a_negotiated_relay_issues_a_token_and_a_deployed_one_does_not() {
    let c = hosting(true);
    assert_eq!(c.resume_token(), token(SECRET_A));
    let c = hosting(false);
    assert_eq!(c.resume_token(), "");
}

#[test]
fn features_after_the_first_response_do_not_count() {
    let mut c = hosting(false);
    c.handle_frame(FEATURES, 3);
    assert_eq!(c.negotiated(), Some(false));
}

#[test]
fn a_participant_keeps_its_token_and_loses_it_on_leave() {
    let mut c = core("guest-1");
    let opts = JoinOptions {
        session_code: CODE.into(),
        ..Default::default()
    };
    c.join_session(1, opts, 0);
    drain(&mut c);
    c.handle_connected(0);
    let d = drain(&mut c);
    c.handle_frame(FEATURES, 1);
    let extra = json!({"resumeToken": token(SECRET_A)});
    c.handle_frame(
        &ok(
            &d.sent[1]["id"],
            snapshot(true, &["host-1", "guest-1"]),
            extra,
        ),
        2,
    );
    drain(&mut c);
    assert_eq!(
        (c.state().status, c.resume_token()),
        (Status::Joined, token(SECRET_A).as_str())
    );
    c.leave_session(2, 3);
    assert_eq!(c.resume_token(), "");
}

#[test]
fn host_connected_follows_snapshots() {
    let mut c = hosting(true);
    assert!(c.state().host_connected);
    let away = json!({"type":"event","event":{"type":"room-updated","source":"participant-state-updated",
        "sessionCode": CODE, "snapshot": snapshot(false, &["host-1"])}});
    c.handle_frame(&away.to_string(), 5);
    assert!(!c.state().host_connected);
    let back = json!({"type":"event","event":{"type":"room-updated","sessionCode": CODE,
        "snapshot": snapshot(true, &["host-1"])}});
    c.handle_frame(&back.to_string(), 6);
    assert!(c.state().host_connected);
}

#[test]
fn a_malformed_token_is_session_expired_without_a_network_call() {
    for bad in ["", "rt1.", "nonsense", &format!("rt1.{CODE}.short")] {
        let mut c = core("x");
        c.resume_session(1, bad, 0);
        let d = drain(&mut c);
        assert_eq!((d.connects, d.sent.len()), (0, 0), "{bad}");
        let e = d.done[0].1.as_ref().unwrap_err();
        assert_eq!(e.code(), "session-expired");
        assert_eq!(c.state().status, Status::Idle);
    }
}

/// Starts `resume_session(token)` on a fresh client; returns it and the probe frame.
fn resuming(negotiate: bool) -> (ClientCore, Value) {
    let mut c = core("client-fresh");
    c.resume_session(1, &token(SECRET_A), 0);
    let d = drain(&mut c);
    assert_eq!((d.connects, d.sent.len()), (1, 0));
    assert_eq!(c.state().status, Status::Connecting);
    c.handle_connected(1);
    let d = drain(&mut c);
    assert_eq!(d.sent[0]["type"], "notify");
    assert_eq!(action(&d.sent[1]), "getRoomSnapshot");
    assert_eq!(d.sent[1]["payload"]["sessionCode"], CODE);
    if negotiate {
        c.handle_frame(FEATURES, 2);
    }
    c.handle_frame(&err(&d.sent[1]["id"], "not-joined"), 3);
    (c, d.sent[1].clone())
}

#[test]
fn resume_session_restores_id_role_and_a_new_token() {
    let (mut c, _) = resuming(true);
    let d = drain(&mut c);
    assert_eq!(action(&d.sent[0]), "resumeSession");
    assert_eq!(
        d.sent[0]["payload"],
        json!({"resumeToken": token(SECRET_A)})
    );
    let extra = json!({"resumeToken": token(SECRET_B), "clientId": "host-1", "role": "host"});
    c.handle_frame(&ok(&d.sent[0]["id"], snapshot(true, &["host-1"]), extra), 4);
    let d = drain(&mut c);
    assert!(d.done[0].1.is_ok(), "{:?}", d.done);
    let st = c.state();
    assert_eq!((st.status, st.role), (Status::Hosting, Role::Host));
    assert_eq!((c.client_id(), st.session_code.as_str()), ("host-1", CODE));
    assert_eq!(c.resume_token(), token(SECRET_B));
}

#[test]
fn resume_session_as_a_participant() {
    let (mut c, _) = resuming(true);
    let d = drain(&mut c);
    let extra =
        json!({"resumeToken": token(SECRET_B), "clientId": "guest-1", "role": "participant"});
    c.handle_frame(
        &ok(
            &d.sent[0]["id"],
            snapshot(true, &["host-1", "guest-1"]),
            extra,
        ),
        4,
    );
    drain(&mut c);
    assert_eq!(
        (c.state().status, c.state().role),
        (Status::Joined, Role::Participant)
    );
    assert_eq!(c.client_id(), "guest-1");
}

#[test]
fn a_used_up_token_is_session_expired() {
    let (mut c, _) = resuming(true);
    let d = drain(&mut c);
    c.handle_frame(&err(&d.sent[0]["id"], "session-expired"), 4);
    let d = drain(&mut c);
    assert_eq!(d.done[0].1.as_ref().unwrap_err().code(), "session-expired");
    let st = c.state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "session-expired")
    );
    assert_eq!(c.client_id(), "client-fresh");
}

#[test]
fn a_deployed_relay_never_sees_resume_session() {
    let (mut c, _) = resuming(false);
    let d = drain(&mut c);
    assert!(
        d.sent.iter().all(|f| action(f) != "resumeSession"),
        "{:?}",
        d.sent
    );
    assert_eq!(d.done[0].1.as_ref().unwrap_err().code(), "session-expired");
    assert_eq!(c.state().status, Status::Idle);
}

/// Drops the connection and runs the reconnect up to the getRoomSnapshot reply.
fn reconnect(c: &mut ClientCore, negotiate: bool, now: u64) -> Drained {
    c.handle_disconnected(now);
    assert_eq!(c.state().last_error, "websocket-reconnecting");
    drain(c);
    let at = c.poll_timeout().expect("a reconnect is scheduled");
    c.handle_timeout(at);
    assert_eq!(drain(c).connects, 1);
    c.handle_connected(at);
    let d = drain(c);
    assert_eq!(d.sent[0]["type"], "notify", "the hello on every connect");
    assert_eq!(action(&d.sent[1]), "getRoomSnapshot");
    if negotiate {
        c.handle_frame(FEATURES, at);
    }
    c.handle_frame(&err(&d.sent[1]["id"], "not-joined"), at);
    if negotiate {
        assert_eq!(
            c.state().last_error,
            "websocket-reconnecting",
            "while it resumes"
        );
    }
    drain(c)
}

#[test]
fn a_host_resumes_by_itself_after_a_drop_then_a_used_up_token_ends_it() {
    let mut c = hosting(true);
    let d = reconnect(&mut c, true, 10);
    assert_eq!(action(&d.sent[0]), "resumeSession");
    assert_eq!(d.sent[0]["payload"]["resumeToken"], token(SECRET_A));
    let extra = json!({"resumeToken": token(SECRET_B), "clientId": "host-1", "role": "host"});
    c.handle_frame(
        &ok(&d.sent[0]["id"], snapshot(true, &["host-1"]), extra),
        20_000,
    );
    drain(&mut c);
    let st = c.state();
    assert_eq!((st.status, st.last_error.as_str()), (Status::Hosting, ""));
    assert_eq!(c.resume_token(), token(SECRET_B));

    let d = reconnect(&mut c, true, 30_000);
    assert_eq!(
        d.sent[0]["payload"]["resumeToken"],
        token(SECRET_B),
        "the new token"
    );
    c.handle_frame(&err(&d.sent[0]["id"], "session-expired"), 40_000);
    let st = c.state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "session-expired")
    );
    assert_eq!(c.resume_token(), "");
}

#[test]
fn without_the_extension_a_host_reconnect_is_session_not_found() {
    let mut c = hosting(false);
    let d = reconnect(&mut c, false, 10);
    assert!(d.sent.is_empty(), "{:?}", d.sent);
    let st = c.state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "session-not-found")
    );
}

#[test]
fn a_relay_that_stopped_negotiating_gets_no_resume() {
    // Token from a negotiating relay, reconnected to one that does not negotiate.
    let mut c = hosting(true);
    let d = reconnect(&mut c, false, 10);
    assert!(d.sent.iter().all(|f| action(f) != "resumeSession"));
    assert_eq!(c.state().last_error, "session-not-found");
}
