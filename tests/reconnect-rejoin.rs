//! After a dropped connection: a participant comes back with the same id and name
//! (issue 10: by resuming, the relay kept it for the grace); a host whose room died
//! ends idle with session-expired (its token died with the room). The deployed
//! relay's path (rejoin with the password; host -> session-not-found) is pinned by
//! `tests/client-resume.rs` on scripted frames.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::Status;
use support::*;

#[test]
fn a_participant_rejoins_after_its_connection_drops() {
    let mut s = sim();
    let h = s.add_client("host-1");
    host(&mut s, h, "pw", "host-only").unwrap();
    let g = s.add_client("guest-1");
    join(&mut s, g, CODE, "pw", "Ana").unwrap();
    s.drop_connection(g);
    assert_eq!(s.client(g).state().last_error, "websocket-reconnecting");
    s.settle();
    assert_eq!(
        s.client(h).state().participants_count,
        2,
        "the relay keeps it for the grace"
    );
    s.advance(2000);
    s.settle();
    let st = s.client(g).state();
    assert_eq!((st.status, st.last_error.as_str()), (Status::Joined, ""));
    assert_eq!(s.client(h).state().participants_count, 2);
    assert_eq!(
        s.client(h)
            .state()
            .participant_profiles
            .get("guest-1")
            .map(String::as_str),
        Some("Ana")
    );
}

#[test]
fn a_host_whose_room_died_ends_idle_with_session_expired() {
    let grace_off = online_sync::RelaySettings {
        host_grace_ms: 0,
        ..settings()
    };
    let mut s = online_sync::transport::sim::Sim::new(grace_off, 42);
    let h = s.add_client("host-1");
    host(&mut s, h, "", "host-only").unwrap();
    let g = s.add_client("guest-1");
    join(&mut s, g, CODE, "", "Ana").unwrap();
    s.settle();
    s.drop_connection(0);
    s.settle();
    assert_eq!(s.client(1).state().last_error, "host-disconnected");
    s.advance(2000);
    s.settle();
    let st = s.client(0).state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "session-expired")
    );
}

#[test]
fn reconnecting_gives_up_after_its_attempts() {
    let mut s = room(1, "host-only");
    s.set_relay_up(false, settings());
    s.advance(10 * 60_000);
    let st = s.client(1).state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "websocket-disconnected")
    );
}

#[test]
fn a_restarted_relay_lets_a_participant_know_the_room_is_gone() {
    let mut s = room(1, "host-only");
    s.set_relay_up(false, settings());
    s.set_relay_up(true, settings());
    s.advance(5000);
    s.settle();
    // Its token is unknown to the new relay (no data dir); the plain rejoin that
    // follows finds no room: `session-not-found`, as the deployed client ends.
    let st = s.client(1).state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "session-not-found")
    );
}
