//! Files that move in chunks (our `media-chunks` extension): the announcement a host
//! sends before the bytes, and the check of the assembled bytes on either side.
//!
//! The same field rules as the whole-file path (identity, whitelist, MIME, name,
//! size), but `sha256` is required: it names the upload and is checked against the
//! assembled bytes, with the magic bytes, before a [`MediaFile`] exists.

use serde_json::Value;

use super::rules::*;
use super::{check_magic, ManifestEntry, MediaFile, MediaLimits};
use crate::error::Code;
use crate::validate::digest::{is_sha256_hex, sha256_hex};
use crate::validate::js::{js_lower_case, js_trim};
use crate::validate::text::media_key;

/// A file announced for a chunked upload (or read from a manifest), its fields
/// checked; its bytes are not there yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    identity: String,
    name: String,
    ext: String,
    mime: &'static str,
    size: usize,
    sha256: String,
}

impl Announced {
    /// The media identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The cleaned name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whitelisted extension.
    pub fn ext(&self) -> &str {
        &self.ext
    }

    /// The canonical MIME type.
    pub fn mime(&self) -> &'static str {
        self.mime
    }

    /// The declared size, bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The declared SHA-256, 64 lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The same file under another identity and name (a dedupe: the bytes are held).
    pub fn renamed_file(&self, held: &MediaFile) -> MediaFile {
        MediaFile {
            identity: self.identity.clone(),
            name: self.name.clone(),
            ext: self.ext.clone(),
            mime: self.mime,
            sha256: held.sha256.clone(),
            bytes: held.bytes.clone(),
        }
    }

    /// The file once all its bytes are there.
    ///
    /// # Errors
    /// `invalid-session-media` when `bytes` is not `size` long or does not hash to
    /// `sha256`; `session-media-unsupported-type` when it does not start with the
    /// type's signature.
    pub fn into_file(self, bytes: Vec<u8>) -> Result<MediaFile, Code> {
        if bytes.len() != self.size {
            return Err(Code::InvalidSessionMedia);
        }
        if !check_magic(&self.ext, &bytes) {
            return Err(Code::SessionMediaUnsupportedType);
        }
        if sha256_hex(&bytes) != self.sha256 {
            return Err(Code::InvalidSessionMedia);
        }
        Ok(MediaFile {
            identity: self.identity,
            name: self.name,
            ext: self.ext,
            mime: self.mime,
            sha256: self.sha256,
            bytes,
        })
    }

    /// Whether the first chunk can start this file (its signature; a chunk too short
    /// to tell passes, the whole file is checked at the end).
    pub fn first_chunk_fits(&self, chunk: &[u8]) -> bool {
        chunk.len() < 12.min(self.size) || check_magic(&self.ext, chunk)
    }
}

/// The `file` of a `beginSessionMediaUpload`: `{identity, name, ext, mime, size, sha256}`.
///
/// # Errors
/// As the whole-file upload, in its order (`invalid-session-media`,
/// `session-media-unsupported-type`, `session-media-too-large` over `limits`), and
/// `invalid-session-media` for a `sha256` that is not 64 hex characters.
pub fn validate_announce(file: Option<&Value>, limits: &MediaLimits) -> Result<Announced, Code> {
    let obj = file
        .and_then(Value::as_object)
        .ok_or(Code::InvalidSessionMedia)?;
    let identity = media_key(obj.get("identity")).ok_or(Code::InvalidSessionMedia)?;
    let ext = whitelisted_ext(obj.get("ext"))?;
    let mime = accepted_mime(&ext, obj.get("mime"))?;
    let name = media_name(obj.get("name"));
    let size = declared_size(obj.get("size"), limits.max_total_bytes)?;
    check_actual_size(size, limits)?;
    let sha256 = declared_sha256(obj.get("sha256"))?.ok_or(Code::InvalidSessionMedia)?;
    Ok(Announced {
        identity,
        name,
        ext,
        mime,
        size,
        sha256,
    })
}

/// A participant's view of a manifest entry it will fetch in chunks.
///
/// # Errors
/// As [`validate_announce`] (the entry's `sha256` must be 64 hex).
pub fn announced_entry(entry: &ManifestEntry, limits: &MediaLimits) -> Result<Announced, Code> {
    let identity =
        media_key(Some(&Value::from(entry.identity.as_str()))).ok_or(Code::InvalidSessionMedia)?;
    let ext = whitelisted_ext(Some(&Value::from(entry.ext.as_str())))?;
    let mime = mime_for(&ext, &entry.mime)?;
    check_actual_size(entry.size, limits)?;
    let sha256 = js_lower_case(js_trim(&entry.sha256));
    if !is_sha256_hex(&sha256) {
        return Err(Code::InvalidSessionMedia);
    }
    Ok(Announced {
        identity,
        name: media_name(Some(&Value::from(entry.name.as_str()))),
        ext,
        mime,
        size: entry.size,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use serde_json::json;

    fn announce(bytes: &[u8]) -> Value {
        json!({"identity": "k:a", "name": "p", "ext": "png", "mime": "", "size": bytes.len(),
            "sha256": sha256_hex(bytes)})
    }

    #[test]
    fn announcements_are_checked_then_bytes_against_them() {
        let l = MediaLimits::default();
        let a = validate_announce(Some(&announce(PNG)), &l).unwrap();
        assert_eq!((a.identity(), a.size()), ("k:a", PNG.len()));
        assert!(a.first_chunk_fits(PNG));
        let f = a.clone().into_file(PNG.to_vec()).unwrap();
        assert_eq!(f.sha256(), sha256_hex(PNG));
        let mut bad = PNG.to_vec();
        bad[7] ^= 1;
        assert_eq!(a.clone().into_file(bad), Err(Code::InvalidSessionMedia));
        assert_eq!(
            a.clone().into_file(PNG[..7].to_vec()),
            Err(Code::InvalidSessionMedia)
        );
        let mut no_sha = announce(PNG);
        no_sha["sha256"] = json!("");
        assert_eq!(
            validate_announce(Some(&no_sha), &l),
            Err(Code::InvalidSessionMedia)
        );
        let small = MediaLimits {
            max_file_bytes: PNG.len() - 1,
            max_total_bytes: 1 << 20,
        };
        assert_eq!(
            validate_announce(Some(&announce(PNG)), &small),
            Err(Code::SessionMediaTooLarge)
        );
        let edge = MediaLimits {
            max_file_bytes: PNG.len(),
            max_total_bytes: 1 << 20,
        };
        assert!(validate_announce(Some(&announce(PNG)), &edge).is_ok());
        let entry = f.manifest_entry(1);
        assert_eq!(announced_entry(&entry, &l).unwrap(), a);
    }
}
