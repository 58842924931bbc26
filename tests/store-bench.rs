#![cfg(not(target_arch = "wasm32"))]
//! Figures for the data dir: rooms written per second (one commit each, and batched)
//! and the time to load 1,000 rooms of 10 members.
//!
//! `cargo test --test store-bench -- --ignored --nocapture` (add `--release` for
//! release figures).

#[path = "store-common/mod.rs"]
mod common;

use std::time::Instant;

use common::{code, room};
use online_sync::store::{RedbStore, RoomStore, StoreOp};

#[test]
#[ignore = "a figure, not a check; run with --ignored --nocapture"]
fn rooms_per_second_and_load_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dir.path()).unwrap();
    let rooms: Vec<_> = (0..1000).map(|i| room(&code(i), 10, &[])).collect();

    let t = Instant::now();
    for r in &rooms {
        store.put_room(r).unwrap();
    }
    let single = t.elapsed();

    let t = Instant::now();
    for chunk in rooms.chunks(100) {
        let ops: Vec<_> = chunk.iter().map(StoreOp::Put).collect();
        store.apply(&ops).unwrap();
    }
    let batched = t.elapsed();
    drop(store);

    let t = Instant::now();
    let store = RedbStore::open(dir.path()).unwrap();
    let loaded = store.load().unwrap();
    let load = t.elapsed();
    assert_eq!(loaded.rooms.len(), 1000);

    let size = std::fs::metadata(dir.path().join("rooms.redb"))
        .unwrap()
        .len();
    let record = online_sync::store::record::encode(&rooms[0]).unwrap().len();
    println!(
        "1,000 rooms x 10 members ({record} B a record, file {:.1} MiB):\n  \
         one commit each: {:.0} rooms/s\n  batches of 100: {:.0} rooms/s\n  \
         open + load: {:.1} ms",
        size as f64 / 1048576.0,
        1000.0 / single.as_secs_f64(),
        1000.0 / batched.as_secs_f64(),
        load.as_secs_f64() * 1e3,
    );
}
