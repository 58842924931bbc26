//! How the client reads the `result` of each reply into the value its command
//! expects (see [`crate::protocol::fields`]), and the [`Manifest`] it reads into.
//! A result that is not what the command expects is `request-failed`.

use crate::error::{Code, SyncError};
use crate::json::take;
use crate::protocol::fields::{self, count, opt_string, string, uint, Fields, Malformed, Read};
use crate::protocol::RawJson;
use crate::protocol::RoomSnapshot;
use crate::validate::media::ManifestEntry;
use serde::Serialize;
use serde_json::{Map, Value};

/// The media manifest of a session ([`Manifest::from_json`] reads it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Files in upload order.
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
    match fields::value(raw.get()) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Code::RequestFailed.into()),
    }
}

/// The `file` of a `getSessionMediaFile` result; `None` when absent or `null`.
pub(super) fn file(raw: &RawJson) -> Result<Option<Value>, SyncError> {
    Ok(take(&mut object(raw)?, "file").filter(|f| !f.is_null()))
}

/// A media manifest.
pub(super) fn manifest(raw: &RawJson) -> Result<Manifest, SyncError> {
    Manifest::from_json(raw.get()).map_err(failed)
}

/// A `getSessionPack` result, its `pack` kept as the raw text the relay sent.
#[derive(Debug)]
pub(super) struct PackReply<'a> {
    /// The pack JSON, byte for byte, so that its hash can be checked.
    pub pack: &'a str,
    /// The hash the relay announced.
    pub hash: String,
    /// Publish time, relay ms.
    pub updated_at: u64,
    /// The size the relay announced.
    pub size: u64,
}

/// Reads a `getSessionPack` result; `pack` is required, the rest default.
pub(super) fn pack(raw: &RawJson) -> Result<PackReply<'_>, SyncError> {
    let read = || -> Read<PackReply<'_>> {
        let f = Fields::parse(raw.get())?;
        Ok(PackReply {
            pack: f.member("pack").ok_or(Malformed)?,
            hash: f.get("hash", string)?,
            updated_at: f.get("updatedAt", uint)?,
            size: f.get("size", uint)?,
        })
    };
    read().map_err(failed)
}

impl Manifest {
    /// Reads a media manifest from its JSON text; absent fields take their defaults,
    /// but each file needs its `identity` and `size`.
    ///
    /// # Errors
    /// [`Malformed`] for anything but an object, or a field of the wrong type.
    pub fn from_json(text: &str) -> Read<Manifest> {
        let Value::Object(mut m) = fields::value(text)? else {
            return Err(Malformed);
        };
        let files = match take(&mut m, "files") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.into_iter().map(entry).collect::<Read<_>>()?,
            Some(_) => return Err(Malformed),
        };
        Ok(Manifest {
            files,
            files_count: uint(take(&mut m, "filesCount"))?,
            total_bytes: uint(take(&mut m, "totalBytes"))?,
            updated_at: uint(take(&mut m, "updatedAt"))?,
            uploaded_by: opt_string(take(&mut m, "uploadedBy"))?,
        })
    }
}

/// One file of a manifest.
fn entry(v: Value) -> Read<ManifestEntry> {
    let Value::Object(mut m) = v else {
        return Err(Malformed);
    };
    let required = |v: Option<Value>| v.ok_or(Malformed).map(Some);
    Ok(ManifestEntry {
        identity: string(required(take(&mut m, "identity"))?)?,
        name: string(take(&mut m, "name"))?,
        ext: string(take(&mut m, "ext"))?,
        mime: string(take(&mut m, "mime"))?,
        size: count(required(take(&mut m, "size"))?)?,
        sha256: string(take(&mut m, "sha256"))?,
        updated_at: uint(take(&mut m, "updatedAt"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{response_ok, ServerFrame};
    use serde_json::json;

    /// A reply's `result` as the client gets it.
    fn result(text: &str) -> RawJson {
        match ServerFrame::parse(&response_ok("1", text)) {
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
            (r.pack, r.hash.as_str(), r.updated_at, r.size),
            (r#"{"b":1,  "a":2}"#, "H", 0, 3)
        );
        assert!(pack(&result(r#"{"hash":"H"}"#))
            .unwrap_err()
            .is(Code::RequestFailed));
    }
}
