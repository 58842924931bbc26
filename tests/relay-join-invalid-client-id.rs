//! joinRoom needs a `clientId` matching `^[A-Za-z0-9_-]{1,64}$`, else `invalid-client-id`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn bad_client_ids_are_refused() {
    let mut r = Relay::default();
    r.host(1, "host-1");
    // Each attempt on a socket of its own: a socket has 5 join attempts a minute.
    let bad = [
        json!(null),
        json!(""),
        json!("  "),
        json!("a/b"),
        json!("x".repeat(65)),
        json!(7),
        json!(["a"]),
    ];
    for (conn, bad) in (10..).zip(bad) {
        r.connect(conn);
        let p = json!({"sessionCode": CODE, "clientId": bad});
        assert_eq!(r.err(conn, "joinRoom", p), "invalid-client-id", "{bad}");
    }
    r.connect(2);
    assert_eq!(
        r.err(2, "joinRoom", json!({"sessionCode": CODE})),
        "invalid-client-id"
    );
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 1);
}
