//! The relay's checks of an uploaded media file, and the host's publish path on a
//! local file: the same rules, in the order of PROTOCOL.md ("Session media").

use serde_json::Value;

use super::rules::*;
use super::{check_magic, MediaFile, MediaLimits, DEFAULT_NAME, MAX_NAME};
use crate::error::Code;
use crate::validate::digest::sha256_hex;
use crate::validate::js::js_trim;
use crate::validate::text::{is_media_key, media_key, sanitize_text};

/// The relay's validation of an `uploadSessionMediaFile` `file`, steps 1-9 of
/// `PROTOCOL.md` in order; the session totals (step 10) are the store's job.
///
/// # Errors
/// The code of the first failing step:
/// 1. not an object: `invalid-session-media`;
/// 2. identity not `^[A-Za-z0-9:_-]{1,128}$` after trim: `invalid-session-media`;
/// 3. extension not whitelisted: `session-media-unsupported-type`;
/// 4. MIME neither empty nor the extension's: `session-media-unsupported-type`;
/// 5. (the name is sanitized and never fails);
/// 6. size not an integer in 1..=max total: `invalid-session-media`; over the file
///    limit: `session-media-too-large`;
/// 7. base64 malformed or not decoding to `size` bytes: `invalid-session-media`;
/// 8. magic bytes do not match the extension: `session-media-unsupported-type`;
/// 9. `sha256` given but not the hash of the bytes: `invalid-session-media`.
pub fn validate_upload(file: Option<&Value>, limits: &MediaLimits) -> Result<MediaFile, Code> {
    let obj = file
        .and_then(Value::as_object)
        .ok_or(Code::InvalidSessionMedia)?;
    let identity = media_key(obj.get("identity")).ok_or(Code::InvalidSessionMedia)?;
    let ext = whitelisted_ext(obj.get("ext"))?;
    let mime = accepted_mime(&ext, obj.get("mime"))?;
    let name = media_name(obj.get("name"));
    let size = declared_size(obj.get("size"), limits.max_total_bytes)?;
    if size > limits.max_file_bytes {
        return Err(Code::SessionMediaTooLarge);
    }
    let bytes = decode_base64(obj.get("dataBase64"), size)?;
    if !check_magic(&ext, &bytes) {
        return Err(Code::SessionMediaUnsupportedType);
    }
    let sha256 = sha256_hex(&bytes);
    if let Some(declared) = declared_sha256(obj.get("sha256"))? {
        if declared != sha256 {
            return Err(Code::InvalidSessionMedia);
        }
    }
    Ok(MediaFile {
        identity,
        name,
        ext,
        mime,
        sha256,
        bytes,
    })
}

/// The host's publish path: the same rules as [`validate_upload`] on a local file,
/// its size and SHA-256 taken from `bytes`.
///
/// # Errors
/// In the upload's order: bad identity, `invalid-session-media`; extension or MIME
/// not allowed, `session-media-unsupported-type`; empty file, `invalid-session-media`;
/// over either limit, `session-media-too-large`; wrong magic bytes,
/// `session-media-unsupported-type`.
pub fn from_local(
    identity: &str,
    name: &str,
    ext: &str,
    mime: &str,
    bytes: Vec<u8>,
    limits: &MediaLimits,
) -> Result<MediaFile, Code> {
    let identity = js_trim(identity);
    if !is_media_key(identity) {
        return Err(Code::InvalidSessionMedia);
    }
    let ext = whitelisted_ext(Some(&Value::from(ext)))?;
    let mime = mime_for(&ext, mime)?;
    let name = sanitize_text(name, MAX_NAME);
    check_actual_size(bytes.len(), limits)?;
    if !check_magic(&ext, &bytes) {
        return Err(Code::SessionMediaUnsupportedType);
    }
    Ok(MediaFile {
        identity: identity.to_string(),
        name: if name.is_empty() {
            DEFAULT_NAME.to_string()
        } else {
            name
        },
        ext,
        mime,
        sha256: sha256_hex(&bytes),
        bytes,
    })
}

#[cfg(test)]
#[path = "upload_tests.rs"]
mod tests;
