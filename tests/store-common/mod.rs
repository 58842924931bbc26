//! Records for the store tests: a room with members, state, pack and media.
#![allow(dead_code)]

use online_sync::store::{
    MediaFileRecord, MediaRecord, MemberRecord, MemberRole, PackRecord, RoomRecord,
};
use online_sync::validate::digest::sha256_hex;

/// PNG-looking bytes unique to `seed`, `len` long.
pub fn image(seed: u32, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    bytes
}

/// The session code of room number `n`.
pub fn code(n: u32) -> String {
    format!("R{:03}-{:04}", n % 1000, n)
}

/// A room with `members` members (host first) and one manifest entry per image.
pub fn room(code: &str, members: usize, images: &[Vec<u8>]) -> RoomRecord {
    let member = |i: usize| MemberRecord {
        client_id: format!("client-{i}"),
        role: if i == 0 {
            MemberRole::Host
        } else {
            MemberRole::Participant
        },
        display_name: format!("Member {i} ✏️"),
        sync_state: "ready".to_owned(),
        resume_token_hash: sha256_hex(format!("token-{code}-{i}").as_bytes()),
        connected: i % 2 == 0,
    };
    let pack = r#"{"schema":"posechrono-session-pack","version":1,"images":[]}"#;
    RoomRecord {
        code: code.to_owned(),
        session_name: "Gesture \"quick\"".to_owned(),
        control_mode: "shared-pause".to_owned(),
        host_client_id: "client-0".to_owned(),
        password_hash: Some(format!("{}:{}", "ab".repeat(16), "cd".repeat(32))),
        created_at: 1_700_000_000_000,
        updated_at: 1_700_000_100_000,
        members: (0..members).map(member).collect(),
        session_state: Some(r#"{"isPlaying":true,"timeRemaining":60,"currentIndex":2}"#.to_owned()),
        state_revision: 42,
        state_updated_at: 1_700_000_090_000,
        pack: Some(PackRecord {
            canonical_json: pack.to_owned(),
            hash: sha256_hex(pack.as_bytes()),
            size: pack.len() as u64,
            updated_at: 1_700_000_050_000,
            uploaded_by: "client-0".to_owned(),
            images_count: images.len() as u64,
            media_refs_count: images.len() as u64,
        }),
        media: MediaRecord {
            files: images
                .iter()
                .enumerate()
                .map(|(i, bytes)| MediaFileRecord {
                    identity: format!("img-{i}"),
                    name: format!("pose-{i}.png"),
                    ext: "png".to_owned(),
                    mime: "image/png".to_owned(),
                    size: bytes.len() as u64,
                    sha256: sha256_hex(bytes),
                    updated_at: 1_700_000_060_000 + i as u64,
                })
                .collect(),
            updated_at: 1_700_000_070_000,
            uploaded_by: Some("client-0".to_owned()),
            upload_in_progress: false,
            upload_total: images.len() as u64,
            upload_started_at: 1_700_000_055_000,
            upload_started_by: Some("client-0".to_owned()),
            uploads: Vec::new(),
        },
    }
}
