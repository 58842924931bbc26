//! An idle room closes after the TTL; its members go idle with session-expired.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::Status;
use online_sync::transport::sim::Sim;
use online_sync::RelaySettings;
use support::*;

#[test]
fn an_idle_room_expires_and_members_are_told() {
    let ttl = RelaySettings {
        room_idle_ttl_ms: 60_000,
        room_cleanup_interval_ms: 5_000,
        ..settings()
    };
    let mut s = Sim::new(ttl, 3);
    let h = s.add_client("host-1");
    host(&mut s, h, "", "host-only").unwrap();
    let g = s.add_client("guest-1");
    join(&mut s, g, CODE, "", "Ana").unwrap();
    s.advance(59_000);
    assert_eq!(s.client(g).state().status, Status::Joined);
    // A read does not keep the room alive.
    let _ = s.call(g, |c, op, now| c.fetch_session_pack(op, now));
    s.advance(6_000);
    s.settle();
    for i in [h, g] {
        let st = s.client(i).state();
        assert_eq!(
            (st.status, st.last_error.as_str()),
            (Status::Idle, "session-expired")
        );
    }
    assert_eq!(s.relay().room_count(), 0);
}
