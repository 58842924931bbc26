//! The start gate: blocked while a published pack is not validated; validated by a
//! pack fetch + complete download or by confirmLocalCopy; blocked again by a change.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::*;

fn gate(s: &online_sync::transport::sim::Sim, i: usize) -> (bool, String) {
    let g = &s.client(i).state().start_gate;
    (g.blocked, g.reason.clone())
}

#[test]
fn no_pack_means_no_gate_and_the_host_is_never_blocked() {
    let mut s = room(1, "host-only");
    assert_eq!(gate(&s, 1), (false, String::new()));
    s.call(0, |c, op, now| c.publish_session_pack(op, pack(1), now))
        .unwrap();
    s.settle();
    assert!(!gate(&s, 0).0, "host");
    assert_eq!(gate(&s, 1), (true, "pack-not-validated".into()));
}

#[test]
fn fetch_plus_download_validates_then_a_republish_or_media_change_blocks_again() {
    let mut s = room(1, "host-only");
    s.call(0, |c, op, now| c.publish_session_pack(op, pack(1), now))
        .unwrap();
    s.call(0, |c, op, now| {
        c.publish_session_media_file(op, media(0), now)
    })
    .unwrap();
    s.settle();
    // A download alone, without the pack, does not validate.
    s.call(1, |c, op, now| c.download_session_media(op, now))
        .unwrap();
    assert!(gate(&s, 1).0);
    s.call(1, |c, op, now| c.fetch_session_pack(op, now))
        .unwrap();
    s.call(1, |c, op, now| c.download_session_media(op, now))
        .unwrap();
    let g = s.client(1).state().start_gate.clone();
    assert!(!g.blocked);
    assert_eq!(g.fingerprint, g.validated_fingerprint);
    assert!(g.fingerprint.starts_with("ABCD-EFGH|"), "{}", g.fingerprint);

    // New media changes media updatedAt: blocked again.
    s.advance(10);
    s.call(0, |c, op, now| {
        c.publish_session_media_file(op, media(1), now)
    })
    .unwrap();
    s.settle();
    assert!(gate(&s, 1).0);
    s.call(1, |c, op, now| c.download_session_media(op, now))
        .unwrap();
    assert!(!gate(&s, 1).0, "the fetched pack is still current");

    // A republished pack blocks again, even with the same content.
    s.advance(10);
    s.call(0, |c, op, now| c.publish_session_pack(op, pack(1), now))
        .unwrap();
    s.settle();
    assert!(gate(&s, 1).0);
}

#[test]
fn confirm_local_copy_validates_explicitly() {
    let mut s = room(1, "host-only");
    s.call(0, |c, op, now| c.publish_session_pack(op, pack(0), now))
        .unwrap();
    s.settle();
    assert!(gate(&s, 1).0);
    let now = s.now();
    s.with(1, |c| c.confirm_local_copy(now));
    assert!(!gate(&s, 1).0);
    s.settle();
    let states = &s.client(0).state().participant_sync_states;
    assert_eq!(
        states.get("guest-1").map(String::as_str),
        Some("ready"),
        "the host sees the participant ready"
    );
}

#[test]
fn a_session_without_media_downloads_as_complete() {
    let mut s = room(1, "host-only");
    s.call(0, |c, op, now| c.publish_session_pack(op, pack(0), now))
        .unwrap();
    s.settle();
    s.call(1, |c, op, now| c.fetch_session_pack(op, now))
        .unwrap();
    let r = s
        .call(1, |c, op, now| c.download_session_media(op, now))
        .unwrap();
    assert_eq!(
        r,
        online_sync::client::OpValue::Downloaded { files: 0, bytes: 0 }
    );
    assert!(
        !gate(&s, 1).0,
        "session-media-not-found is a valid 'no online media'"
    );
}
