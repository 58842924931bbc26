//! Negotiation: only a connection that sent `features` in its `subscribe` hello gets
//! `relay-features`, resume tokens and grace; a plain (deployed) connection sees
//! today's wire behaviour, its host drop closing the room at once.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "resume/mod.rs"]
mod resume;
use common::relay::*;
use resume::*;
use serde_json::json;

#[test]
fn the_hello_gets_exactly_one_relay_features_frame() {
    let mut r = Relay::default();
    r.connect(1);
    let frames = r.send(1, HELLO);
    assert_eq!(frames.len(), 1);
    assert_eq!(
        frames[0].text,
        r#"{"type":"event","event":{"type":"relay-features","features":["resume"],"hostGraceMs":60000}}"#
    );
    // Features we do not know are not echoed back.
    r.connect(2);
    let frames = r.send(
        2,
        r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["x",7]}}"#,
    );
    assert_eq!(frames[0].event().unwrap()["features"], json!([]));
    // Without resume negotiated, no token.
    let reply = r.ok(
        2,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "h-2"}),
    );
    assert!(reply.get("resumeToken").is_none());
    // The grace setting is what the event says.
    let mut r = Relay::with(|s| s.host_grace_ms = 1234);
    assert_eq!(negotiate(&mut r, 1)["hostGraceMs"], 1234);
}

#[test]
fn a_plain_connection_never_sees_the_extension() {
    let mut r = Relay::default();
    r.connect(1);
    assert!(r
        .send(
            1,
            r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":""}}"#
        )
        .is_empty());
    let created = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
    assert!(created.get("resumeToken").is_none(), "{created}");
    assert_eq!(created["hostConnected"], true);
    r.connect(2);
    let joined = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "guest-1"}),
    );
    assert!(joined.get("resumeToken").is_none());
    assert_eq!(
        r.err(2, "resumeSession", json!({"resumeToken": "rt1.x"})),
        "unknown-action:resumeSession",
        "as the deployed relay answers it"
    );
    r.take(2);
    // The plain host drops: the room closes at once, as deployed.
    r.disconnect(1);
    assert_eq!(kinds(&r.events(2)), vec![ev("room-closed", "host-left")]);
    assert_eq!(r.core.room_count(), 0);
}

#[test]
fn tokens_are_issued_on_create_and_join_of_negotiated_connections_only_in_the_reply() {
    let mut r = Relay::default();
    negotiate(&mut r, 1);
    let created = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
    let t = token(&created);
    assert!(t.starts_with(&format!("rt1.{CODE}.")), "{t}");
    assert_eq!(t.len(), "rt1.".len() + CODE.len() + 1 + 43);
    assert_eq!(created["sessionCode"], CODE);
    assert_eq!(created["hostConnected"], true);
    negotiate(&mut r, 2);
    let (events, joined) = r.request(2, "joinRoom", json!({"sessionCode": CODE, "clientId": "g"}));
    let joined = joined.unwrap();
    let t2 = token(&joined);
    assert_ne!(t, t2);
    assert!(events.iter().all(|e| !e.to_string().contains("rt1.")));
    for f in r.take(1) {
        assert!(
            !f.text.contains("rt1."),
            "a broadcast carries no token: {}",
            f.text
        );
    }
}

#[test]
fn a_hello_with_a_code_still_subscribes_as_usual() {
    let mut r = Relay::default();
    negotiate(&mut r, 1);
    let created = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1"}),
    );
    r.ok(1, "leaveRoom", json!({"sessionCode": CODE}));
    r.connect(9);
    r.ok(
        9,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "h"}),
    );
    // A negotiated joiner sending the hello with the code gets the features, then events.
    negotiate(&mut r, 2);
    r.ok(2, "joinRoom", json!({"sessionCode": CODE, "clientId": "g"}));
    r.send(
        2,
        &format!(
            r#"{{"type":"notify","action":"unsubscribe","payload":{{"sessionCode":"{CODE}"}}}}"#
        ),
    );
    r.ok(
        9,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "m"}}),
    );
    assert!(r.events(2).is_empty(), "unsubscribed");
    let frames = r.send(
        2,
        &format!(r#"{{"type":"notify","action":"subscribe","payload":{{"sessionCode":"{CODE}","features":["resume"]}}}}"#),
    );
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].event().unwrap()["type"], "relay-features");
    r.ok(
        9,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": "n"}}),
    );
    assert_eq!(
        kinds(&r.events(2)),
        vec![ev("room-updated", "room-updated")]
    );
    assert!(created.get("resumeToken").is_some());
}

/// A sharded relay sends the hello to one core and carries what it negotiated to
/// the others: there the connection gets tokens, with no second `relay-features`.
#[test]
fn a_negotiation_carried_from_another_core_holds_without_a_reply() {
    use online_sync::relay::resume::Asked;
    let resume = Asked {
        resume: true,
        chunks: false,
    };
    assert_eq!(Asked::of(["x", "resume"]), resume);
    assert_eq!(Asked::of(["x"]), Asked::default());
    assert_eq!(
        Asked::of(["media-chunks"]),
        Asked {
            resume: false,
            chunks: true
        }
    );
    let mut r = Relay::default();
    r.connect(1);
    r.core.handle_negotiated(1, resume);
    assert!(
        r.core.poll_output().is_none(),
        "no frame for a carried negotiation"
    );
    let created = r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "h-1"}),
    );
    assert!(created.get("resumeToken").is_some(), "{created}");
    r.connect(2);
    r.core.handle_negotiated(2, Asked::default());
    let joined = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "g-1"}),
    );
    assert!(joined.get("resumeToken").is_none(), "{joined}");
}
