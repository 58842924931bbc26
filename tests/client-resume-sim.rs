//! Issue 10 on the simulated network, client core against the real relay core:
//! a dropped participant or host resumes by itself within the grace (same id, no
//! duplicate member, `lastError` back to `""`), participants see `hostConnected`
//! false meanwhile; a host away longer than the grace closes the room
//! (`host-disconnected`) and its resume is `session-expired`; a reload (a new
//! client calling `resume_session` with the token) keeps room and role.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::{Role, Status};
use online_sync::transport::sim::Sim;
use online_sync::RelaySettings;
use support::*;

fn sim_with_grace(grace_ms: u64) -> Sim {
    Sim::new(
        RelaySettings {
            host_grace_ms: grace_ms,
            ..settings()
        },
        42,
    )
}

fn room_with_grace(grace_ms: u64) -> Sim {
    let mut s = sim_with_grace(grace_ms);
    let h = s.add_client("host-1");
    host(&mut s, h, "pw", "host-only").expect("host");
    let g = s.add_client("guest-1");
    join(&mut s, g, CODE, "pw", "Ana").expect("join");
    s.settle();
    s
}

#[test]
fn a_dropped_participant_resumes_by_itself_without_a_duplicate() {
    let mut s = room_with_grace(60_000);
    let old_token = s.client(1).resume_token().to_string();
    assert!(old_token.starts_with("rt1.ABCD-EFGH."), "{old_token}");
    s.drop_connection(1);
    assert_eq!(s.client(1).state().last_error, "websocket-reconnecting");
    s.settle();
    assert_eq!(
        s.client(0).state().participants_count,
        2,
        "kept for the grace"
    );
    s.advance(3000);
    s.settle();
    let st = s.client(1).state();
    assert_eq!((st.status, st.last_error.as_str()), (Status::Joined, ""));
    assert_eq!(s.client(1).client_id(), "guest-1");
    assert_ne!(s.client(1).resume_token(), old_token, "a new token");
    let host = s.client(0).state();
    assert_eq!(host.participant_ids, vec!["host-1", "guest-1"]);
    assert_eq!(
        host.participant_profiles.get("guest-1").map(String::as_str),
        Some("Ana")
    );
}

#[test]
fn a_participant_away_longer_than_the_grace_rejoins_by_itself() {
    // Grace 300 ms; the first reconnect comes after 1 s: the token has expired and
    // the participant's place is gone, but the room is not.
    let mut s = room_with_grace(300);
    let old_token = s.client(1).resume_token().to_string();
    s.drop_connection(1);
    s.advance(600);
    s.settle();
    assert_eq!(
        s.client(0).state().participant_ids,
        vec!["host-1"],
        "its place ended"
    );
    s.advance(3000);
    s.settle();
    let st = s.client(1).state();
    assert_eq!((st.status, st.last_error.as_str()), (Status::Joined, ""));
    assert_eq!(s.client(1).client_id(), "guest-1", "the same id");
    let token = s.client(1).resume_token().to_string();
    assert!(
        token.starts_with("rt1.") && token != old_token,
        "a new token for the new place"
    );
    assert_eq!(
        s.client(0).state().participant_ids,
        vec!["host-1", "guest-1"]
    );
}

#[test]
fn a_host_blip_shorter_than_the_grace_is_back_by_itself() {
    let mut s = room_with_grace(60_000);
    s.drop_connection(0);
    s.settle();
    let guest = s.client(1).state();
    assert_eq!(guest.status, Status::Joined);
    assert!(!guest.host_connected, "participants see the host away");
    s.advance(3000);
    s.settle();
    let st = s.client(0).state();
    assert_eq!(
        (st.status, st.role, st.last_error.as_str()),
        (Status::Hosting, Role::Host, "")
    );
    assert!(s.client(1).state().host_connected, "and back");
    assert_eq!(s.client(1).state().status, Status::Joined);
}

#[test]
fn a_host_away_longer_than_the_grace_closes_the_room() {
    // Grace 300 ms; the first reconnect comes after 1 s at the earliest.
    let mut s = room_with_grace(300);
    s.drop_connection(0);
    s.advance(10_000);
    s.settle();
    let guest = s.client(1).state();
    assert_eq!(
        (guest.status, guest.last_error.as_str()),
        (Status::Idle, "host-disconnected")
    );
    let st = s.client(0).state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "session-expired")
    );
}

#[test]
fn a_reloaded_host_resumes_with_its_token_on_a_new_client() {
    let mut s = room_with_grace(60_000);
    let token = s.client(0).resume_token().to_string();
    s.drop_connection(0); // the old page is gone (it would reconnect: it must lose)
    let fresh = s.add_client("client-after-reload");
    let t = token.clone();
    let op = s.start(fresh, move |c, op, now| c.resume_session(op, &t, now));
    s.run(fresh, op).expect("resumed");
    let st = s.client(fresh).state();
    assert_eq!((st.status, st.role), (Status::Hosting, Role::Host));
    assert_eq!(s.client(fresh).client_id(), "host-1");
    assert_eq!(st.participants_count, 2);
    // The used-up token fails on yet another client.
    let other = s.add_client("client-third");
    let op = s.start(other, move |c, op, now| c.resume_session(op, &token, now));
    assert_eq!(code(s.run(other, op)), "session-expired");
}

#[test]
fn a_reloaded_participant_keeps_its_id_and_place() {
    let mut s = room_with_grace(60_000);
    let token = s.client(1).resume_token().to_string();
    s.drop_connection(1);
    let fresh = s.add_client("client-after-reload");
    let op = s.start(fresh, move |c, op, now| c.resume_session(op, &token, now));
    s.run(fresh, op).expect("resumed");
    s.settle();
    assert_eq!(s.client(fresh).client_id(), "guest-1");
    assert_eq!(s.client(fresh).state().role, Role::Participant);
    assert_eq!(
        s.client(0).state().participant_ids,
        vec!["host-1", "guest-1"]
    );
}

#[test]
fn a_wrong_token_is_session_expired() {
    let mut s = room_with_grace(60_000);
    let c = s.add_client("x");
    let bad = format!("rt1.{CODE}.{}", "A".repeat(43));
    let op = s.start(c, move |core, op, now| core.resume_session(op, &bad, now));
    assert_eq!(code(s.run(c, op)), "session-expired");
    assert_eq!(s.client(c).state().last_error, "session-expired");
}
