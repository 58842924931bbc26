//! Arbitrary frames never panic the client core, and a jittery network still converges.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use online_sync::client::{ClientCore, JoinOptions};
use online_sync::transport::sim::NetEm;
use online_sync::ClientSettings;
use proptest::prelude::*;
use serde_json::json;
use support::*;

proptest! {
    #[test]
    fn arbitrary_frames_never_panic_the_client(frames in proptest::collection::vec(any::<Vec<u8>>(), 0..20),
                                               texts in proptest::collection::vec(".{0,200}", 0..20)) {
        let mut c = ClientCore::new(None, ClientSettings::default(), [1; 16]);
        c.join_session(1, JoinOptions { session_code: "ABCD-EFGH".into(), ..Default::default() }, 0);
        c.handle_connected(0);
        while c.poll_output().is_some() {}
        for f in &frames {
            c.handle_frame(&String::from_utf8_lossy(f), 1);
        }
        for t in &texts {
            c.handle_frame(t, 2);
            let wrapped = json!({"type": "response", "id": "1", "ok": true, "result": t}).to_string();
            c.handle_frame(&wrapped, 3);
        }
        c.handle_timeout(100_000);
        while c.poll_output().is_some() {}
    }
}

#[test]
fn a_jittery_network_reorders_frames_and_everyone_still_converges() {
    let mut s = sim();
    s.net = NetEm {
        latency_ms: 20,
        jitter_ms: 80,
        loss: 0.0,
        ..NetEm::default()
    };
    let h = s.add_client("host-1");
    host(&mut s, h, "", "host-only").unwrap();
    for k in 1..=3 {
        let g = s.add_client(&format!("guest-{k}"));
        join(&mut s, g, CODE, "", "Guest").unwrap();
    }
    // Fire many state updates without waiting: replies and events may overtake each other.
    let ops: Vec<_> = (0..20)
        .map(|t| {
            let st = json!({"timeRemaining": 100 - t, "isPlaying": true});
            let serde_json::Value::Object(st) = st else {
                unreachable!()
            };
            s.start(h, move |c, op, now| c.publish_session_state(op, st, now))
        })
        .collect();
    for op in ops {
        s.run(h, op).unwrap();
    }
    s.settle();
    for g in 1..=3 {
        let st = s.client(g).state();
        assert_eq!(
            st.shared_session_state_revision, 20,
            "never goes back to an older revision"
        );
        assert_eq!(st.participants_count, 4);
        let names: Vec<_> = st
            .participant_profiles
            .iter()
            .map(|(_, n)| n.clone())
            .collect();
        assert_eq!(
            names,
            ["Host", "Guest", "Guest 2", "Guest 3"],
            "names de-duplicated"
        );
    }
}
