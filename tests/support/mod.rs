//! Shared helpers for the client scenario tests: a simulated relay with a host
//! and participants, real pack JSON and real image bytes.
#![allow(dead_code)]

use online_sync::client::{HostOptions, JoinOptions, LocalMediaFile, OpValue};
use online_sync::transport::sim::Sim;
use online_sync::SyncError;

#[path = "../fixtures/mod.rs"]
mod fixtures;

// Each test binary uses only part of these.
#[allow(unused_imports)]
pub use fixtures::{pack, png, settings, CODE};

/// A simulation with a relay and no clients.
pub fn sim() -> Sim {
    Sim::new(settings(), 42)
}

/// Hosts `CODE` from client `i` with `password` and `mode`.
pub fn host(sim: &mut Sim, i: usize, password: &str, mode: &str) -> Result<OpValue, SyncError> {
    let opts = HostOptions {
        session_code: Some(CODE.into()),
        session_name: "Figure drawing".into(),
        control_mode: mode.into(),
        password: password.into(),
        display_name: "Host".into(),
    };
    sim.call(i, |c, op, now| c.host_session(op, opts, [1; 8], now))
}

/// Joins `code` from client `i`.
pub fn join(
    sim: &mut Sim,
    i: usize,
    code: &str,
    password: &str,
    name: &str,
) -> Result<OpValue, SyncError> {
    let opts = JoinOptions {
        session_code: code.into(),
        password: password.into(),
        display_name: name.into(),
    };
    sim.call(i, |c, op, now| c.join_session(op, opts, now))
}

/// A sim with a host (client 0) on `CODE` and `n` joined participants (clients 1..=n).
pub fn room(n: usize, mode: &str) -> Sim {
    let mut s = sim();
    let h = s.add_client("host-1");
    host(&mut s, h, "", mode).expect("host");
    for k in 1..=n {
        let p = s.add_client(&format!("guest-{k}"));
        join(&mut s, p, CODE, "", &format!("Guest {k}")).expect("join");
    }
    s.settle();
    s
}

/// A local PNG file to publish.
pub fn media(i: usize) -> LocalMediaFile {
    LocalMediaFile {
        identity: format!("img-{i}"),
        name: format!("pose {i}.png"),
        ext: "png".into(),
        mime: "image/png".into(),
        bytes: png(i as u8),
    }
}

/// The error code of a result.
pub fn code<T: std::fmt::Debug>(r: Result<T, SyncError>) -> String {
    r.expect_err("expected an error").code().into_owned()
}
