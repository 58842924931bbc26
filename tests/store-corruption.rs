#![cfg(not(target_arch = "wasm32"))]
//! Damaged data dirs: bad rows are skipped with a report, missing or damaged media is
//! left out, a damaged database file or a second opener gets a clear error; never a
//! panic, never a half-loaded room.

#[path = "store-common/mod.rs"]
mod common;

use std::fs;
use std::path::Path;

use common::{code, image, room};
use online_sync::store::{record, MemoryStore, RedbStore, RoomStore, StoreError};
use online_sync::validate::digest::sha256_hex;
use redb::TableDefinition;

const ROOMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("rooms");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Rows no relay wrote, each with the word its skip reason must contain.
fn bad_rows() -> Vec<(Vec<u8>, Vec<u8>, &'static str)> {
    let good = record::encode(&room(&code(1), 2, &[])).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    vec![
        (
            b"BAD1-JSON".to_vec(),
            b"{not json".to_vec(),
            "not a room record",
        ),
        (
            b"NEW1-VERS".to_vec(),
            text.replacen("\"v\":1", "\"v\":2", 1).into(),
            "version 2",
        ),
        (
            b"NOV1-VERS".to_vec(),
            text.replacen("\"v\":1,", "", 1).into(),
            "without a version",
        ),
        (
            b"MIS1-SING".to_vec(),
            text.replacen("\"members\"", "\"people\"", 1).into(),
            "members",
        ),
        (b"KEY1-MISM".to_vec(), good, "stored under"),
        (
            code(1).into_bytes(),
            text.replacen("\"state_revision\":42", "\"state_revision\":43", 1)
                .into(),
            "checksum",
        ),
        (
            b"SUM1-GONE".to_vec(),
            text.replacen("\"sum\"", "\"sun\"", 1).into(),
            "checksum",
        ),
        (vec![0xff, 0xfe], b"[]".to_vec(), "room record"),
    ]
}

fn assert_skipped(store: &dyn RoomStore, good: &[online_sync::store::RoomRecord]) {
    let loaded = store.load().unwrap();
    assert_eq!(loaded.rooms, good);
    let rows = bad_rows();
    assert_eq!(loaded.skipped.len(), rows.len(), "{:?}", loaded.skipped);
    for (key, _, word) in rows {
        let key = String::from_utf8_lossy(&key).into_owned();
        let skip = loaded.skipped.iter().find(|s| s.key == key).unwrap();
        assert!(skip.reason.contains(word), "{key}: {}", skip.reason);
    }
}

#[test]
fn rows_that_do_not_decode_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = room(&code(5), 3, &[]);
    RedbStore::open(dir.path())
        .unwrap()
        .put_room(&good)
        .unwrap();
    {
        let db = redb::Database::open(dir.path().join("rooms.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut rooms = txn.open_table(ROOMS).unwrap();
            for (key, value, _) in bad_rows() {
                rooms.insert(key.as_slice(), value.as_slice()).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let store = RedbStore::open(dir.path()).unwrap();
    assert_skipped(&store, std::slice::from_ref(&good));

    // The memory backend reads rows the same way.
    let memory = MemoryStore::new();
    memory.put_room(&good).unwrap();
    for (key, value, _) in bad_rows() {
        memory.put_raw(&String::from_utf8_lossy(&key), value);
    }
    assert_skipped(&memory, &[good]);
}

#[test]
fn a_missing_or_truncated_media_file_leaves_only_that_file_out() {
    let dir = tempfile::tempdir().unwrap();
    let images = [image(1, 400), image(2, 500), image(3, 600)];
    let r = room(&code(3), 2, &images);
    {
        let store = RedbStore::open(dir.path()).unwrap();
        for bytes in &images[..2] {
            store.put_media(&sha256_hex(bytes), bytes).unwrap(); // the third never stored
        }
        store.put_room(&r).unwrap();
    }
    let second = &r.media.files[1].sha256;
    let path = dir.path().join("media").join(&second[..2]).join(second);
    fs::write(&path, &images[1][..100]).unwrap(); // cut short

    let loaded = RedbStore::open(dir.path()).unwrap().load().unwrap();
    let back = &loaded.rooms[0];
    assert_eq!(back.media.files, r.media.files[..1]);
    assert_eq!(
        back.media.updated_at,
        r.media.updated_at + 1,
        "the start gate must change"
    );
    assert_eq!(
        (back.pack.as_ref(), back.state_revision),
        (r.pack.as_ref(), r.state_revision)
    );
    let dropped: Vec<_> = loaded
        .dropped_media
        .iter()
        .map(|d| (d.room.as_str(), d.identity.as_str()))
        .collect();
    assert_eq!(
        dropped,
        [(r.code.as_str(), "img-1"), (r.code.as_str(), "img-2")]
    );
    assert!(loaded.skipped.is_empty());
}

#[test]
fn a_media_file_whose_bytes_changed_is_reported_and_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dir.path()).unwrap();
    let bytes = image(4, 2048);
    let key = sha256_hex(&bytes);
    store.put_media(&key, &bytes).unwrap();
    let path = dir.path().join("media").join(&key[..2]).join(&key);
    let mut flipped = bytes.clone();
    flipped[1000] ^= 1;
    fs::write(&path, &flipped).unwrap();

    let err = store.read_media(&key).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::MediaMismatch {
                quarantined: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "store-media-mismatch");
    assert_eq!(store.read_media(&key).unwrap(), None, "never served again");
    assert_eq!(
        fs::read(dir.path().join("media/corrupt").join(&key)).unwrap(),
        flipped
    );

    store.put_media(&key, &bytes).unwrap(); // the host uploads it again
    assert_eq!(store.read_media(&key).unwrap(), Some(bytes));
}

fn open_err(dir: &Path) -> StoreError {
    RedbStore::open(dir).expect_err("a damaged database file must not open")
}

#[test]
fn a_garbage_database_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("rooms.redb"), image(5, 64 * 1024)).unwrap();
    let err = open_err(dir.path());
    assert_eq!(err.code(), "store-corrupt", "{err}");
    assert!(err.to_string().contains("rooms.redb"), "{err}");
}

#[test]
fn a_truncated_database_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let rooms: Vec<_> = (0..200).map(|i| room(&code(i), 10, &[])).collect();
    {
        let store = RedbStore::open(dir.path()).unwrap();
        for r in &rooms {
            store.put_room(r).unwrap();
        }
    }
    let file = dir.path().join("rooms.redb");
    let full = fs::read(&file).unwrap();
    for len in [10, 512, 4096, full.len() / 2, full.len() - 1] {
        fs::write(&file, &full[..len]).unwrap();
        let err = open_err(dir.path());
        assert_eq!(err.code(), "store-corrupt", "len {len}: {err}");
    }
    // An empty file is what redb makes of a new database: it opens empty.
    fs::write(&file, b"").unwrap();
    let loaded = RedbStore::open(dir.path()).unwrap().load().unwrap();
    assert!(loaded.rooms.is_empty() && loaded.skipped.is_empty());
}

#[test]
fn a_second_open_of_one_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = RedbStore::open(dir.path()).unwrap();
    let err = RedbStore::open(dir.path()).unwrap_err();
    assert_eq!(err.code(), "store-locked");
    assert!(err.to_string().contains("in use by another relay"), "{err}");
    drop(first);
    RedbStore::open(dir.path()).unwrap();
}

#[test]
fn a_data_dir_of_another_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(RedbStore::open(dir.path()).unwrap());
    {
        let db = redb::Database::open(dir.path().join("rooms.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().insert("format", 2).unwrap();
        txn.commit().unwrap();
    }
    let err = open_err(dir.path());
    assert!(
        matches!(
            err,
            StoreError::UnsupportedFormat {
                found: 2,
                supported: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn temp_files_left_by_a_crash_are_swept_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = image(6, 10);
    let key = sha256_hex(&bytes);
    drop({
        let store = RedbStore::open(dir.path()).unwrap();
        store.put_media(&key, &bytes).unwrap();
        store
    });
    let shard = dir.path().join("media").join(&key[..2]);
    fs::write(shard.join(".tmp-half-written"), b"partial").unwrap();
    let store = RedbStore::open(dir.path()).unwrap();
    assert!(!shard.join(".tmp-half-written").exists());
    assert_eq!(store.read_media(&key).unwrap(), Some(bytes));
}

#[test]
fn flipped_bytes_anywhere_in_the_database_never_panic_or_half_load() {
    let dir = tempfile::tempdir().unwrap();
    let rooms: Vec<_> = (0..50).map(|i| room(&code(i), 4, &[])).collect();
    {
        let store = RedbStore::open(dir.path()).unwrap();
        for r in &rooms {
            store.put_room(r).unwrap();
        }
    }
    let file = dir.path().join("rooms.redb");
    let full = fs::read(&file).unwrap();
    let offsets = (0..1024)
        .step_by(8)
        .chain((0..full.len()).step_by(full.len() / 97));
    let (mut refused, mut opened) = (0, 0);
    for at in offsets {
        let mut bytes = full.clone();
        bytes[at] ^= 0x5a;
        fs::write(&file, &bytes).unwrap();
        match RedbStore::open(dir.path()).and_then(|s| s.load()) {
            Ok(loaded) => {
                opened += 1;
                for r in &loaded.rooms {
                    assert!(rooms.contains(r), "offset {at}: a changed room {}", r.code);
                }
            }
            Err(err) => {
                refused += 1;
                assert!(!err.to_string().is_empty());
            }
        }
    }
    eprintln!("flipped bytes: {refused} refused, {opened} opened");
    assert!(refused > 0, "flips in the header must be refused");
}
