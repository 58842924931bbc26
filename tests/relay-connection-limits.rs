//! Connection limits: past `max_connections` open sockets a new one is closed with 1013
//! "server-full"; past the per-address cap (10) with 4029 "too-many-connections". Exactly the
//! limit is accepted; a refused socket is not counted and its messages are ignored.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn server_full_at_the_edge() {
    let mut r = Relay::default();
    for conn in 0..200 {
        assert!(r.connect(conn), "conn {conn}");
    }
    assert!(r.closes.is_empty());
    assert_eq!(r.core.connection_count(), 200);
    assert!(!r.connect(200));
    assert_eq!(r.closes, vec![(200, 1013, "server-full")]);
    assert_eq!(r.core.connection_count(), 200);
    let create = json!({"type": "request", "id": "1", "action": "createRoom", "payload": {"sessionCode": CODE, "hostClientId": "h"}});
    assert!(
        r.send(200, &create.to_string()).is_empty(),
        "a refused socket is not served"
    );
    assert_eq!(r.core.room_count(), 0);
    // The IO layer reports the refused socket's close: nothing changes.
    r.disconnect(200);
    assert_eq!(r.core.connection_count(), 200);
    r.disconnect(0);
    assert!(r.connect(201));
    assert!(!r.connect(202));
    assert_eq!(r.closes.last(), Some(&(202, 1013, "server-full")));
}

#[test]
fn per_address_cap() {
    let mut r = Relay::default();
    for conn in 0..10 {
        assert!(r.connect_from(conn, "192.0.2.1"));
    }
    assert!(!r.connect_from(10, "192.0.2.1"));
    assert_eq!(r.closes, vec![(10, 4029, "too-many-connections")]);
    assert!(r.connect_from(11, "192.0.2.2"), "other addresses are fine");
    r.disconnect(3);
    assert!(r.connect_from(12, "192.0.2.1"));
    assert!(!r.connect_from(13, "192.0.2.1"));
    assert_eq!(r.core.connection_count(), 11);
}

#[test]
fn server_full_is_checked_before_the_address_cap() {
    let mut r = Relay::with(|s| {
        s.max_connections = 3;
        s.max_connections_per_ip = 2;
    });
    assert!(r.connect_from(1, "a"));
    assert!(r.connect_from(2, "a"));
    assert!(!r.connect_from(3, "a"));
    assert!(r.connect_from(4, "b"));
    assert!(!r.connect_from(5, "a"));
    assert_eq!(
        r.closes,
        vec![(3, 4029, "too-many-connections"), (5, 1013, "server-full")]
    );
}

#[test]
fn a_repeated_connect_of_an_open_id_changes_nothing() {
    let mut r = Relay::room();
    assert!(r.connect(2));
    assert_eq!(r.core.connection_count(), 2);
    r.ok(2, "getRoomSnapshot", json!({"sessionCode": CODE}));
}
