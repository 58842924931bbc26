#![cfg(not(target_arch = "wasm32"))]
//! A relay killed with SIGKILL loses no acknowledged write and leaves no stale lock.
//!
//! The test binary runs itself as the child (`STORE_CHILD` set): it writes rooms and
//! media in a loop, printing `ack N` after each write returns, until the parent kills
//! it. The parent then opens the same data dir and checks it holds exactly the writes
//! up to the last ack (plus, at most, the one in flight).

#[path = "store-common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{code, image, room};
use online_sync::store::{RedbStore, RoomRecord, RoomStore};
use online_sync::validate::digest::sha256_hex;

const CHILD: &str = "STORE_CHILD";
const DIR: &str = "STORE_CHILD_DIR";
const ROOMS: u32 = 16;

/// Operation `i`: every seventh deletes a room, the others put one (with a new image).
fn op(i: u32) -> Option<RoomRecord> {
    (i % 7 != 6).then(|| {
        let mut r = room(&code(i % ROOMS), 3, &[image(i, 1000 + i as usize)]);
        r.state_revision = u64::from(i);
        r
    })
}

/// The rooms after operations `0..n`.
fn replay(n: u32) -> BTreeMap<String, RoomRecord> {
    let mut rooms = BTreeMap::new();
    for i in 0..n {
        match op(i) {
            Some(r) => rooms.insert(r.code.clone(), r),
            None => rooms.remove(&code(i % ROOMS)),
        };
    }
    rooms
}

fn child_writes(dir: &Path) {
    let store = RedbStore::open(dir).unwrap();
    println!("open");
    let start = Instant::now();
    for i in 0.. {
        match op(i) {
            Some(r) => {
                let bytes = image(i, 1000 + i as usize);
                store.put_media(&sha256_hex(&bytes), &bytes).unwrap();
                store.put_room(&r).unwrap();
            }
            None => store.delete_room(&code(i % ROOMS)).unwrap(),
        }
        println!("ack {i}");
        if start.elapsed() > Duration::from_secs(60) {
            break; // the parent is gone
        }
    }
}

fn child_holds(dir: &Path) {
    let _store = RedbStore::open(dir).unwrap();
    println!("open");
    std::thread::sleep(Duration::from_secs(60));
}

/// Starts this test binary as the child running `test` on `dir`.
fn spawn(test: &str, dir: &Path) -> (Child, impl Iterator<Item = String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(DIR, dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok);
    (child, lines)
}

/// The number in an `ack N` line. The first may follow libtest's `test NAME ... `.
fn ack(line: &str) -> Option<u32> {
    line.rsplit_once("ack ")?.1.parse().ok()
}

fn kill_9(child: &mut Child) {
    assert!(
        child.try_wait().unwrap().is_none(),
        "the child must still be running"
    );
    child.kill().unwrap(); // SIGKILL on unix
    child.wait().unwrap();
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    if std::env::var_os(CHILD).is_some() {
        return child_writes(Path::new(&std::env::var_os(DIR).unwrap()));
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn("every_acknowledged_write_survives_kill_9", dir.path());
    let mut acked = 0;
    for line in lines.by_ref() {
        if let Some(n) = ack(&line) {
            acked = n + 1;
            if acked == 60 {
                break;
            }
        }
    }
    kill_9(&mut child);
    // Acks already in the pipe were acknowledged before the kill too.
    for line in lines {
        if let Some(n) = ack(&line) {
            acked = n + 1;
        }
    }
    assert!(acked >= 60, "the child acknowledged {acked} writes");

    let store = RedbStore::open(dir.path()).unwrap();
    let loaded = store.load().unwrap();
    assert!(
        loaded.skipped.is_empty() && loaded.dropped_media.is_empty(),
        "{loaded:?}"
    );
    let found: BTreeMap<_, _> = loaded
        .rooms
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    assert!(
        found == replay(acked) || found == replay(acked + 1),
        "after {acked} acks the store holds revisions {:?}",
        found.values().map(|r| r.state_revision).collect::<Vec<_>>()
    );
    for r in found.values() {
        let file = &r.media.files[0];
        let bytes = store.read_media(&file.sha256).unwrap().unwrap();
        assert_eq!(bytes.len() as u64, file.size);
    }
}

#[test]
fn a_killed_relay_leaves_no_stale_lock() {
    if std::env::var_os(CHILD).is_some() {
        return child_holds(Path::new(&std::env::var_os(DIR).unwrap()));
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn("a_killed_relay_leaves_no_stale_lock", dir.path());
    assert!(
        lines.any(|l| l.ends_with("open")),
        "the child did not open the store"
    );
    let err = RedbStore::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "store-locked", "{err}");
    kill_9(&mut child);
    RedbStore::open(dir.path()).unwrap();
}
