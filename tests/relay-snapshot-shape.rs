//! The room snapshot: field order, host first then join order, default names "Hôte" /
//! "Invité" de-duplicated with " 2", " 3"…, initial sync states, participantsCount with the
//! host, empty state/pack/media fields.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use online_sync::protocol::{OrderedMap, ServerFrame};
use serde_json::json;
use serde_json::value::RawValue;

fn ordered(raw: &str) -> OrderedMap<Box<RawValue>> {
    serde_json::from_str(raw).unwrap()
}

#[test]
fn fresh_room_snapshot() {
    let mut r = Relay::default();
    r.host(1, "zz-host");
    r.advance(10);
    r.join(2, "mm-guest");
    r.advance(10);
    r.connect(3);
    let (_, frame) = r.request_frame(
        3,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "aa-guest", "participantName": "  "}),
    );
    let Some(ServerFrame::Response {
        outcome: Ok(raw), ..
    }) = ServerFrame::parse(&frame.text)
    else {
        panic!("{}", frame.text)
    };
    let snap = ordered(raw.get());
    let keys: Vec<&str> = snap.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "sessionCode",
            "sessionName",
            "controlMode",
            "hostClientId",
            "participantIds",
            "participantProfiles",
            "participantSyncStates",
            "participantsCount",
            "sessionState",
            "sessionStateRevision",
            "sessionStateUpdatedAt",
            "sessionPackMeta",
            "sessionMediaMeta",
            "createdAt",
            "updatedAt",
            "hostConnected",
        ]
    );
    let profiles = ordered(snap.get("participantProfiles").unwrap().get());
    let order: Vec<&str> = profiles.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(order, ["zz-host", "mm-guest", "aa-guest"]);
    let media = ordered(snap.get("sessionMediaMeta").unwrap().get());
    let media_keys: Vec<&str> = media.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        media_keys,
        [
            "filesCount",
            "totalBytes",
            "updatedAt",
            "uploadedBy",
            "uploadInProgress",
            "uploadTotal",
            "uploadStartedAt",
            "uploadStartedBy"
        ]
    );

    let v: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
    assert_eq!(
        v,
        json!({
            "sessionCode": CODE, "sessionName": "PoseChrono Session", "controlMode": "host-only",
            "hostClientId": "zz-host", "participantIds": ["zz-host", "mm-guest", "aa-guest"],
            "participantProfiles": {"zz-host": "Hôte", "mm-guest": "Invité", "aa-guest": "Invité 2"},
            "participantSyncStates": {"zz-host": "ready", "mm-guest": "connecting", "aa-guest": "connecting"},
            "participantsCount": 3, "sessionState": null, "sessionStateRevision": 0, "sessionStateUpdatedAt": 0,
            "sessionPackMeta": null,
            "sessionMediaMeta": {"filesCount": 0, "totalBytes": 0, "updatedAt": 0, "uploadedBy": null,
                "uploadInProgress": false, "uploadTotal": 0, "uploadStartedAt": 0, "uploadStartedBy": null},
            "createdAt": T0, "updatedAt": T0 + 20, "hostConnected": true,
        })
    );
    // The relay's own view agrees.
    assert_eq!(serde_json::to_value(r.snapshot(CODE).unwrap()).unwrap(), v);
}

#[test]
fn names_are_cleaned_and_deduplicated_case_insensitively() {
    let mut r = Relay::default();
    r.connect(1);
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "h", "hostDisplayName": "\u{7}Alex\n"}),
    );
    let names = [
        ("g1", json!("alex")),
        ("g2", json!(" ALEX ")),
        ("g3", json!("Invité")),
        ("g4", json!(null)),
        ("g5", json!("y".repeat(40))),
        ("g6", json!("Y".repeat(32))),
        ("g7", json!(42)),
    ];
    for (i, (id, name)) in names.into_iter().enumerate() {
        let conn = 10 + i as u64;
        r.connect(conn);
        r.ok(
            conn,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": id, "participantName": name}),
        );
    }
    let snap = r.snapshot(CODE).unwrap();
    let got: Vec<(&str, &str)> = snap
        .participant_profiles
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let y30 = format!("{} 2", "Y".repeat(30));
    assert_eq!(
        got,
        [
            ("h", "Alex"),
            ("g1", "alex 2"),
            ("g2", "ALEX 3"),
            ("g3", "Invité"),
            ("g4", "Invité 2"),
            ("g5", &"y".repeat(32)),
            ("g6", &y30),
            ("g7", "42"),
        ]
    );
    assert_eq!(snap.participants_count, 8);
}
