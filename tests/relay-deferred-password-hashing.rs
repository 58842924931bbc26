//! With deferred password hashing (the relay server's mode), a create or join that
//! needs a hash is parked: the core asks for the hash, serves every other message
//! meanwhile, and answers once the key comes back, judging the request as it stands
//! then. At most `max_pending` requests wait; past that, `rate-limited`.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::relay::*;
use serde_json::{json, Value};

fn request(id: &str, action: &str, payload: Value) -> String {
    json!({"type": "request", "id": id, "action": action, "payload": payload}).to_string()
}

fn create(pw: &str) -> Value {
    json!({"sessionCode": CODE, "hostClientId": "host-1", "password": pw})
}

fn join(client: &str, pw: &str) -> Value {
    json!({"sessionCode": CODE, "clientId": client, "password": pw})
}

fn deferred(max_pending: usize) -> Relay {
    let mut r = Relay::default();
    r.core.defer_password_hashing(max_pending);
    r
}

/// The reply frame's outcome: `Ok(result)` or `Err(code)`.
fn outcome(frames: &[Frame], id: &str) -> Result<Value, String> {
    let reply = frames
        .iter()
        .find(|f| f.is_response() && f.json["id"] == id)
        .unwrap_or_else(|| panic!("no reply {id} in {frames:?}"));
    if reply.json["ok"] == true {
        Ok(reply.json["result"].clone())
    } else {
        Err(reply.json["error"].as_str().unwrap_or_default().to_string())
    }
}

#[test]
fn a_create_waits_for_its_hash_and_the_relay_serves_others_meanwhile() {
    let mut r = deferred(8);
    r.connect(1);
    assert!(r
        .send(1, &request("c", "createRoom", create("s3cret")))
        .is_empty());
    assert_eq!(r.hash_jobs.len(), 1, "one hash asked for");
    assert_eq!(r.core.pending_password_hashes(), 1);
    assert!(r.snapshot(CODE).is_none(), "no room before the hash");
    // Another connection is served while the hash runs.
    r.connect(2);
    let other = json!({"sessionCode": "WXYZ-2345", "hostClientId": "host-2"});
    assert!(r.ok(2, "createRoom", other)["sessionCode"] == "WXYZ-2345");
    // The key comes back: the room exists, protected, and the host gets its reply.
    let frames = r.run_hash_job(0, 1);
    let snap = outcome(&frames, "c").expect("created");
    assert_eq!(snap["sessionCode"], CODE);
    assert_eq!(r.core.pending_password_hashes(), 0);
    r.connect(3);
    assert!(r
        .send(3, &request("j", "joinRoom", join("guest-1", "wrong")))
        .is_empty());
    assert_eq!(
        outcome(&r.run_hash_job(0, 3), "j"),
        Err("invalid-password".into())
    );
    assert!(r
        .send(3, &request("k", "joinRoom", join("guest-1", "s3cret")))
        .is_empty());
    let joined = outcome(&r.run_hash_job(0, 3), "k").expect("joined");
    assert_eq!(joined["participantIds"], json!(["host-1", "guest-1"]));
}

#[test]
fn the_request_is_judged_as_it_stands_when_the_key_comes_back() {
    let mut r = deferred(8);
    r.connect(1);
    r.connect(2);
    // Two creates of one code both wait; the first key back wins.
    assert!(r
        .send(1, &request("a", "createRoom", create("one")))
        .is_empty());
    let second = json!({"sessionCode": CODE, "hostClientId": "host-2", "password": "two"});
    assert!(r.send(2, &request("b", "createRoom", second)).is_empty());
    assert_eq!(r.hash_jobs.len(), 2);
    let second_back = r.run_hash_job(1, 2);
    assert_eq!(
        outcome(&second_back, "b").unwrap()["hostClientId"],
        "host-2"
    );
    assert_eq!(
        outcome(&r.run_hash_job(0, 1), "a"),
        Err("session-already-exists".into())
    );
    // A join whose room closes while it waits: session-not-found.
    r.connect(3);
    assert!(r
        .send(3, &request("j", "joinRoom", join("guest-1", "two")))
        .is_empty());
    r.disconnect(2); // the host leaves: the room closes
    assert_eq!(
        outcome(&r.run_hash_job(0, 3), "j"),
        Err("session-not-found".into())
    );
}

#[test]
fn a_room_replaced_while_the_join_waits_needs_a_hash_of_its_own() {
    let mut r = deferred(8);
    r.connect(1);
    r.send(1, &request("a", "createRoom", create("one")));
    r.run_hash_job(0, 1);
    r.connect(2);
    assert!(r
        .send(2, &request("j", "joinRoom", join("guest-1", "two")))
        .is_empty());
    // The room closes and the code is taken again, now with password "two".
    r.disconnect(1);
    r.connect(4);
    let again = json!({"sessionCode": CODE, "hostClientId": "host-4", "password": "two"});
    r.send(4, &request("b", "createRoom", again));
    let create_job = r.hash_jobs.len() - 1;
    r.run_hash_job(create_job, 4);
    // The key derived with the old room's salt proves nothing: the join waits again.
    assert!(r.run_hash_job(0, 2).is_empty());
    assert_eq!(r.hash_jobs.len(), 1);
    let joined = outcome(&r.run_hash_job(0, 2), "j").expect("joined the new room");
    assert_eq!(joined["hostClientId"], "host-4");
}

#[test]
fn a_connection_gone_while_waiting_gets_nothing_and_changes_nothing() {
    let mut r = deferred(8);
    r.connect(1);
    r.send(1, &request("a", "createRoom", create("one")));
    r.disconnect(1);
    // The hash is under way: it still counts until its key is back.
    assert_eq!(r.core.pending_password_hashes(), 1);
    // A new connection under the same id is not the one that asked.
    r.connect(1);
    r.run_hash_job(0, 1);
    assert_eq!(r.core.pending_password_hashes(), 0);
    assert!(r.snapshot(CODE).is_none(), "no room for a host that left");
    assert!(r.take(1).is_empty());
    assert_eq!(r.core.room_count(), 0);
}

#[test]
fn a_second_join_of_one_connection_that_waited_is_already_joined() {
    let mut r = deferred(8);
    r.connect(1);
    r.send(1, &request("a", "createRoom", create("one")));
    r.run_hash_job(0, 1);
    r.connect(2);
    r.send(2, &request("j", "joinRoom", join("guest-1", "one")));
    r.send(2, &request("k", "joinRoom", join("guest-2", "one")));
    assert_eq!(r.hash_jobs.len(), 2);
    assert!(outcome(&r.run_hash_job(0, 2), "j").is_ok());
    assert_eq!(
        outcome(&r.run_hash_job(0, 2), "k"),
        Err("already-joined".into())
    );
    assert_eq!(r.snapshot(CODE).unwrap().participants_count, 2);
}

#[test]
fn past_max_pending_a_request_that_needs_a_hash_is_rate_limited() {
    let mut r = deferred(2);
    for conn in 1..=3 {
        r.connect(conn);
    }
    let create_as = |n: u64| json!({"sessionCode": format!("ROOM-000{n}"), "hostClientId": format!("host-{n}"), "password": "pw"});
    assert!(r
        .send(1, &request("a", "createRoom", create_as(2)))
        .is_empty());
    assert!(r
        .send(2, &request("b", "createRoom", create_as(3)))
        .is_empty());
    // The edge: two wait, a third that needs a hash is refused at once ...
    let refused = r.send(3, &request("c", "createRoom", create_as(4)));
    assert_eq!(outcome(&refused, "c"), Err("rate-limited".into()));
    assert_eq!(r.hash_jobs.len(), 2);
    // ... one without a password is not held up ...
    let free = json!({"sessionCode": "ROOM-0005", "hostClientId": "host-5"});
    assert!(r.ok(3, "createRoom", free)["sessionCode"] == "ROOM-0005");
    // ... and once a key is back there is room again.
    r.run_hash_job(0, 1);
    assert!(r
        .send(3, &request("d", "createRoom", create_as(6)))
        .is_empty());
    assert_eq!(r.core.pending_password_hashes(), 2);
}

#[test]
fn a_hash_job_never_prints_the_password() {
    let mut r = deferred(2);
    r.connect(1);
    r.send(1, &request("a", "createRoom", create("hunter2-secret")));
    let job = &r.hash_jobs[0];
    assert!(!format!("{job:?}").contains("hunter2"));
    assert!(!format!("{:?}", r.core).contains("hunter2"));
}

#[test]
fn inline_by_default() {
    let mut r = Relay::default();
    r.connect(1);
    let snap = r.ok(1, "createRoom", create("s3cret"));
    assert_eq!(snap["sessionCode"], CODE);
    assert!(r.hash_jobs.is_empty());
}
