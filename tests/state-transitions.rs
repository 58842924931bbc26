//! The contract's states as a subscriber sees them, in order.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::{Role, Status};
use online_sync::transport::sim::Sim;
use support::*;

fn statuses(s: &mut Sim, i: usize) -> Vec<Status> {
    let mut out: Vec<Status> = Vec::new();
    for st in &s.sim_client(i).states {
        if out.last() != Some(&st.status) {
            out.push(st.status);
        }
    }
    out
}

#[test]
fn host_goes_idle_connecting_hosting_idle() {
    let mut s = sim();
    let h = s.add_client("host-1");
    assert_eq!(s.client(h).state().status, Status::Idle);
    host(&mut s, h, "", "host-only").unwrap();
    assert_eq!(s.client(h).state().role, Role::Host);
    s.call(h, |c, op, now| c.leave_session(op, now)).unwrap();
    assert_eq!(
        statuses(&mut s, h),
        [Status::Connecting, Status::Hosting, Status::Idle]
    );
    assert_eq!(s.client(h).state().role, Role::None);
}

#[test]
fn participant_goes_idle_connecting_joined_idle() {
    let mut s = room(0, "host-only");
    let g = s.add_client("guest-1");
    join(&mut s, g, CODE, "", "Ana").unwrap();
    assert_eq!(s.client(g).state().role, Role::Participant);
    s.call(g, |c, op, now| c.leave_session(op, now)).unwrap();
    assert_eq!(
        statuses(&mut s, g),
        [Status::Connecting, Status::Joined, Status::Idle]
    );
}

#[test]
fn a_failed_connect_goes_back_to_idle_with_last_error() {
    let mut s = sim();
    let g = s.add_client("guest-1");
    assert!(join(&mut s, g, "QQQQ-QQQQ", "", "Ana").is_err());
    assert_eq!(statuses(&mut s, g), [Status::Connecting, Status::Idle]);
    assert_eq!(s.client(g).state().last_error, "session-not-found");
    // And a later success clears it.
    let h = s.add_client("host-1");
    host(&mut s, h, "", "host-only").unwrap();
    join(&mut s, g, CODE, "", "Ana").unwrap();
    assert_eq!(s.client(g).state().last_error, "");
}

#[test]
fn commands_outside_a_session_are_refused_without_sending() {
    let mut s = sim();
    let g = s.add_client("guest-1");
    let r = s.call(g, |c, op, now| c.fetch_session_pack(op, now));
    assert_eq!(code(r), "not-joined");
    assert_eq!(s.relay().connection_count(), 0);
}

#[test]
fn hosting_twice_is_refused() {
    let mut s = room(0, "host-only");
    assert_eq!(code(host(&mut s, 0, "", "host-only")), "already-joined");
    assert_eq!(
        s.client(0).state().status,
        Status::Hosting,
        "the running session is untouched"
    );
}

#[test]
fn a_generated_code_is_valid_and_normalized() {
    let mut s = sim();
    let h = s.add_client("host-1");
    let opts = online_sync::client::HostOptions::default();
    s.call(h, |c, op, now| {
        c.host_session(op, opts, [200, 3, 77, 31, 0, 255, 128, 64], now)
    })
    .unwrap();
    let code = s.client(h).state().session_code.clone();
    assert!(
        online_sync::validate::SessionCode::normalize(&code).is_some(),
        "{code}"
    );
    assert!(!code.contains(['I', 'O', '0', '1']));
}

#[test]
fn a_lowercase_code_with_spaces_joins_the_same_room() {
    let mut s = room(0, "host-only");
    let g = s.add_client("guest-1");
    join(&mut s, g, "  abcd-efgh ", "", "Ana").unwrap();
    assert_eq!(s.client(g).state().session_code, CODE);
}
