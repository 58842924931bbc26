//! The participant's verification of a downloaded media file.

use serde_json::Value;
use std::borrow::Cow;

use super::rules::*;
use super::{check_magic, MediaFile, MediaLimits};
use crate::error::Code;
use crate::validate::digest::{is_sha256_hex, sha256_hex};
use crate::validate::js::{js_lower_case, js_trim};
use crate::validate::text::media_key;

/// The participant's check of the `file` of a `getSessionMediaFile` reply
/// (`{identity,name,ext,mime,size,sha256,dataBase64,updatedAt}`).
///
/// The file must carry `expected_identity`, pass the upload's type, MIME and magic
/// checks, decode to exactly `size` bytes within the limits, and hash to every
/// remote SHA-256 that is 64 hex characters (the file's own `sha256` and
/// `expected_sha256`, from the manifest); a remote value that is not 64 hex is not
/// compared, as in the deployed client.
///
/// # Errors
/// `invalid-session-media` for a non-object, another identity, a bad size, bad
/// base64, a length mismatch or a hash mismatch; `session-media-too-large` over a
/// limit; `session-media-unsupported-type` for a type not allowed or bytes that do
/// not match it.
pub fn verify_download(
    file: Option<&Value>,
    expected_identity: &str,
    expected_sha256: Option<&str>,
    limits: &MediaLimits,
) -> Result<MediaFile, Code> {
    let obj = file
        .and_then(Value::as_object)
        .ok_or(Code::InvalidSessionMedia)?;
    let identity = media_key(obj.get("identity"))
        .filter(|id| id == js_trim(expected_identity))
        .ok_or(Code::InvalidSessionMedia)?;
    let ext = whitelisted_ext(obj.get("ext"))?;
    let mime = accepted_mime(&ext, obj.get("mime"))?;
    let name = media_name(obj.get("name"));
    let size = declared_size(obj.get("size"), usize::MAX)?;
    check_actual_size(size, limits)?;
    let bytes = decode_base64(obj.get("dataBase64"), size)?;
    if !check_magic(&ext, &bytes) {
        return Err(Code::SessionMediaUnsupportedType);
    }
    let sha256 = sha256_hex(&bytes);
    let remote = [
        js_text_or_empty(obj.get("sha256")),
        Some(Cow::Borrowed(expected_sha256.unwrap_or(""))),
    ];
    for r in remote.iter().flatten() {
        let r = js_lower_case(js_trim(r));
        if is_sha256_hex(&r) && r != sha256 {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;
    use crate::error::Code;
    use serde_json::{json, Value};

    fn reply(bytes: &[u8]) -> Value {
        json!({
            "identity": "k:abc", "name": "pose", "ext": "png", "mime": "image/png",
            "size": bytes.len(), "sha256": sha256_hex(bytes),
            "dataBase64": to_base64(bytes), "updatedAt": 1_700_000_000_000_u64,
        })
    }

    #[test]
    fn downloads_are_verified() {
        let l = MediaLimits::default();
        let dl = |f: &Value, sha: Option<&str>| verify_download(Some(f), "k:abc", sha, &l);
        let good = sha256_hex(PNG);
        let f = dl(&reply(PNG), Some(&good)).unwrap();
        assert_eq!(
            (f.identity(), f.size(), f.sha256()),
            ("k:abc", 8, good.as_str())
        );
        assert!(dl(&reply(PNG), Some(&good.to_uppercase())).is_ok());
        // Remote hashes that are not 64 hex are not compared.
        assert!(dl(&with(reply(PNG), "sha256", json!("")), Some("n/a")).is_ok());
        assert!(dl(&without(reply(PNG), "sha256"), None).is_ok());
        let wrong = sha256_hex(b"x");
        assert_eq!(
            dl(&reply(PNG), Some(&wrong)).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            dl(&with(reply(PNG), "sha256", json!(wrong)), None).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            verify_download(Some(&reply(PNG)), "k:other", None, &l).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            verify_download(None, "k:abc", None, &l).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            dl(&json!("file"), None).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            dl(&with(reply(PNG), "size", json!(9)), None).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            dl(&with(reply(PNG), "size", json!(0)), None).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            dl(&with(reply(PNG), "dataBase64", json!("!!")), None).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            dl(&with(reply(PNG), "ext", json!("exe")), None).unwrap_err(),
            Code::SessionMediaUnsupportedType
        );
        assert_eq!(
            dl(&with(reply(PNG), "ext", json!("jpg")), None).unwrap_err(),
            Code::SessionMediaUnsupportedType
        );
        let small = MediaLimits {
            max_file_bytes: 7,
            max_total_bytes: 1 << 20,
        };
        assert_eq!(
            verify_download(Some(&reply(PNG)), "k:abc", None, &small).unwrap_err(),
            Code::SessionMediaTooLarge
        );
        let huge = with(reply(PNG), "size", json!(1u64 << 40));
        assert_eq!(dl(&huge, None).unwrap_err(), Code::SessionMediaTooLarge);
    }
}
