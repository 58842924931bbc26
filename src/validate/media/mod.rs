//! Session media files: the relay's upload checks, the host's publish path and
//! the participant's download verification, so all three agree on one rule set.
//!
//! A [`MediaFile`] can only be built by the validators below, so one that exists
//! has passed every check: known identity, whitelisted type with matching magic
//! bytes, size inside the limits, and a SHA-256 computed from its bytes.
//!
//! ```
//! use online_sync::validate::media::{to_base64, validate_upload, MediaLimits};
//! use serde_json::json;
//!
//! let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
//! let file = json!({
//!     "identity": "k:abc", "name": "pose.png", "ext": "PNG", "mime": "",
//!     "size": 8, "dataBase64": to_base64(&png),
//! });
//! let media = validate_upload(Some(&file), &MediaLimits::default()).unwrap();
//! assert_eq!((media.ext(), media.mime(), media.size()), ("png", "image/png", 8));
//! ```
//!
//! # Where the deployed relay was silent or lenient
//! - **Base64** (the `base64` crate). Node's `Buffer.from(s, "base64")` stops at the
//!   first `=`, drops a lone trailing character and ignores non-zero trailing bits.
//!   We accept exactly what valid encoders emit: the standard alphabet, padded
//!   (`QQ==`) or unpadded (`QQ`). We reject `=` before the end, more than two `=`,
//!   padding that does not complete a 4-character group (`QQ=`), a dangling character
//!   (length ≡ 1 mod 4) and non-zero trailing bits (`QR==`). Everything we accept
//!   decodes to the same bytes as in Node. The expected length is checked against
//!   `size` before anything is decoded, so an oversized payload costs only one scan.
//! - **`size`.** `Number(size)` as in JS, so `"12"` is accepted like `12`, but it must
//!   be an integer (`Number.isInteger`): `12.5` is rejected, where the deployed relay
//!   would floor it. No deployed client sends a fractional size.
//! - **`identity`** must be a JSON string (numbers are not coerced, as in the pack's
//!   `mediaRefs`). **`mime`** is trimmed and lowercased; `null`, `false`, `0` and `""`
//!   mean "none" (JS `String(x || "")`); arrays and objects are unsupported types.
//! - **Host and participant paths** report a file over a limit as
//!   `session-media-too-large` whatever its size, and an empty file as
//!   `invalid-session-media`.

//!
//! One concern a file: [`upload`] (the relay's checks and the host's publish path),
//! [`download`] (the participant's verification), [`identity`] (the clients' media
//! identity), and the field rules all three share (`rules`).

mod chunked;
mod download;
#[cfg(test)]
mod fixtures;
mod identity;
mod rules;
mod upload;

pub use chunked::{announced_entry, validate_announce, Announced};
pub use download::verify_download;
pub use identity::media_identity;
pub use upload::{from_local, validate_upload};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest media name kept, in UTF-16 units.
pub const MAX_NAME: usize = 160;

/// Name given to a media file that has none.
pub const DEFAULT_NAME: &str = "unknown";

/// Size limits for media files, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    /// Largest single file (`MAX_SESSION_MEDIA_FILE_BYTES`, default 2 MiB).
    pub max_file_bytes: usize,
    /// Largest total for a session (`MAX_SESSION_MEDIA_TOTAL_BYTES`, default 256 MiB).
    pub max_total_bytes: usize,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits {
            max_file_bytes: 2 * 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
        }
    }
}

/// A media file that has passed every check; only the validators of this module build one.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    identity: String,
    name: String,
    ext: String,
    mime: &'static str,
    sha256: String,
    bytes: Vec<u8>,
}

impl MediaFile {
    /// The media identity, e.g. `k:niq6ok17eb4js`.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The sanitized file name (at most 160 UTF-16 units, `unknown` when none).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The normalized, whitelisted extension, e.g. `jpg`.
    pub fn ext(&self) -> &str {
        &self.ext
    }

    /// The canonical MIME type of the extension, e.g. `image/jpeg`.
    pub fn mime(&self) -> &'static str {
        self.mime
    }

    /// The SHA-256 of the bytes, 64 lowercase hex characters.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The file's content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The file's content, taken out of the file.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The size in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// The file's manifest line, stamped with `updated_at` (ms).
    pub fn manifest_entry(&self, updated_at: u64) -> ManifestEntry {
        ManifestEntry {
            identity: self.identity.clone(),
            name: self.name.clone(),
            ext: self.ext.clone(),
            mime: self.mime.to_string(),
            size: self.size(),
            sha256: self.sha256.clone(),
            updated_at,
        }
    }
}

impl fmt::Debug for MediaFile {
    /// Everything but the bytes, which are summarized by their count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaFile")
            .field("identity", &self.identity)
            .field("name", &self.name)
            .field("ext", &self.ext)
            .field("mime", &self.mime)
            .field("size", &self.size())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// One file of a `getSessionMediaManifest` reply, as the relay sends it.
///
/// Plain data, not verified: the file itself is checked by [`verify_download`].
/// `identity` and `size` are required when read; the other fields default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// The media identity.
    pub identity: String,
    /// The file name.
    #[serde(default)]
    pub name: String,
    /// The extension.
    #[serde(default)]
    pub ext: String,
    /// The MIME type.
    #[serde(default)]
    pub mime: String,
    /// The size in bytes.
    pub size: usize,
    /// The SHA-256 the relay computed, 64 lowercase hex characters.
    #[serde(default)]
    pub sha256: String,
    /// When the relay stored the file, in ms.
    #[serde(default)]
    pub updated_at: u64,
}

/// The canonical MIME type of a whitelisted extension (`jpg`, `jpeg`, `png`, `webp`,
/// `mp4`, `webm`, already normalized); `None` for any other.
pub fn canonical_mime(ext: &str) -> Option<&'static str> {
    match ext {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "webp" => Some("image/webp"),
        "mp4" => Some("video/mp4"),
        "webm" => Some("video/webm"),
        _ => None,
    }
}

/// Whether `bytes` start with the signature of `ext`; false for an unknown extension.
///
/// jpg/jpeg `FF D8 FF`; png `89 50 4E 47` and at least 8 bytes; webp `RIFF` at 0-3
/// and `WEBP` at 8-11; mp4 `ftyp` at 4-7 and at least 12 bytes; webm `1A 45 DF A3`.
pub fn check_magic(ext: &str, bytes: &[u8]) -> bool {
    match ext {
        "jpg" | "jpeg" => bytes.starts_with(&[0xff, 0xd8, 0xff]),
        "png" => bytes.len() >= 8 && bytes.starts_with(&[0x89, 0x50, 0x4e, 0x47]),
        "webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "mp4" => bytes.len() >= 12 && &bytes[4..8] == b"ftyp",
        "webm" => bytes.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]),
        _ => false,
    }
}

/// Standard base64 with padding, as `Buffer.toString("base64")` writes it.
pub fn to_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::validate::digest::sha256_hex;
    use serde_json::json;

    #[test]
    fn manifest_entries_go_on_the_wire() {
        let file = from_local(
            "k:abc",
            "pose",
            "png",
            "",
            PNG.to_vec(),
            &MediaLimits::default(),
        );
        let e = file.unwrap().manifest_entry(5);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"identity": "k:abc", "name": "pose", "ext": "png", "mime": "image/png",
                "size": 8, "sha256": sha256_hex(PNG), "updatedAt": 5})
        );
    }

    #[test]
    fn defaults_and_whitelist() {
        let l = MediaLimits::default();
        assert_eq!(
            (l.max_file_bytes, l.max_total_bytes),
            (2_097_152, 268_435_456)
        );
        assert_eq!(canonical_mime("jpeg"), Some("image/jpeg"));
        assert_eq!(canonical_mime("JPG"), None);
        assert_eq!(canonical_mime("gif"), None);
        assert_eq!(to_base64(b"ab"), "YWI=");
    }
}
