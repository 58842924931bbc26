//! No call hangs: a lost reply fails with transport-unavailable after the request timeout.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::Status;
use online_sync::transport::sim::NetEm;
use support::*;

#[test]
fn a_lost_request_times_out_and_the_client_ends_idle() {
    let mut s = sim();
    let h = s.add_client("host-1");
    s.net = NetEm {
        latency_ms: 5,
        jitter_ms: 0,
        loss: 1.0,
        ..NetEm::default()
    };
    let start = s.now();
    assert_eq!(
        code(host(&mut s, h, "", "host-only")),
        "transport-unavailable"
    );
    let waited = s.now() - start;
    assert!(
        (8000..8100).contains(&waited),
        "default timeout is 8000 ms, waited {waited}"
    );
    let st = s.client(h).state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "transport-unavailable")
    );
}

#[test]
fn the_timeout_is_a_setting_with_a_floor() {
    let mut s = sim();
    let fast = online_sync::ClientSettings {
        request_timeout_ms: 10,
        ..Default::default()
    };
    let h = s.add_client_with("host-1", fast);
    assert_eq!(
        s.client(h).settings().request_timeout_ms,
        1000,
        "raised to the minimum"
    );
    s.net.loss = 1.0;
    let start = s.now();
    assert!(host(&mut s, h, "", "host-only").is_err());
    assert!((1000..1100).contains(&(s.now() - start)));
}

#[test]
fn a_lost_reply_in_session_fails_only_that_call() {
    let mut s = room(1, "host-only");
    s.net.loss = 1.0;
    assert_eq!(
        code(s.call(1, |c, op, now| c.fetch_session_pack(op, now))),
        "transport-unavailable"
    );
    s.net.loss = 0.0;
    assert_eq!(
        s.client(1).state().status,
        Status::Joined,
        "the session survives one lost reply"
    );
    assert_eq!(
        code(s.call(1, |c, op, now| c.fetch_session_pack(op, now))),
        "session-pack-not-found"
    );
}
