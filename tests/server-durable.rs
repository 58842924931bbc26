//! Over real sockets with the relay binary and `--data-dir`: a password room with
//! state, pack and media survives `kill -9` (room, password, state revision, pack
//! hash, media bytes, and a participant's resume token); a corrupt record is logged
//! and skipped while the relay still starts; without `--data-dir` nothing is written.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{create_room, join_room, publish_session, Client, Published, CODE};
use online_sync::store::{RedbStore, RoomStore};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

const HELLO: &str =
    r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#;

/// The relay binary on a free port, with `args`; its address and stderr collector.
fn relay(args: &[&str]) -> (Child, SocketAddr, JoinHandle<String>) {
    relay_in(Path::new("."), args)
}

/// [`relay`] with `cwd` as its working directory.
fn relay_in(cwd: &Path, args: &[&str]) -> (Child, SocketAddr, JoinHandle<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_online-sync-relay"))
        .current_dir(cwd)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .env("RUST_LOG", "info")
        .env("POSECHRONO_SYNC_PASSWORD_HASH_LOG_N", "4")
        .env_remove("PORT")
        .env_remove("POSECHRONO_SYNC_RELAY_PORT")
        .env_remove("POSECHRONO_SYNC_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the relay binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    let addr: SocketAddr = line
        .trim()
        .trim_start_matches("online-sync relay on ws://")
        .parse()
        .unwrap_or_else(|_| panic!("address line: {line:?}"));
    let mut stderr = child.stderr.take().expect("stderr");
    let logs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    (child, addr, logs)
}

async fn negotiated(addr: SocketAddr) -> Client {
    let mut c = Client::connect(addr, "/", &[]).await.expect("connects");
    c.send_text(HELLO).await;
    let first = c.recv().await;
    assert_eq!(first["event"]["type"], "relay-features", "{first}");
    c
}

fn dir_arg(dir: &Path) -> String {
    dir.to_str().expect("utf-8 path").to_string()
}

#[tokio::test]
async fn a_room_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir_arg(dir.path());
    let (mut child, addr, _logs) = relay(&["--data-dir", &data]);
    let mut host = negotiated(addr).await;
    create_room(&mut host, "pw-Secret-55").await;
    let mut guest = negotiated(addr).await;
    let joined = join_room(&mut guest, "guest-1", "pw-Secret-55").await;
    let guest_token = joined["resumeToken"].as_str().unwrap().to_string();
    let b64 = publish_session(
        &mut host,
        Published {
            index: 2,
            refs: 2,
            identity: "k:a",
            salt: 7,
        },
    )
    .await;
    let before: Value = guest
        .ok("getRoomSnapshot", json!({"sessionCode": CODE}))
        .await;
    let pack_before = guest
        .ok("getSessionPack", json!({"sessionCode": CODE}))
        .await;
    // Past the write-behind window, then kill -9 (no shutdown, no flush).
    tokio::time::sleep(Duration::from_millis(400)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    drop((host, guest));

    let (mut child, addr, logs) = relay(&["--data-dir", &data]);
    let mut c = negotiated(addr).await;
    let wrong = c
        .err(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": "guest-2", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong, "invalid-password");
    let after = join_room(&mut c, "guest-2", "pw-Secret-55").await;
    for field in [
        "sessionName",
        "controlMode",
        "hostClientId",
        "sessionState",
        "sessionStateRevision",
        "sessionStateUpdatedAt",
        "sessionPackMeta",
        "sessionMediaMeta",
        "createdAt",
    ] {
        assert_eq!(after[field], before[field], "{field}");
    }
    assert_eq!(after["sessionStateRevision"], 1);
    assert_eq!(
        after["hostConnected"], false,
        "the host is away after a restart"
    );
    let pack_after = c.ok("getSessionPack", json!({"sessionCode": CODE})).await;
    assert_eq!(pack_after, pack_before);
    let file = c
        .ok(
            "getSessionMediaFile",
            json!({"sessionCode": CODE, "identity": "k:a"}),
        )
        .await;
    assert_eq!(file["file"]["dataBase64"], json!(b64));

    // The participant comes back with the token it held before the kill.
    let mut back = negotiated(addr).await;
    let resumed = back
        .ok("resumeSession", json!({"resumeToken": guest_token}))
        .await;
    assert_eq!(resumed["clientId"], "guest-1");
    assert_eq!(resumed["role"], "participant");

    child.kill().unwrap();
    child.wait().unwrap();
    let logs = logs.join().unwrap();
    assert!(logs.contains("data dir loaded"), "{logs}");
    assert!(!logs.contains(&guest_token), "no token in the logs");
}

#[tokio::test]
async fn a_corrupt_record_is_logged_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = RedbStore::open(dir.path()).unwrap();
        // A good record from a sans-IO relay, and one the relay cannot take (its
        // token hash is not hex): the store loads it, the core refuses it whole.
        let mut core = online_sync::relay::RelayCore::new(Default::default(), [1; 32]);
        core.enable_persistence();
        core.handle_connect(1, "127.0.0.1", 0);
        core.handle_message(
            1,
            br#"{"type":"request","id":"1","action":"createRoom","payload":{"sessionCode":"ABCD-EFGH","hostClientId":"host-1"}}"#,
            0,
        );
        let mut rec = None;
        for op in core.poll_persist() {
            if let online_sync::relay::persist::PersistOp::Put { record, .. } = op {
                rec = Some(*record);
            }
        }
        let mut rec = rec.expect("a record");
        rec.updated_at = now_ms();
        store.put_room(&rec).unwrap();
        let mut bad = rec.clone();
        bad.code = "WXYZ-2345".to_string();
        bad.members[0].resume_token_hash = "not hex".to_string();
        store.put_room(&bad).unwrap();
    }
    {
        // A row whose bytes are not a record at all.
        let rooms: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("rooms");
        let db = redb::Database::open(dir.path().join("rooms.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(rooms).unwrap();
            t.insert(b"QQQQ-RRRR".as_slice(), b"{not a record".as_slice())
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let (mut child, addr, logs) = relay(&["--data-dir", &dir_arg(dir.path())]);
    let mut c = negotiated(addr).await;
    let snap = c
        .err("getRoomSnapshot", json!({"sessionCode": "ABCD-EFGH"}))
        .await;
    assert_eq!(
        snap, "not-joined",
        "the good room is there (not session-not-found)"
    );
    let gone = c
        .err(
            "joinRoom",
            json!({"sessionCode": "WXYZ-2345", "clientId": "x"}),
        )
        .await;
    assert_eq!(gone, "session-not-found");
    child.kill().unwrap();
    child.wait().unwrap();
    let logs = logs.join().unwrap();
    assert!(logs.contains("stored room skipped"), "{logs}");
    assert!(logs.contains("WXYZ-2345"), "{logs}");
    assert!(logs.contains("QQQQ-RRRR"), "{logs}");
}

#[tokio::test]
async fn without_data_dir_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, _logs) = relay_in(dir.path(), &[]);
    let mut host = negotiated(addr).await;
    create_room(&mut host, "pw-Secret-55").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    // The relay ran in the empty directory and left nothing in it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}
