//! Room settings: `controlMode` is `shared-pause` only when exactly that, else `host-only`;
//! `sessionName` is cleaned and cut to 80 on create (default "PoseChrono Session"); updateRoom
//! changes name and mode (an empty name or a non-string mode is ignored) and broadcasts
//! `room-updated`/`room-updated`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

fn create(r: &mut Relay, conn: u64, code: &str, extra: Value) -> Value {
    r.connect(conn);
    let mut p = json!({"sessionCode": code, "hostClientId": "h"});
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    r.ok(conn, "createRoom", p)
}

#[test]
fn control_mode_is_normalized() {
    let mut r = Relay::default();
    let cases = [
        (json!("shared-pause"), "shared-pause"),
        (json!("host-only"), "host-only"),
        (json!("SHARED-PAUSE"), "host-only"),
        (json!("shared"), "host-only"),
        (json!(null), "host-only"),
        (json!(1), "host-only"),
        (json!(["shared-pause"]), "host-only"),
    ];
    for (i, (mode, want)) in cases.into_iter().enumerate() {
        let code = format!("MODE-000{i}");
        let snap = create(&mut r, i as u64 + 1, &code, json!({"controlMode": mode}));
        assert_eq!(snap["controlMode"], want, "{mode}");
    }
}

#[test]
fn session_names_on_create() {
    let mut r = Relay::default();
    let long = "n".repeat(100);
    let cases = [
        (json!(null), "PoseChrono Session".to_string()),
        (json!(""), "PoseChrono Session".to_string()),
        (json!(" \t\n "), "PoseChrono Session".to_string()),
        (json!("\u{1}\u{7f}"), "PoseChrono Session".to_string()),
        (json!("  Cours\u{0} du\tsoir  "), "Cours dusoir".to_string()),
        (json!(long), "n".repeat(80)),
    ];
    for (i, (name, want)) in cases.into_iter().enumerate() {
        let code = format!("NAME-000{i}");
        let snap = create(&mut r, i as u64 + 1, &code, json!({"sessionName": name}));
        assert_eq!(snap["sessionName"], want.as_str(), "{name}");
    }
}

#[test]
fn update_room_patches_name_and_mode() {
    let mut r = Relay::room();
    r.advance(3);
    let (events, reply) = r.request(1, "updateRoom", json!({"sessionCode": CODE, "patch": {"sessionName": "  Soir  ", "controlMode": "shared-pause"}}));
    let snap = reply.unwrap();
    assert_eq!(
        (snap["sessionName"].as_str(), snap["controlMode"].as_str()),
        (Some("Soir"), Some("shared-pause"))
    );
    assert_eq!(snap["updatedAt"], T0 + 3);
    assert_eq!(kinds(&events), vec![ev("room-updated", "room-updated")]);
    assert_eq!(r.events(2), events);
    // Empty names and non-string modes are ignored; the update still goes out.
    for patch in [
        json!({"sessionName": "   "}),
        json!({"controlMode": null}),
        json!({"controlMode": 5}),
        json!({}),
        json!("x"),
    ] {
        let (events, reply) = r.request(
            1,
            "updateRoom",
            json!({"sessionCode": CODE, "patch": patch}),
        );
        let snap = reply.unwrap();
        assert_eq!(
            (snap["sessionName"].as_str(), snap["controlMode"].as_str()),
            (Some("Soir"), Some("shared-pause")),
            "{patch}"
        );
        assert_eq!(events.len(), 1);
    }
    let snap = r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"controlMode": "anything"}}),
    );
    assert_eq!(snap["controlMode"], "host-only");
    let snap = r.ok(
        1,
        "updateRoom",
        json!({"sessionCode": CODE, "patch": {"sessionName": 42}}),
    );
    assert_eq!(snap["sessionName"], "Soir");
}
