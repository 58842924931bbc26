#![cfg(not(target_arch = "wasm32"))]
//! Both backends keep what they are given: rooms and media round trip, overwrite,
//! delete, batch, reopen (disk) and media garbage collection.

#[path = "store-common/mod.rs"]
mod common;

use std::collections::HashSet;

use common::{code, image, room};
use online_sync::store::{MemoryStore, RedbStore, RoomStore, StoreError, StoreOp};
use online_sync::validate::digest::sha256_hex;

/// Runs `check` on a memory store and on a fresh data dir.
fn each_backend(check: impl Fn(&dyn RoomStore)) {
    check(&MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    check(&RedbStore::open(dir.path()).unwrap());
}

fn sorted_codes(store: &dyn RoomStore) -> Vec<String> {
    let loaded = store.load().unwrap();
    assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
    loaded.rooms.into_iter().map(|r| r.code).collect()
}

#[test]
fn rooms_and_media_round_trip() {
    each_backend(|store| {
        let images = [image(1, 3000), image(2, 10)];
        for bytes in &images {
            store.put_media(&sha256_hex(bytes), bytes).unwrap();
        }
        let a = room(&code(1), 3, &images);
        let b = room(&code(2), 1, &[]);
        store.put_room(&a).unwrap();
        store.put_room(&b).unwrap();

        let loaded = store.load().unwrap();
        assert_eq!(loaded.rooms, vec![a.clone(), b]);
        assert!(loaded.skipped.is_empty() && loaded.dropped_media.is_empty());
        for (file, bytes) in a.media.files.iter().zip(&images) {
            assert_eq!(
                store.read_media(&file.sha256).unwrap().as_ref(),
                Some(bytes)
            );
        }
        assert_eq!(
            store.read_media(&sha256_hex(b"never stored")).unwrap(),
            None
        );
    });
}

#[test]
fn a_put_overwrites_and_a_delete_removes() {
    each_backend(|store| {
        let mut r = room(&code(7), 2, &[]);
        store.put_room(&r).unwrap();
        r.state_revision = 43;
        r.session_state = Some("{\"currentIndex\":3}".to_owned());
        r.members.pop();
        store.put_room(&r).unwrap();
        assert_eq!(store.load().unwrap().rooms, vec![r.clone()]);

        store.delete_room(&r.code).unwrap();
        assert!(store.load().unwrap().rooms.is_empty());
        store.delete_room(&r.code).unwrap(); // deleting nothing is fine
    });
}

#[test]
fn a_batch_puts_and_deletes_together() {
    each_backend(|store| {
        let (a, b, c) = (
            room(&code(1), 1, &[]),
            room(&code(2), 1, &[]),
            room(&code(3), 1, &[]),
        );
        store.apply(&[StoreOp::Put(&a), StoreOp::Put(&b)]).unwrap();
        store
            .apply(&[StoreOp::Delete(&a.code), StoreOp::Put(&c), StoreOp::Put(&b)])
            .unwrap();
        assert_eq!(sorted_codes(store), vec![b.code.clone(), c.code.clone()]);
    });
}

#[test]
fn media_is_checked_against_its_key() {
    each_backend(|store| {
        let bytes = image(3, 100);
        let wrong = sha256_hex(b"other bytes");
        let err = store.put_media(&wrong, &bytes).unwrap_err();
        assert_eq!(err.code(), "store-media-mismatch");
        assert_eq!(store.read_media(&wrong).unwrap(), None);

        for bad in ["", "../../etc/passwd", &"A".repeat(64), &"0".repeat(63)] {
            let err = store.put_media(bad, &bytes).unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidMediaKey(_)),
                "{bad:?}: {err}"
            );
            assert_eq!(
                store.read_media(bad).unwrap_err().code(),
                "store-invalid-media-key"
            );
        }

        // Idempotent: the same bytes twice are one file.
        let key = sha256_hex(&bytes);
        store.put_media(&key, &bytes).unwrap();
        store.put_media(&key, &bytes).unwrap();
        assert_eq!(store.read_media(&key).unwrap(), Some(bytes));
    });
}

#[test]
fn unreferenced_media_is_collected() {
    each_backend(|store| {
        let images: Vec<_> = (0..4).map(|i| image(i, 64)).collect();
        let keys: Vec<_> = images.iter().map(|b| sha256_hex(b)).collect();
        for (k, b) in keys.iter().zip(&images) {
            store.put_media(k, b).unwrap();
        }
        let live: HashSet<String> = keys[..2].iter().cloned().collect();
        assert_eq!(store.retain_media(&live).unwrap(), 2);
        assert_eq!(store.retain_media(&live).unwrap(), 0);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(store.read_media(k).unwrap().is_some(), i < 2, "file {i}");
        }
    });
}

#[test]
fn a_data_dir_is_the_same_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let images = [image(9, 5000)];
    let r = room(&code(9), 10, &images);
    {
        let store = RedbStore::open(dir.path()).unwrap();
        store
            .put_media(&r.media.files[0].sha256, &images[0])
            .unwrap();
        store.put_room(&r).unwrap();
        store.put_room(&room(&code(10), 1, &[])).unwrap();
        store.delete_room(&code(10)).unwrap();
    }
    let store = RedbStore::open(dir.path()).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.rooms, vec![r.clone()]);
    assert!(loaded.skipped.is_empty() && loaded.dropped_media.is_empty());
    assert_eq!(
        store
            .read_media(&r.media.files[0].sha256)
            .unwrap()
            .as_deref(),
        Some(&images[0][..])
    );
    // The layout the README documents.
    let sha = &r.media.files[0].sha256;
    assert!(dir.path().join("rooms.redb").is_file());
    assert!(dir.path().join("media").join(&sha[..2]).join(sha).is_file());
}

#[test]
fn writers_on_several_threads_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dir.path()).unwrap();
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let store = &store;
            s.spawn(move || {
                for i in 0..25 {
                    let bytes = image(t * 100 + i, 200);
                    store.put_media(&sha256_hex(&bytes), &bytes).unwrap();
                    store
                        .put_room(&room(&code(t * 100 + i), 2, &[bytes]))
                        .unwrap();
                }
            });
        }
    });
    let loaded = store.load().unwrap();
    assert_eq!(loaded.rooms.len(), 100);
    assert!(loaded.skipped.is_empty() && loaded.dropped_media.is_empty());
}

#[test]
fn the_page_cache_is_a_bound_not_a_requirement() {
    // The edge of the cache setting: none at all still stores and loads.
    let dir = tempfile::tempdir().unwrap();
    let rooms: Vec<_> = (0..50).map(|i| room(&code(i), 10, &[])).collect();
    {
        let store = RedbStore::open_with_cache(dir.path(), 0).unwrap();
        for r in &rooms {
            store.put_room(r).unwrap();
        }
    }
    let store = RedbStore::open_with_cache(dir.path(), 0).unwrap();
    assert_eq!(store.load().unwrap().rooms, rooms);
    assert_eq!(online_sync::store::DEFAULT_CACHE_BYTES, 16 << 20);
}
