//! A participant whose negotiated connection drops keeps its seat for the grace; a
//! resume keeps its client id (no duplicate member, same count); past the grace it
//! leaves as today.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "resume/mod.rs"]
mod resume;
use common::relay::*;
use resume::*;
use serde_json::json;

#[test]
fn a_dropped_participant_keeps_its_seat_and_its_id() {
    let (mut r, _, guest_token) = resumable_room(|_| {});
    r.ok(
        2,
        "updateParticipantProfile",
        json!({"sessionCode": CODE, "displayName": "Ana"}),
    );
    r.take(1);
    r.disconnect(2);
    let events = r.events(1);
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "participant-state-updated")]
    );
    let snap = &events[0]["snapshot"];
    assert_eq!(snap["participantIds"], json!(["host-1", "guest-1"]));
    assert_eq!(snap["hostConnected"], true);
    // Its id is still taken by a plain join.
    r.connect(5);
    assert_eq!(
        r.err(
            5,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-1"})
        ),
        "duplicate-client-id"
    );
    let back = resume(&mut r, 3, &guest_token).unwrap();
    assert_eq!(back["clientId"], "guest-1");
    assert_eq!(back["role"], "participant");
    assert_eq!(back["participantsCount"], 2);
    assert_eq!(back["participantIds"], json!(["host-1", "guest-1"]));
    assert_eq!(back["participantProfiles"]["guest-1"], "Ana");
    // It acts as guest-1 again.
    let snap = r.ok(
        3,
        "updateParticipantState",
        json!({"sessionCode": CODE, "syncState": "ready"}),
    );
    assert_eq!(snap["participantSyncStates"]["guest-1"], "ready");
}

#[test]
fn past_the_grace_the_participant_leaves() {
    let (mut r, _, guest_token) = resumable_room(|s| s.host_grace_ms = 2_000);
    r.disconnect(2);
    r.take(1);
    r.run_until(T0 + 2_000);
    let events = r.events(1);
    assert_eq!(kinds(&events), vec![ev("room-updated", "participant-left")]);
    assert_eq!(events[0]["snapshot"]["participantIds"], json!(["host-1"]));
    assert_eq!(
        resume(&mut r, 3, &guest_token),
        Err("session-expired".into())
    );
}
