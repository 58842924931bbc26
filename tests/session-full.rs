//! A host and three participants through a whole session on the simulated network.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::state::{DownloadState, Role, Status};
use online_sync::client::{MetaPatch, OpValue};
use online_sync::validate::digest::sha256_hex;
use serde_json::{json, Value};
use support::*;

fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

#[test]
fn host_and_three_participants_run_a_whole_session() {
    let mut s = room(3, "host-only");
    let (h, guests) = (0, [1, 2, 3]);
    for g in guests {
        let st = s.client(g).state();
        assert_eq!((st.status, st.role), (Status::Joined, Role::Participant));
        assert_eq!(st.participants_count, 4, "host included");
        assert_eq!(st.participant_ids[0], "host-1", "host first");
    }

    // Metadata update reaches everyone.
    let patch = MetaPatch {
        session_name: Some("Gesture".into()),
        control_mode: Some("shared-pause".into()),
    };
    s.call(h, |c, op, now| c.update_session_meta(op, patch, now))
        .unwrap();
    s.settle();
    for g in guests {
        assert_eq!(s.client(g).state().session_name, "Gesture");
        assert_eq!(s.client(g).state().control_mode, "shared-pause");
    }

    // Host state updates, with increasing revisions.
    for (i, t) in [60, 59, 58].into_iter().enumerate() {
        let st = obj(
            json!({"isPlaying": true, "timeRemaining": t, "currentIndex": i, "sessionActive": true}),
        );
        s.call(h, |c, op, now| c.publish_session_state(op, st, now))
            .unwrap();
    }
    s.settle();
    for g in guests {
        let st = s.client(g).state();
        assert_eq!(st.shared_session_state_revision, 3);
        assert_eq!(
            st.shared_session_state.as_ref().unwrap()["timeRemaining"],
            58
        );
    }

    // Shared pause from a participant: the host sees the request.
    s.call(2, |c, op, now| c.request_shared_playback(op, false, now))
        .unwrap();
    s.settle();
    let req = s
        .client(h)
        .state()
        .shared_playback_request
        .clone()
        .expect("host sees the request");
    assert_eq!(
        (
            req.request_type.as_str(),
            req.is_playing,
            req.source_client_id.as_str()
        ),
        ("pause", false, "guest-2")
    );
    assert_eq!(
        s.client(1).state().shared_session_state_revision,
        3,
        "a request does not change the revision"
    );

    // Pack publish and fetch, hash verified.
    let meta = match s
        .call(h, |c, op, now| c.publish_session_pack(op, pack(3), now))
        .unwrap()
    {
        OpValue::PackMeta(m) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (
            meta.images_count,
            meta.media_refs_count,
            meta.uploaded_by.as_str()
        ),
        (3, 3, "host-1")
    );
    s.settle();
    for g in guests {
        assert!(
            s.client(g).state().start_gate.blocked,
            "a published pack blocks participants"
        );
        match s
            .call(g, |c, op, now| c.fetch_session_pack(op, now))
            .unwrap()
        {
            OpValue::Pack(p) => {
                assert_eq!(p.hash, meta.hash);
                assert_eq!(sha256_hex(p.pack_json.as_bytes()), meta.hash);
            }
            other => panic!("{other:?}"),
        }
    }

    // Media: lock, reset, three uploads, unlock.
    s.call(h, |c, op, now| {
        c.set_session_media_upload_status(op, true, 3, now)
    })
    .unwrap();
    s.call(h, |c, op, now| c.reset_session_media_pack(op, now))
        .unwrap();
    for i in 0..3 {
        s.call(h, |c, op, now| {
            c.publish_session_media_file(op, media(i), now)
        })
        .unwrap();
    }
    s.call(h, |c, op, now| {
        c.set_session_media_upload_status(op, false, 0, now)
    })
    .unwrap();
    s.settle();
    assert_eq!(
        s.client(1)
            .state()
            .session_media_meta
            .as_ref()
            .unwrap()
            .files_count,
        3
    );

    // Every participant downloads with progress and clears its gate.
    for g in guests {
        let op = s.start(g, |c, op, now| c.download_session_media(op, now));
        assert_eq!(
            s.run(g, op).unwrap(),
            OpValue::Downloaded {
                files: 3,
                bytes: (0..3).map(|i| png(i).len() as u64).sum()
            }
        );
        let sc = s.sim_client(g);
        assert_eq!(sc.files.len(), 3);
        for (i, f) in sc.files.iter().enumerate() {
            assert_eq!(f.bytes(), png(i as u8).as_slice());
        }
        let progress: Vec<usize> = sc
            .states
            .iter()
            .map(|st| st.media_download.files_done)
            .collect();
        for want in 0..=3 {
            assert!(
                progress.contains(&want),
                "progress passed {want}: {progress:?}"
            );
        }
        let st = s.client(g).state();
        assert_eq!(st.media_download.state, DownloadState::Done);
        assert!(
            !st.start_gate.blocked,
            "validated after pack fetch + full download"
        );
    }
    s.settle();
    for g in guests {
        let id = format!("guest-{g}");
        assert_eq!(
            s.client(h)
                .state()
                .participant_sync_states
                .get(&id)
                .map(String::as_str),
            Some("ready")
        );
    }

    // A republish blocks them again.
    s.call(h, |c, op, now| c.publish_session_pack(op, pack(2), now))
        .unwrap();
    s.settle();
    assert!(s.client(1).state().start_gate.blocked);

    // One participant leaves, the others see it.
    s.call(3, |c, op, now| c.leave_session(op, now)).unwrap();
    s.settle();
    assert_eq!(s.client(3).state().status, Status::Idle);
    assert_eq!(s.client(1).state().participants_count, 3);

    // The host leaves: the room closes for everyone.
    s.call(h, |c, op, now| c.leave_session(op, now)).unwrap();
    s.settle();
    assert_eq!(s.client(h).state().last_error, "");
    for g in [1, 2] {
        let st = s.client(g).state();
        assert_eq!(
            (st.status, st.last_error.as_str()),
            (Status::Idle, "host-disconnected")
        );
    }
    assert_eq!(s.relay().room_count(), 0);
}
