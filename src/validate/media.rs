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

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::digest::{is_sha256_hex, sha256_hex};
use super::js::{is_js_whitespace, js_lower_case, js_number, js_string, js_trim};
use super::text::{is_media_key, media_key, normalize_ext, sanitize_text, sanitize_value};
use crate::error::Code;

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

/// The deployed clients' media identity of a file without one:
/// `"k:" + base36(h1) + base36(h2)` over the UTF-16 units of
/// `"<lowercased name>|<ext>"`, `h1` FNV-1a 32-bit and `h2` djb2 (5381, `h*33+c`),
/// both mod 2^32.
///
/// `None` when `name` or `ext` is empty: the caller then uses `"id:<id>"`.
pub fn media_identity(name: &str, ext: &str) -> Option<String> {
    if name.is_empty() || ext.is_empty() {
        return None;
    }
    let key = format!("{}|{}", name.to_lowercase(), ext);
    let (mut h1, mut h2) = (2_166_136_261_u32, 5381_u32);
    for c in key.encode_utf16() {
        h1 = (h1 ^ u32::from(c)).wrapping_mul(16_777_619);
        h2 = h2.wrapping_mul(33).wrapping_add(u32::from(c));
    }
    Some(format!("k:{}{}", base36(h1), base36(h2)))
}

/// `n.toString(36)` in JavaScript, for an unsigned 32-bit `n`.
fn base36(mut n: u32) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(7);
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Whether JavaScript would find `v` falsy (`undefined`, `null`, `false`, `0`, `""`).
fn is_falsy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => !b,
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// JS `String(v || "")` for scalars, borrowing strings; `None` for arrays and objects.
fn js_text_or_empty(v: Option<&Value>) -> Option<Cow<'_, str>> {
    if is_falsy(v) {
        return Some(Cow::Borrowed(""));
    }
    match v {
        Some(Value::String(s)) => Some(Cow::Borrowed(s)),
        other => js_string(other).map(Cow::Owned),
    }
}

/// Step 3: the normalized extension, if whitelisted.
fn whitelisted_ext(v: Option<&Value>) -> Result<String, Code> {
    let ext = normalize_ext(v);
    match canonical_mime(&ext) {
        Some(_) => Ok(ext),
        None => Err(Code::SessionMediaUnsupportedType),
    }
}

/// Step 4 on a payload value.
fn accepted_mime(ext: &str, v: Option<&Value>) -> Result<&'static str, Code> {
    let raw = js_text_or_empty(v).ok_or(Code::SessionMediaUnsupportedType)?;
    mime_for(ext, &raw)
}

/// Step 4: empty means canonical; otherwise the canonical type, or `image/jpg` for jpg/jpeg.
fn mime_for(ext: &str, raw: &str) -> Result<&'static str, Code> {
    let canonical = canonical_mime(ext).ok_or(Code::SessionMediaUnsupportedType)?;
    let mime = js_lower_case(js_trim(raw));
    let jpeg_alias = matches!(ext, "jpg" | "jpeg") && mime == "image/jpg";
    if mime.is_empty() || mime == canonical || jpeg_alias {
        Ok(canonical)
    } else {
        Err(Code::SessionMediaUnsupportedType)
    }
}

/// Step 5: sanitized, 160 units, `unknown` when empty.
fn media_name(v: Option<&Value>) -> String {
    let v = if is_falsy(v) { None } else { v };
    sanitize_value(v, MAX_NAME, DEFAULT_NAME)
}

/// Step 6: `Number(size)` must be an integer in `1..=max`.
fn declared_size(v: Option<&Value>, max: usize) -> Result<usize, Code> {
    let n = js_number(v);
    if n.is_finite() && n.fract() == 0.0 && n >= 1.0 && n <= max as f64 {
        Ok(n as usize)
    } else {
        Err(Code::InvalidSessionMedia)
    }
}

/// A real byte count: empty is invalid, over either limit is too large.
fn check_actual_size(size: usize, limits: &MediaLimits) -> Result<(), Code> {
    if size == 0 {
        Err(Code::InvalidSessionMedia)
    } else if size > limits.max_file_bytes || size > limits.max_total_bytes {
        Err(Code::SessionMediaTooLarge)
    } else {
        Ok(())
    }
}

/// Step 9: the declared hash, trimmed and lowercased; `None` when absent.
fn declared_sha256(v: Option<&Value>) -> Result<Option<String>, Code> {
    let raw = js_text_or_empty(v).ok_or(Code::InvalidSessionMedia)?;
    let s = js_lower_case(js_trim(&raw));
    if s.is_empty() {
        Ok(None)
    } else if is_sha256_hex(&s) {
        Ok(Some(s))
    } else {
        Err(Code::InvalidSessionMedia)
    }
}

/// Step 7: whitespace removed, `^[A-Za-z0-9+/=]+$`, canonical padding or none, and
/// exactly `size` bytes once decoded. The length is checked before decoding.
///
/// The `base64` crate decodes: [`STANDARD`] (canonical padding required) when the text
/// ends in `=`, [`STANDARD_NO_PAD`] otherwise; both refuse `=` inside, a dangling
/// character and non-zero trailing bits, and neither accepts the URL-safe alphabet.
fn decode_base64(v: Option<&Value>, size: usize) -> Result<Vec<u8>, Code> {
    let raw = js_text_or_empty(v).ok_or(Code::InvalidSessionMedia)?;
    // The longest text that can decode to `size` bytes: the padded form.
    let max_chars = size.div_ceil(3).saturating_mul(4);
    let mut text = String::with_capacity(raw.len().min(max_chars));
    for c in raw.chars().filter(|c| !is_js_whitespace(*c)) {
        if !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')) || text.len() == max_chars {
            return Err(Code::InvalidSessionMedia);
        }
        text.push(c);
    }
    let engine = if text.ends_with('=') {
        &STANDARD
    } else {
        &STANDARD_NO_PAD
    };
    engine
        .decode(&text)
        .ok()
        .filter(|bytes| bytes.len() == size)
        .ok_or(Code::InvalidSessionMedia)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JPG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'];
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    const WEBP: &[u8] = b"RIFF\x04\x00\x00\x00WEBPVP8 ";
    const MP4: &[u8] = b"\x00\x00\x00\x18ftypisom";
    const WEBM: &[u8] = &[0x1a, 0x45, 0xdf, 0xa3, 0x9f];

    fn upload(bytes: &[u8], ext: &str) -> Value {
        json!({
            "identity": "k:abc",
            "name": "Pose 01",
            "ext": ext,
            "mime": "",
            "size": bytes.len(),
            "dataBase64": to_base64(bytes),
        })
    }

    fn with(mut file: Value, key: &str, value: Value) -> Value {
        file[key] = value;
        file
    }

    fn without(mut file: Value, key: &str) -> Value {
        file.as_object_mut().unwrap().remove(key);
        file
    }

    fn check(file: &Value) -> Result<MediaFile, Code> {
        validate_upload(Some(file), &MediaLimits::default())
    }

    fn err(file: &Value) -> Code {
        check(file).unwrap_err()
    }

    /// A valid png of exactly `n` bytes (n >= 8).
    fn png_of(n: usize) -> Vec<u8> {
        let mut v = PNG.to_vec();
        v.resize(n, 7);
        v
    }

    #[test]
    fn a_valid_upload_yields_a_verified_file() {
        let f = check(&upload(JPG, ".JPG")).unwrap();
        assert_eq!(f.identity(), "k:abc");
        assert_eq!(f.name(), "Pose 01");
        assert_eq!(f.ext(), "jpg");
        assert_eq!(f.mime(), "image/jpeg");
        assert_eq!(f.size(), JPG.len());
        assert_eq!(f.sha256(), sha256_hex(JPG));
        assert_eq!(f.bytes(), JPG);
        assert!(format!("{f:?}").contains("size: 10"));
        assert_eq!(f.clone().into_bytes(), JPG);
        let e = f.manifest_entry(42);
        assert_eq!(
            (e.size, e.updated_at, e.mime.as_str()),
            (10, 42, "image/jpeg")
        );
    }

    #[test]
    fn step_1_file_must_be_an_object() {
        assert_eq!(
            validate_upload(None, &MediaLimits::default()).unwrap_err(),
            Code::InvalidSessionMedia
        );
        for v in [
            json!(null),
            json!("x"),
            json!(12),
            json!([upload(PNG, "png")]),
        ] {
            assert_eq!(err(&v), Code::InvalidSessionMedia, "{v}");
        }
    }

    #[test]
    fn step_2_identity() {
        let base = upload(PNG, "png");
        assert_eq!(
            check(&with(base.clone(), "identity", json!(" id:3 ")))
                .unwrap()
                .identity(),
            "id:3"
        );
        assert!(check(&with(base.clone(), "identity", json!("a".repeat(128)))).is_ok());
        for bad in [
            json!("a".repeat(129)),
            json!(""),
            json!("a/b"),
            json!("é"),
            json!(12),
            json!(null),
        ] {
            assert_eq!(
                err(&with(base.clone(), "identity", bad.clone())),
                Code::InvalidSessionMedia,
                "{bad}"
            );
        }
        assert_eq!(err(&without(base, "identity")), Code::InvalidSessionMedia);
    }

    #[test]
    fn step_3_extension_whitelist() {
        for (bytes, ext) in [
            (JPG, "jpg"),
            (JPG, "jpeg"),
            (PNG, "png"),
            (WEBP, "webp"),
            (MP4, "mp4"),
            (WEBM, "webm"),
        ] {
            assert_eq!(check(&upload(bytes, ext)).unwrap().ext(), ext);
        }
        assert_eq!(check(&upload(PNG, " .P-N_G ")).unwrap().ext(), "png");
        for bad in [
            json!("gif"),
            json!(""),
            json!(null),
            json!("pngx"),
            json!({"a": 1}),
        ] {
            assert_eq!(
                err(&with(upload(PNG, "png"), "ext", bad.clone())),
                Code::SessionMediaUnsupportedType,
                "{bad}"
            );
        }
    }

    #[test]
    fn step_4_mime() {
        let m =
            |ext: &str, bytes: &[u8], mime: Value| check(&with(upload(bytes, ext), "mime", mime));
        assert_eq!(
            m("jpg", JPG, json!("image/jpg")).unwrap().mime(),
            "image/jpeg"
        );
        assert_eq!(
            m("jpeg", JPG, json!("image/jpg")).unwrap().mime(),
            "image/jpeg"
        );
        assert_eq!(
            m("jpeg", JPG, json!(" IMAGE/JPEG ")).unwrap().mime(),
            "image/jpeg"
        );
        assert_eq!(m("png", PNG, json!("")).unwrap().mime(), "image/png");
        assert_eq!(m("png", PNG, json!(null)).unwrap().mime(), "image/png");
        assert_eq!(m("webp", WEBP, json!(false)).unwrap().mime(), "image/webp");
        assert_eq!(
            check(&without(upload(MP4, "mp4"), "mime")).unwrap().mime(),
            "video/mp4"
        );
        assert_eq!(
            m("webm", WEBM, json!("video/webm")).unwrap().mime(),
            "video/webm"
        );
        for (ext, bytes, bad) in [
            ("png", PNG, json!("image/jpeg")),
            ("png", PNG, json!("image/jpg")),
            ("mp4", MP4, json!("video/webm")),
            ("png", PNG, json!(["image/png"])),
            ("png", PNG, json!(1)),
        ] {
            assert_eq!(
                m(ext, bytes, bad.clone()).unwrap_err(),
                Code::SessionMediaUnsupportedType,
                "{bad}"
            );
        }
    }

    #[test]
    fn step_5_name_is_sanitized() {
        let n = |v: Value| {
            check(&with(upload(PNG, "png"), "name", v))
                .unwrap()
                .name()
                .to_string()
        };
        assert_eq!(n(json!("  a\u{0}b\tc ")), "abc");
        assert_eq!(n(json!("   ")), "unknown");
        assert_eq!(n(json!(null)), "unknown");
        assert_eq!(n(json!(0)), "unknown");
        assert_eq!(n(json!(12)), "12");
        assert_eq!(n(json!("x".repeat(200))), "x".repeat(160));
        assert_eq!(
            check(&without(upload(PNG, "png"), "name")).unwrap().name(),
            "unknown"
        );
    }

    #[test]
    fn step_6_size() {
        let base = upload(PNG, "png");
        assert!(
            check(&with(base.clone(), "size", json!("8"))).is_ok(),
            "Number(\"8\")"
        );
        assert!(check(&with(base.clone(), "size", json!(8.0))).is_ok());
        for bad in [
            json!(0),
            json!(-8),
            json!(8.5),
            json!("8px"),
            json!(null),
            json!({}),
            json!(1e300),
        ] {
            assert_eq!(
                err(&with(base.clone(), "size", bad.clone())),
                Code::InvalidSessionMedia,
                "{bad}"
            );
        }
        assert_eq!(
            err(&without(base.clone(), "size")),
            Code::InvalidSessionMedia
        );
        let limits = MediaLimits::default();
        let over_file = json!(limits.max_file_bytes + 1);
        assert_eq!(
            err(&with(base.clone(), "size", over_file)),
            Code::SessionMediaTooLarge
        );
        let total = json!(limits.max_total_bytes);
        assert_eq!(
            err(&with(base.clone(), "size", total)),
            Code::SessionMediaTooLarge
        );
        let over_total = json!(limits.max_total_bytes + 1);
        assert_eq!(
            err(&with(base, "size", over_total)),
            Code::InvalidSessionMedia
        );
    }

    #[test]
    fn sizes_at_the_bounds() {
        let limits = MediaLimits {
            max_file_bytes: 16,
            max_total_bytes: 64,
        };
        let v = |bytes: &[u8]| validate_upload(Some(&upload(bytes, "png")), &limits);
        assert_eq!(v(&png_of(16)).unwrap().size(), 16);
        assert_eq!(v(&png_of(17)).unwrap_err(), Code::SessionMediaTooLarge);
        // Size 1 and 0: the size step passes 1 (magic fails later) and rejects 0.
        assert_eq!(
            validate_upload(Some(&upload(&[0x1a], "webm")), &limits).unwrap_err(),
            Code::SessionMediaUnsupportedType
        );
        assert_eq!(
            validate_upload(Some(&upload(&[], "webm")), &limits).unwrap_err(),
            Code::InvalidSessionMedia
        );
        let full = validate_upload(
            Some(&upload(&png_of(2 * 1024 * 1024), "png")),
            &MediaLimits::default(),
        );
        assert_eq!(full.unwrap().size(), 2 * 1024 * 1024);
        let over = validate_upload(
            Some(&upload(&png_of(2 * 1024 * 1024 + 1), "png")),
            &MediaLimits::default(),
        );
        assert_eq!(over.unwrap_err(), Code::SessionMediaTooLarge);
    }

    #[test]
    fn step_7_base64() {
        let data = |s: Value| check(&with(upload(PNG, "png"), "dataBase64", s));
        let b64 = to_base64(PNG);
        assert_eq!(b64, "iVBORw0KGgo=");
        // Whitespace of every JS kind is removed.
        assert!(data(json!("iVBO Rw0K\n\tGgo=\r\n\u{a0}\u{2028}")).is_ok());
        // Unpadded is accepted, padded too.
        assert!(data(json!("iVBORw0KGgo")).is_ok());
        for bad in [
            "iVBORw0KGgo==",    // too much padding
            "iVBORw0KGg=o",     // '=' inside
            "iVBORw0KGgp=",     // non-zero trailing bits
            "iVBORw0KGgoA",     // decodes to 9 bytes
            "iVBORw0KGg==",     // 7 bytes
            "iVBORw0KGgo=iVBO", // Node would stop at '='
            "iVBORw0K_go=",     // URL-safe
            "iVBORw0K-go=",     // URL-safe
            "iVBORw0KGgo*",
            "",
            "   ",
            "====",
        ] {
            assert_eq!(
                data(json!(bad)).unwrap_err(),
                Code::InvalidSessionMedia,
                "{bad:?}"
            );
        }
        assert_eq!(data(json!(null)).unwrap_err(), Code::InvalidSessionMedia);
        assert_eq!(
            data(json!(["iVBORw0KGgo="])).unwrap_err(),
            Code::InvalidSessionMedia
        );
        assert_eq!(
            err(&without(upload(PNG, "png"), "dataBase64")),
            Code::InvalidSessionMedia
        );
        // Lengths: 1, 2 and 3 leftover bytes, padded and not.
        for n in 8..=11 {
            let bytes = png_of(n);
            let padded = to_base64(&bytes);
            let unpadded = padded.trim_end_matches('=').to_string();
            for s in [padded, unpadded] {
                let f = check(&with(upload(&bytes, "png"), "dataBase64", json!(s))).unwrap();
                assert_eq!(f.bytes(), &bytes[..], "{s}");
            }
        }
        // A dangling character (length 4k+1) is rejected where Node would drop it.
        assert_eq!(
            data(json!("iVBORw0KG")).unwrap_err(),
            Code::InvalidSessionMedia
        );
        let six = check(&with(
            with(upload(PNG, "png"), "size", json!(6)),
            "dataBase64",
            json!("iVBORw0KG"),
        ));
        assert_eq!(six.unwrap_err(), Code::InvalidSessionMedia);
    }

    #[test]
    fn oversized_text_is_rejected_without_decoding() {
        // 20 MiB of base64 for a declared 8 bytes fails on length alone.
        let huge = "A".repeat(20 * 1024 * 1024);
        assert_eq!(
            check(&with(upload(PNG, "png"), "dataBase64", json!(huge))).unwrap_err(),
            Code::InvalidSessionMedia
        );
    }

    #[test]
    fn step_8_magic_bytes() {
        assert_eq!(err(&upload(PNG, "jpg")), Code::SessionMediaUnsupportedType);
        assert_eq!(err(&upload(JPG, "png")), Code::SessionMediaUnsupportedType);
        assert_eq!(
            err(&upload(&PNG[..7], "png")),
            Code::SessionMediaUnsupportedType
        );
    }

    #[test]
    fn magic_signatures() {
        assert!(check_magic("jpg", &[0xff, 0xd8, 0xff]));
        assert!(check_magic("jpeg", JPG));
        assert!(!check_magic("jpg", &[0xff, 0xd8]));
        assert!(!check_magic("jpg", &[0xff, 0xd8, 0xfe]));
        assert!(check_magic("png", &PNG[..8]));
        assert!(!check_magic("png", &PNG[..7]));
        assert!(!check_magic("png", b"\x88PNG\r\n\x1a\n"));
        assert!(check_magic("webp", WEBP));
        assert!(check_magic("webp", b"RIFF\0\0\0\0WEBP"));
        assert!(!check_magic("webp", b"RIFF\0\0\0\0WEB"));
        assert!(!check_magic("webp", b"RIFF\0\0\0\0WAVE"));
        assert!(!check_magic("webp", b"RIFX\0\0\0\0WEBP"));
        assert!(check_magic("mp4", &MP4[..12]));
        assert!(!check_magic("mp4", &MP4[..11]));
        assert!(!check_magic("mp4", b"\0\0\0\x18moovisom"));
        assert!(check_magic("webm", &WEBM[..4]));
        assert!(!check_magic("webm", &WEBM[..3]));
        assert!(!check_magic("gif", b"GIF89a"));
        assert!(!check_magic("png", &[]));
    }

    #[test]
    fn step_9_sha256() {
        let base = upload(PNG, "png");
        let good = sha256_hex(PNG);
        assert!(check(&with(base.clone(), "sha256", json!(good))).is_ok());
        assert!(check(&with(
            base.clone(),
            "sha256",
            json!(format!(" {} ", good.to_uppercase()))
        ))
        .is_ok());
        assert!(check(&with(base.clone(), "sha256", json!(""))).is_ok());
        assert!(check(&with(base.clone(), "sha256", json!(null))).is_ok());
        let wrong = sha256_hex(b"other");
        for bad in [
            json!(wrong),
            json!(&good[..63]),
            json!(format!("{good}0")),
            json!("xyz"),
            json!(5),
            json!({}),
        ] {
            assert_eq!(
                err(&with(base.clone(), "sha256", bad.clone())),
                Code::InvalidSessionMedia,
                "{bad}"
            );
        }
        // The stored hash is always the computed one.
        assert_eq!(check(&base).unwrap().sha256(), good);
    }

    #[test]
    fn the_first_failing_step_wins() {
        let bad_all = json!({
            "identity": "bad id", "ext": "gif", "mime": "text/plain",
            "size": "x", "dataBase64": "%%", "sha256": "no",
        });
        assert_eq!(
            err(&bad_all),
            Code::InvalidSessionMedia,
            "identity before ext"
        );
        let f = with(bad_all, "identity", json!("k:1"));
        assert_eq!(err(&f), Code::SessionMediaUnsupportedType, "ext");
        let f = with(f, "ext", json!("png"));
        assert_eq!(err(&f), Code::SessionMediaUnsupportedType, "mime");
        let f = with(f, "mime", json!("image/png"));
        assert_eq!(err(&f), Code::InvalidSessionMedia, "size");
        let f = with(f, "size", json!(3 * 1024 * 1024));
        assert_eq!(
            err(&f),
            Code::SessionMediaTooLarge,
            "size over file limit before base64"
        );
        let f = with(f, "size", json!(8));
        assert_eq!(err(&f), Code::InvalidSessionMedia, "base64");
        let f = with(f, "dataBase64", json!(to_base64(JPG)));
        assert_eq!(err(&f), Code::InvalidSessionMedia, "length mismatch");
        let f = with(
            with(f, "dataBase64", json!(to_base64(b"12345678"))),
            "sha256",
            json!("no"),
        );
        assert_eq!(
            err(&f),
            Code::SessionMediaUnsupportedType,
            "magic before sha256"
        );
        let f = with(f, "dataBase64", json!(to_base64(PNG)));
        assert_eq!(err(&f), Code::InvalidSessionMedia, "sha256");
        assert!(check(&with(f, "sha256", json!(sha256_hex(PNG)))).is_ok());
    }

    #[test]
    fn local_files_follow_the_same_rules() {
        let l = MediaLimits::default();
        let f = from_local(" k:1 ", " a\u{1}b ", ".JPEG", "image/jpg", JPG.to_vec(), &l).unwrap();
        assert_eq!(
            (f.identity(), f.name(), f.ext(), f.mime()),
            ("k:1", "ab", "jpeg", "image/jpeg")
        );
        assert_eq!(f.sha256(), sha256_hex(JPG));
        assert_eq!(
            from_local("k:1", "", "png", "", PNG.to_vec(), &l)
                .unwrap()
                .name(),
            "unknown"
        );
        let e = |id: &str, ext: &str, mime: &str, bytes: &[u8], l: &MediaLimits| {
            from_local(id, "n", ext, mime, bytes.to_vec(), l).unwrap_err()
        };
        assert_eq!(e("a b", "gif", "", PNG, &l), Code::InvalidSessionMedia);
        assert_eq!(
            e("k:1", "gif", "", PNG, &l),
            Code::SessionMediaUnsupportedType
        );
        assert_eq!(
            e("k:1", "png", "image/jpeg", PNG, &l),
            Code::SessionMediaUnsupportedType
        );
        assert_eq!(e("k:1", "png", "", &[], &l), Code::InvalidSessionMedia);
        assert_eq!(
            e("k:1", "png", "", JPG, &l),
            Code::SessionMediaUnsupportedType
        );
        let small = MediaLimits {
            max_file_bytes: 8,
            max_total_bytes: 8,
        };
        assert!(from_local("k:1", "n", "png", "", png_of(8), &small).is_ok());
        assert_eq!(
            e("k:1", "png", "", &png_of(9), &small),
            Code::SessionMediaTooLarge
        );
        // What the host builds, the relay accepts unchanged.
        let sent = json!({
            "identity": f.identity(), "name": f.name(), "ext": f.ext(), "mime": f.mime(),
            "size": f.size(), "sha256": f.sha256(), "dataBase64": to_base64(f.bytes()),
        });
        assert_eq!(check(&sent).unwrap(), f);
    }

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
    fn media_identity_matches_the_js_clients() {
        // Expected values printed by node v20 running:
        //   function mediaIdentity(name, ext) {
        //     if (!name || !ext) return null;
        //     const s = String(name).toLowerCase() + "|" + ext;
        //     let h1 = 2166136261, h2 = 5381;
        //     for (let i = 0; i < s.length; i++) {
        //       const c = s.charCodeAt(i);
        //       h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
        //       h2 = (Math.imul(h2, 33) + c) >>> 0;
        //     }
        //     return "k:" + h1.toString(36) + h2.toString(36);
        //   }
        assert_eq!(
            media_identity("Pose_01.JPG", "jpg").as_deref(),
            Some("k:niq6ok17eb4js")
        );
        assert_eq!(
            media_identity("Été 😀.png", "png").as_deref(),
            Some("k:66v09m8fwjy4")
        );
        assert_eq!(media_identity("a", "b").as_deref(), Some("k:bgispi3773dw"));
        assert_eq!(
            media_identity("ΣΑΣ.webp", "webp").as_deref(),
            Some("k:6txnp01x6z9vm")
        );
        assert_eq!(media_identity("", "png"), None);
        assert_eq!(media_identity("a", ""), None);
        assert!(is_media_key(&media_identity("Été 😀.png", "png").unwrap()));
        // (0).toString(36) and (4294967295).toString(36)
        assert_eq!(base36(0), "0");
        assert_eq!(base36(u32::MAX), "1z141z3");
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
