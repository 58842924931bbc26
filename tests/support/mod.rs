//! Shared helpers for the client scenario tests: a simulated relay with a host
//! and participants, real pack JSON and real image bytes.
#![allow(dead_code)]

use online_sync::client::{HostOptions, JoinOptions, LocalMediaFile, OpValue};
use online_sync::transport::sim::Sim;
use online_sync::{RelaySettings, SyncError};
use serde_json::{json, Value};

/// The code every scenario uses.
pub const CODE: &str = "ABCD-EFGH";

/// Relay settings with a cheap password hash (tests only).
pub fn settings() -> RelaySettings {
    RelaySettings {
        password_hash_log_n: 4,
        ..Default::default()
    }
}

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

/// A valid session pack as the app builds it, with `refs` media refs.
pub fn pack(refs: usize) -> Value {
    let refs: Vec<Value> = (0..refs)
        .map(|i| json!({"identity": format!("img-{i}"), "index": i, "name": format!("pose {i}.png"), "ext": "png"}))
        .collect();
    json!({
        "schema": "posechrono-session-pack", "version": 1,
        "createdAt": "2026-11-25T09:00:00.000Z",
        "source": {"runtime": "desktop", "language": "fr"},
        "session": {"mode": "classique", "selectedDuration": 60, "timeRemaining": 60,
            "memoryType": "flash", "memoryDuration": 0, "memoryPosesCount": 1,
            "memoryDrawingTime": 0, "memoryNoPressure": false, "imagesCount": refs.len(),
            "customQueue": [], "mediaOrderKeys": (0..refs.len()).map(|i| format!("img-{i}")).collect::<Vec<_>>()},
        "mediaRefs": refs,
    })
}

/// A real 1x1 PNG, with `salt` in a trailing chunk so every file hashes differently.
pub fn png(salt: u8) -> Vec<u8> {
    let mut b = vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A',
        b'T', 0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, b'I',
        b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
    ];
    b.push(salt);
    b
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
