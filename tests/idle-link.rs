//! The connection serves the session only: a client out of session with nothing in
//! flight closes it, and a call that already timed out is never sent late.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::{ClientCore, ClientOutput, JoinOptions};
use online_sync::ClientSettings;
use support::*;

#[test]
fn leaving_or_failing_to_join_releases_the_connection() {
    let mut s = room(1, "host-only");
    assert_eq!(s.relay().connection_count(), 2);
    s.call(1, |c, op, now| c.leave_session(op, now)).unwrap();
    s.settle();
    assert_eq!(
        s.relay().connection_count(),
        1,
        "the participant's socket is closed after its leave reply"
    );
    let g = s.add_client("guest-2");
    assert!(join(&mut s, g, "ZZZZ-ZZZZ", "", "Bo").is_err());
    s.settle();
    assert_eq!(
        s.relay().connection_count(),
        1,
        "a failed join does not keep a socket"
    );
    join(&mut s, g, CODE, "", "Bo").unwrap();
    assert_eq!(
        s.relay().connection_count(),
        2,
        "the next command connects again"
    );
}

#[test]
fn a_request_that_timed_out_while_connecting_is_never_sent() {
    let mut c = ClientCore::new(Some("guest-1".into()), ClientSettings::default(), [5; 16]);
    c.join_session(
        1,
        JoinOptions {
            session_code: "ABCD-EFGH".into(),
            ..Default::default()
        },
        0,
    );
    assert!(matches!(c.poll_output(), Some(ClientOutput::Connect)));
    c.handle_timeout(8_000);
    let mut failed = false;
    while let Some(o) = c.poll_output() {
        if let ClientOutput::Done { op: 1, result } = o {
            assert_eq!(result.unwrap_err().code(), "transport-unavailable");
            failed = true;
        }
    }
    assert!(failed);
    c.handle_connected(9_000);
    while let Some(o) = c.poll_output() {
        assert!(
            !matches!(o, ClientOutput::Send(_)),
            "a late joinRoom would join a session the app was told failed"
        );
    }
}
