//! Chunked media transfer, our negotiated extension (`media-chunks`): the binary
//! frame that carries one chunk, and the names and shapes of its three requests.
//!
//! Sent only on a connection whose relay answered the hello with `media-chunks` in
//! `relay-features`; a deployed relay or a deployed client never sees any of it.
//!
//! A chunk frame is a binary WebSocket message:
//!
//! | bytes | what |
//! |---|---|
//! | 0..4 | `PCM1` |
//! | 4..8 | header length `H`, u32 big-endian, at most [`MAX_HEADER`] |
//! | 8..8+H | the header: one JSON envelope (`request` or `response`), UTF-8 |
//! | 8+H.. | the chunk's bytes |
//!
//! A JSON text never starts with `P`, so a relay that reads binary as UTF-8 JSON
//! ignores chunk frames, and a chunk frame is never mistaken for JSON.
//!
//! Ordering: chunk replies on one connection come in the order of their requests.
//!
//! ```
//! use online_sync::protocol::chunks::{decode_frame, encode_frame};
//! let frame = encode_frame(r#"{"type":"response","id":"3"}"#, b"abc");
//! let (header, data) = decode_frame(&frame).unwrap();
//! assert_eq!((header, data), (r#"{"type":"response","id":"3"}"#, &b"abc"[..]));
//! ```

use serde::Serialize;
use serde_json::{Map, Value};

/// A JSON object's members, `None` for anything else (read by hand rather than by
/// derived readers: two small types do not need serde's machinery in the module).
fn members(text: &str) -> Option<Map<String, Value>> {
    serde_json::from_str(text).ok()
}

fn u64_of(m: &Map<String, Value>, key: &str) -> u64 {
    m.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn str_of(m: &Map<String, Value>, key: &str) -> String {
    m.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The feature name in the hello and in `relay-features`.
pub const FEATURE_CHUNKS: &str = "media-chunks";

/// The first four bytes of every chunk frame.
pub const MAGIC: &[u8; 4] = b"PCM1";

/// Longest header of a chunk frame, bytes.
pub const MAX_HEADER: usize = 4096;

/// Largest chunk, bytes (1 MiB); a chunk setting is clamped to it.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// Host: announce a file before its chunks (`{sessionCode, file}`); result [`UploadStatus`].
pub const BEGIN_UPLOAD: &str = "beginSessionMediaUpload";

/// Host: one chunk of an upload, in a chunk frame (`{sessionCode, uploadId, offset,
/// sha256}` + bytes); result [`UploadStatus`].
pub const PUT_CHUNK: &str = "putSessionMediaChunk";

/// Read one chunk of a file (`{sessionCode, identity, offset, length}`); the reply is a
/// chunk frame whose header's `result` is a [`ChunkInfo`] (errors are plain JSON replies).
pub const GET_CHUNK: &str = "getSessionMediaChunk";

/// Whether `bytes` is a chunk frame (starts with [`MAGIC`]).
pub fn is_chunk_frame(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// A chunk frame around `header` (a JSON envelope) and `data`.
pub fn encode_frame(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + header.len() + data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// The header and data of a chunk frame; `None` when `bytes` is not one (wrong magic,
/// a header longer than [`MAX_HEADER`] or than the frame, a header that is not UTF-8).
pub fn decode_frame(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (len, rest) = rest.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    if len > MAX_HEADER || len > rest.len() {
        return None;
    }
    let (header, data) = rest.split_at(len);
    Some((std::str::from_utf8(header).ok()?, data))
}

/// Where an upload stands: the reply to [`BEGIN_UPLOAD`] and to each [`PUT_CHUNK`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UploadStatus {
    /// The upload's id (the file's SHA-256); `""` when nothing is to be sent.
    pub upload_id: String,
    /// Bytes the relay holds, verified: the next chunk starts here.
    pub offset: u64,
    /// Whether the file is published (all bytes held, or the relay already had them).
    pub done: bool,
    /// Largest chunk the relay takes.
    pub chunk_bytes: u64,
}

/// The `result` in the header of a [`GET_CHUNK`] reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChunkInfo {
    /// The file.
    pub identity: String,
    /// Where the chunk starts in the file.
    pub offset: u64,
    /// SHA-256 of the chunk's bytes, 64 lowercase hex.
    pub sha256: String,
}

impl UploadStatus {
    /// Reads a reply's result; `None` for anything but an object (a member of the
    /// wrong type reads as absent).
    pub fn read(text: &str) -> Option<UploadStatus> {
        let m = members(text)?;
        Some(UploadStatus {
            upload_id: str_of(&m, "uploadId"),
            offset: u64_of(&m, "offset"),
            done: m.get("done").and_then(Value::as_bool).unwrap_or(false),
            chunk_bytes: u64_of(&m, "chunkBytes"),
        })
    }
}

impl ChunkInfo {
    /// Reads the result of a chunk reply's header, as [`UploadStatus::read`].
    pub fn read(text: &str) -> Option<ChunkInfo> {
        let m = members(text)?;
        Some(ChunkInfo {
            identity: str_of(&m, "identity"),
            offset: u64_of(&m, "offset"),
            sha256: str_of(&m, "sha256"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_bad_shapes() {
        let f = encode_frame("{}", &[1, 2, 3]);
        assert!(is_chunk_frame(&f));
        assert_eq!(decode_frame(&f), Some(("{}", &[1u8, 2, 3][..])));
        assert_eq!(
            decode_frame(&encode_frame("{}", &[])),
            Some(("{}", &[][..]))
        );
        assert_eq!(decode_frame(b"{\"type\":1}"), None);
        assert_eq!(decode_frame(b"PCM1\0\0"), None);
        assert_eq!(decode_frame(b"PCM1\0\0\0\x09{}"), None);
        let mut long = b"PCM1".to_vec();
        long.extend_from_slice(&((MAX_HEADER + 1) as u32).to_be_bytes());
        long.resize(8 + MAX_HEADER + 1, b' ');
        assert_eq!(decode_frame(&long), None);
        assert_eq!(decode_frame(b"PCM1\0\0\0\x01\xff"), None);
    }

    #[test]
    fn replies_read_leniently() {
        let s = UploadStatus {
            upload_id: "u".into(),
            offset: 3,
            done: true,
            chunk_bytes: 9,
        };
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(UploadStatus::read(&text), Some(s));
        assert_eq!(UploadStatus::read("[1]"), None);
        assert_eq!(UploadStatus::read(r#"{"offset":"x"}"#).unwrap().offset, 0);
        let c = ChunkInfo {
            identity: "a".into(),
            offset: 1,
            sha256: "f".into(),
        };
        assert_eq!(
            ChunkInfo::read(&serde_json::to_string(&c).unwrap()),
            Some(c)
        );
    }
}
