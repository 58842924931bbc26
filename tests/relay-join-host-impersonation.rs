//! A joiner that uses the host's client id gets `forbidden-host-impersonation`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn host_id_cannot_join() {
    let mut r = Relay::default();
    r.host(1, "host-1");
    r.connect(2);
    let p = json!({"sessionCode": CODE, "clientId": " host-1 "});
    assert_eq!(r.err(2, "joinRoom", p), "forbidden-host-impersonation");
    let snap = r.snapshot(CODE).unwrap();
    assert_eq!(snap.participant_ids, vec!["host-1"]);
    assert!(r.take(1).is_empty());
}
