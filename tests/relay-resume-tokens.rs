//! Resume tokens: used up by a resume, bound to their member and role, refused when
//! malformed, unknown or expired (`session-expired`); a resume while the old connection
//! is open unbinds and closes it (4001); a password room needs no password to resume.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "resume/mod.rs"]
mod resume;
use common::relay::*;
use resume::*;
use serde_json::json;

#[test]
fn a_token_is_used_up_by_its_resume() {
    let (mut r, _, guest_token) = resumable_room(|_| {});
    r.disconnect(2);
    let back = resume(&mut r, 3, &guest_token).unwrap();
    r.disconnect(3);
    assert_eq!(
        resume(&mut r, 4, &guest_token),
        Err("session-expired".into())
    );
    // The new one works.
    let again = resume(&mut r, 5, &token(&back)).unwrap();
    assert_eq!(again["clientId"], "guest-1");
}

#[test]
fn malformed_and_unknown_tokens_are_session_expired() {
    let (mut r, host_token, _) = resumable_room(|_| {});
    let forged = format!("rt1.{CODE}.{}", "A".repeat(43));
    let other_room = host_token.replace(CODE, "ZZZZ-ZZZZ");
    let lower = host_token.replace(CODE, &CODE.to_lowercase());
    for (i, bad) in [
        json!({}),
        json!({"resumeToken": 7}),
        json!({"resumeToken": ""}),
        json!({"resumeToken": "rt1."}),
        json!({"resumeToken": &host_token[..host_token.len() - 1]}),
        json!({"resumeToken": format!("{host_token}A")}),
        json!({"resumeToken": forged}),
        json!({"resumeToken": other_room}),
        json!({"resumeToken": lower}),
        json!({"resumeToken": host_token.replacen("rt1", "rt2", 1)}),
    ]
    .into_iter()
    .enumerate()
    {
        let conn = 10 + i as u64;
        negotiate(&mut r, conn);
        assert_eq!(
            r.err(conn, "resumeSession", bad.clone()),
            "session-expired",
            "{bad}"
        );
    }
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 2);
}

#[test]
fn a_token_takes_only_its_own_member_and_role() {
    let (mut r, _, guest_token) = resumable_room(|_| {});
    r.disconnect(1);
    // The participant's token resumes the participant, never the away host.
    let back = resume(&mut r, 3, &guest_token).unwrap();
    assert_eq!(back["role"], "participant");
    assert_eq!(back["clientId"], "guest-1");
    assert_eq!(back["hostConnected"], false);
    assert_eq!(
        r.err(
            3,
            "updateRoom",
            json!({"sessionCode": CODE, "patch": {"sessionName": "x"}})
        ),
        "forbidden-not-host"
    );
    // A socket already bound to the room cannot resume into it again.
    let t = token(&back);
    assert_eq!(
        r.err(3, "resumeSession", json!({"resumeToken": t})),
        "already-joined"
    );
}

#[test]
fn a_resume_while_the_old_connection_is_open_closes_it_with_4001() {
    let (mut r, _, guest_token) = resumable_room(|_| {});
    let back = resume(&mut r, 3, &guest_token).unwrap();
    assert_eq!(back["participantsCount"], 2, "no duplicate member");
    assert_eq!(r.closes, vec![(2, 4001, "session-resumed-elsewhere")]);
    // The old connection is unbound: its requests are not-joined, its close changes nothing.
    assert_eq!(
        r.err(2, "getRoomSnapshot", json!({"sessionCode": CODE})),
        "not-joined"
    );
    r.take(1);
    r.disconnect(2);
    assert!(r.events(1).is_empty());
    assert_eq!(
        r.snapshot(CODE).unwrap().participant_ids,
        ["host-1", "guest-1"]
    );
}

#[test]
fn a_password_room_needs_no_password_to_resume_but_a_join_still_does() {
    let mut r = Relay::default();
    negotiate(&mut r, 1);
    r.ok(
        1,
        "createRoom",
        json!({"sessionCode": CODE, "hostClientId": "host-1", "password": "secret-pw"}),
    );
    negotiate(&mut r, 2);
    let joined = r.ok(
        2,
        "joinRoom",
        json!({"sessionCode": CODE, "clientId": "g", "password": "secret-pw"}),
    );
    r.disconnect(2);
    negotiate(&mut r, 3);
    assert_eq!(
        r.err(
            3,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "g2"})
        ),
        "invalid-password"
    );
    let back = resume(&mut r, 4, &token(&joined)).unwrap();
    assert_eq!(back["clientId"], "g");
}
