//! Each of the contract's 14 error codes, made to happen through the client API.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::Status;
use online_sync::client::LocalMediaFile;
use online_sync::transport::sim::Sim;
use online_sync::RelaySettings;
use serde_json::json;
use support::*;

#[test]
fn missing_session_code_is_caught_before_any_transport_call() {
    let mut s = sim();
    let g = s.add_client("guest-1");
    assert_eq!(
        code(join(&mut s, g, "   ", "", "Ana")),
        "missing-session-code"
    );
    assert_eq!(s.client(g).state().last_error, "missing-session-code");
    assert_eq!(s.relay().connection_count(), 0, "no connection was opened");
}

#[test]
fn session_not_found() {
    let mut s = sim();
    let g = s.add_client("guest-1");
    assert_eq!(
        code(join(&mut s, g, "ZZZZ-9999", "", "Ana")),
        "session-not-found"
    );
    assert_eq!(s.client(g).state().status, Status::Idle);
}

#[test]
fn invalid_password() {
    let mut s = sim();
    let h = s.add_client("host-1");
    host(&mut s, h, "tiger", "host-only").unwrap();
    let g = s.add_client("guest-1");
    assert_eq!(
        code(join(&mut s, g, CODE, "lion", "Ana")),
        "invalid-password"
    );
    assert_eq!(code(join(&mut s, g, CODE, "", "Ana")), "invalid-password");
    assert!(join(&mut s, g, CODE, "tiger", "Ana").is_ok());
}

#[test]
fn session_already_exists() {
    let mut s = sim();
    let a = s.add_client("host-1");
    let b = s.add_client("host-2");
    host(&mut s, a, "", "host-only").unwrap();
    assert_eq!(
        code(host(&mut s, b, "", "host-only")),
        "session-already-exists"
    );
}

#[test]
fn transport_unavailable_when_the_relay_is_down() {
    let mut s = sim();
    s.set_relay_up(false, settings());
    let h = s.add_client("host-1");
    assert_eq!(
        code(host(&mut s, h, "", "host-only")),
        "transport-unavailable"
    );
    let st = s.client(h).state();
    assert_eq!(
        (st.status, st.last_error.as_str()),
        (Status::Idle, "transport-unavailable")
    );
}

#[test]
fn forbidden_not_host() {
    let mut s = room(1, "host-only");
    let r = s.call(1, |c, op, now| c.publish_session_pack(op, pack(1), now));
    assert_eq!(code(r), "forbidden-not-host");
    let r = s.call(1, |c, op, now| c.request_shared_playback(op, false, now));
    assert_eq!(
        code(r),
        "forbidden-not-host",
        "no shared pause in host-only rooms"
    );
}

#[test]
fn invalid_session_pack() {
    let mut s = room(0, "host-only");
    let mut bad = pack(1);
    bad["schema"] = json!("something-else");
    assert_eq!(
        code(s.call(0, |c, op, now| c.publish_session_pack(op, bad, now))),
        "invalid-session-pack"
    );
    assert!(s.client(0).state().session_pack_meta.is_none());
}

#[test]
fn session_pack_too_large() {
    let small = RelaySettings {
        max_session_pack_bytes: 1024,
        ..settings()
    };
    let mut s = Sim::new(small, 1);
    let h = s.add_client("host-1");
    host(&mut s, h, "", "host-only").unwrap();
    let big = pack(40);
    assert_eq!(
        code(s.call(h, |c, op, now| c.publish_session_pack(op, big, now))),
        "session-pack-too-large"
    );
}

#[test]
fn session_pack_not_found() {
    let mut s = room(1, "host-only");
    assert_eq!(
        code(s.call(1, |c, op, now| c.fetch_session_pack(op, now))),
        "session-pack-not-found"
    );
}

#[test]
fn invalid_session_media() {
    let mut s = room(0, "host-only");
    let file = LocalMediaFile {
        identity: "no/slashes".into(),
        ..media(0)
    };
    let r = s.call(0, |c, op, now| c.publish_session_media_file(op, file, now));
    assert_eq!(code(r), "invalid-session-media");
}

#[test]
fn session_media_too_large() {
    let one = RelaySettings {
        max_session_media_files: 1,
        ..settings()
    };
    let mut s = Sim::new(one, 1);
    let h = s.add_client("host-1");
    host(&mut s, h, "", "host-only").unwrap();
    s.call(h, |c, op, now| {
        c.publish_session_media_file(op, media(0), now)
    })
    .unwrap();
    let r = s.call(h, |c, op, now| {
        c.publish_session_media_file(op, media(1), now)
    });
    assert_eq!(code(r), "session-media-too-large");
    // Locally, a file over the client's own per-file limit never leaves.
    let mut huge = media(2);
    huge.bytes.resize(2 * 1024 * 1024 + 1, 0);
    let r = s.call(h, |c, op, now| c.publish_session_media_file(op, huge, now));
    assert_eq!(code(r), "session-media-too-large");
}

#[test]
fn session_media_not_found() {
    let mut s = room(1, "host-only");
    let r = s.call(1, |c, op, now| c.fetch_session_media_file(op, "img-0", now));
    assert_eq!(code(r), "session-media-not-found");
}

#[test]
fn session_media_file_not_found() {
    let mut s = room(1, "host-only");
    s.call(0, |c, op, now| {
        c.publish_session_media_file(op, media(0), now)
    })
    .unwrap();
    let r = s.call(1, |c, op, now| {
        c.fetch_session_media_file(op, "img-404", now)
    });
    assert_eq!(code(r), "session-media-file-not-found");
}

#[test]
fn session_media_unsupported_type() {
    let mut s = room(0, "host-only");
    let gif = LocalMediaFile {
        ext: "gif".into(),
        mime: "image/gif".into(),
        ..media(0)
    };
    let r = s.call(0, |c, op, now| c.publish_session_media_file(op, gif, now));
    assert_eq!(code(r), "session-media-unsupported-type");
    let fake = LocalMediaFile {
        ext: "jpg".into(),
        mime: "image/jpeg".into(),
        ..media(0)
    };
    let r = s.call(0, |c, op, now| c.publish_session_media_file(op, fake, now));
    assert_eq!(
        code(r),
        "session-media-unsupported-type",
        "PNG bytes are not a JPEG"
    );
}
