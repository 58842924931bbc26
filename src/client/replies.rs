//! How the client reads the `result` of each reply into the value its command
//! expects: derived serde types, read as the snapshot is (see
//! [`crate::protocol::RoomSnapshot`]). A result that is not what the command expects
//! is `request-failed`.

use crate::error::{Code, SyncError};
use crate::protocol::{Malformed, RawJson, Read, RoomSnapshot};
use crate::validate::media::ManifestEntry;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The media manifest of a session ([`Manifest::from_json`] reads it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Manifest {
    /// Files in upload order.
    #[serde(deserialize_with = "crate::protocol::objects")]
    pub files: Vec<ManifestEntry>,
    /// Number of files.
    pub files_count: u64,
    /// Bytes of all files.
    pub total_bytes: u64,
    /// Last media change, relay ms.
    pub updated_at: u64,
    /// Who changed it.
    pub uploaded_by: Option<String>,
}

fn failed(_: Malformed) -> SyncError {
    Code::RequestFailed.into()
}

/// A room snapshot (the result of most actions).
pub(super) fn snapshot(raw: &RawJson) -> Result<RoomSnapshot, SyncError> {
    RoomSnapshot::from_json(raw.get()).map_err(failed)
}

/// A JSON object (the session state an `updateSessionState` stored).
pub(super) fn object(raw: &RawJson) -> Result<Map<String, Value>, SyncError> {
    serde_json::from_str(raw.get()).map_err(|_| Code::RequestFailed.into())
}

/// The `file` of a `getSessionMediaFile` result; `None` when absent or `null`.
pub(super) fn file(raw: &RawJson) -> Result<Option<Value>, SyncError> {
    #[derive(Deserialize)]
    struct FileReply {
        #[serde(default)]
        file: Option<Value>,
    }
    crate::protocol::from_object::<FileReply>(raw.get())
        .map(|r| r.file)
        .map_err(failed)
}

/// A media manifest.
pub(super) fn manifest(raw: &RawJson) -> Result<Manifest, SyncError> {
    Manifest::from_json(raw.get()).map_err(failed)
}

/// A `getSessionPack` result, its `pack` kept as the raw text the relay sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PackReply<'a> {
    /// The pack JSON, byte for byte, so that its hash can be checked.
    #[serde(borrow)]
    pub pack: &'a RawValue,
    /// The hash the relay announced.
    #[serde(default)]
    pub hash: String,
    /// Publish time, relay ms.
    #[serde(default)]
    pub updated_at: u64,
    /// The size the relay announced.
    #[serde(default)]
    pub size: u64,
}

/// Reads a `getSessionPack` result; `pack` is required, the rest default.
pub(super) fn pack(raw: &RawJson) -> Result<PackReply<'_>, SyncError> {
    if !crate::protocol::is_object_text(raw.get()) {
        return Err(Code::RequestFailed.into());
    }
    serde_json::from_str(raw.get()).map_err(|_| Code::RequestFailed.into())
}

impl Manifest {
    /// Reads a media manifest from its JSON text; absent fields take their defaults,
    /// but each file needs its `identity` and `size`.
    ///
    /// # Errors
    /// [`Malformed`] for anything but an object, or a field of the wrong type.
    pub fn from_json(text: &str) -> Read<Manifest> {
        crate::protocol::from_object(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{response_ok, ServerFrame};
    use serde_json::json;

    /// A reply's `result` as the client gets it.
    fn result(text: &str) -> RawJson {
        let raw = RawValue::from_string(text.to_string()).unwrap();
        match ServerFrame::parse(&response_ok("1", &raw)) {
            Some(ServerFrame::Response {
                outcome: Ok(raw), ..
            }) => raw,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn manifests_read_back_and_need_identity_and_size() {
        let entry = json!({"identity": "k:abc", "name": "pose", "ext": "png",
            "mime": "image/png", "size": 8, "sha256": "ab", "updatedAt": 5});
        let text = json!({"files": [entry], "filesCount": 1, "totalBytes": 8,
            "updatedAt": 5, "uploadedBy": "host"})
        .to_string();
        let m = Manifest::from_json(&text).unwrap();
        assert_eq!((m.files[0].size, m.files[0].updated_at), (8, 5));
        assert_eq!(serde_json::to_value(&m).unwrap()["files"][0], entry);
        assert_eq!(Manifest::from_json("{}"), Ok(Manifest::default()));
        let minimal = Manifest::from_json(r#"{"files":[{"identity":"k","size":1}]}"#).unwrap();
        assert_eq!(minimal.files[0].name, "");
        for bad in [
            r#"{"files":[{"size":1}]}"#,
            r#"{"files":[{"identity":"k"}]}"#,
            r#"{"files":[{"identity":"k","size":1,"name":null}]}"#,
            r#"{"files":{}}"#,
            r#"{"files":[["k","n","png","image/png",1,"",0]]}"#,
            r#"{"files":null}"#,
            r#"{"uploadedBy":3}"#,
            "[]",
        ] {
            assert_eq!(Manifest::from_json(bad), Err(Malformed), "{bad}");
        }
    }

    #[test]
    fn pack_replies_keep_the_raw_pack() {
        let reply = result(r#"{"pack":{"b":1,  "a":2},"hash":"H","size":3}"#);
        let r = pack(&reply).unwrap();
        assert_eq!(
            (r.pack.get(), r.hash.as_str(), r.updated_at, r.size),
            (r#"{"b":1,  "a":2}"#, "H", 0, 3)
        );
        assert!(pack(&result(r#"{"hash":"H"}"#))
            .unwrap_err()
            .is(Code::RequestFailed));
        assert!(pack(&result(r#"[{"b":1},"H"]"#))
            .unwrap_err()
            .is(Code::RequestFailed));
    }
}
