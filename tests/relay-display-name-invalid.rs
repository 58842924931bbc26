//! updateParticipantProfile: an empty name after cleaning gets `invalid-display-name`; a
//! good one is cleaned, cut to 32, de-duplicated against the others and broadcast as
//! `participant-profile-updated`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::json;

#[test]
fn empty_names_are_refused() {
    let mut r = Relay::room();
    for bad in [
        json!(""),
        json!("   "),
        json!("\u{0}\u{1f}\u{7f}"),
        json!(null),
    ] {
        let p = json!({"sessionCode": CODE, "displayName": bad});
        assert_eq!(
            r.err(2, "updateParticipantProfile", p),
            "invalid-display-name",
            "{bad}"
        );
    }
    assert_eq!(
        r.err(2, "updateParticipantProfile", json!({"sessionCode": CODE})),
        "invalid-display-name"
    );
    assert!(r.take(1).is_empty());
    assert_eq!(
        r.snapshot(CODE)
            .unwrap()
            .participant_profiles
            .get("guest-1")
            .unwrap(),
        "Invité"
    );
}

#[test]
fn good_names_are_cleaned_and_deduplicated() {
    let mut r = Relay::room();
    let (events, reply) = r.request(
        2,
        "updateParticipantProfile",
        json!({"sessionCode": CODE, "displayName": " \tHÔTE\n"}),
    );
    let snap = reply.unwrap();
    assert_eq!(
        snap["participantProfiles"],
        json!({"host-1": "Hôte", "guest-1": "HÔTE 2"})
    );
    assert_eq!(
        kinds(&events),
        vec![ev("room-updated", "participant-profile-updated")]
    );
    assert_eq!(r.events(1), events);
    // Its own current name does not collide with itself.
    let snap = r.ok(
        2,
        "updateParticipantProfile",
        json!({"sessionCode": CODE, "displayName": "HÔTE 2"}),
    );
    assert_eq!(snap["participantProfiles"]["guest-1"], "HÔTE 2");
    let long = "x".repeat(40);
    let snap = r.ok(
        1,
        "updateParticipantProfile",
        json!({"sessionCode": CODE, "displayName": long}),
    );
    assert_eq!(snap["participantProfiles"]["host-1"], "x".repeat(32));
    let snap = r.ok(
        2,
        "updateParticipantProfile",
        json!({"sessionCode": CODE, "displayName": "X".repeat(32)}),
    );
    assert_eq!(
        snap["participantProfiles"]["guest-1"],
        format!("{} 2", "X".repeat(30))
    );
}
