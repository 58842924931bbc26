//! The field rules the upload, publish and download paths share: JS coercions of
//! each `file` member, the size limits, and the base64 decoding.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use serde_json::Value;
use std::borrow::Cow;

use super::{canonical_mime, MediaLimits, DEFAULT_NAME, MAX_NAME};
use crate::error::Code;
use crate::validate::digest::is_sha256_hex;
use crate::validate::js::{is_js_whitespace, js_lower_case, js_number, js_string, js_trim};
use crate::validate::text::{normalize_ext, sanitize_value};

/// Whether JavaScript would find `v` falsy (`undefined`, `null`, `false`, `0`, `""`).
pub(super) fn is_falsy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => !b,
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// JS `String(v || "")` for scalars, borrowing strings; `None` for arrays and objects.
pub(super) fn js_text_or_empty(v: Option<&Value>) -> Option<Cow<'_, str>> {
    if is_falsy(v) {
        return Some(Cow::Borrowed(""));
    }
    match v {
        Some(Value::String(s)) => Some(Cow::Borrowed(s)),
        other => js_string(other).map(Cow::Owned),
    }
}

/// Step 3: the normalized extension, if whitelisted.
pub(super) fn whitelisted_ext(v: Option<&Value>) -> Result<String, Code> {
    let ext = normalize_ext(v);
    match canonical_mime(&ext) {
        Some(_) => Ok(ext),
        None => Err(Code::SessionMediaUnsupportedType),
    }
}

/// Step 4 on a payload value.
pub(super) fn accepted_mime(ext: &str, v: Option<&Value>) -> Result<&'static str, Code> {
    let raw = js_text_or_empty(v).ok_or(Code::SessionMediaUnsupportedType)?;
    mime_for(ext, &raw)
}

/// Step 4: empty means canonical; otherwise the canonical type, or `image/jpg` for jpg/jpeg.
pub(super) fn mime_for(ext: &str, raw: &str) -> Result<&'static str, Code> {
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
pub(super) fn media_name(v: Option<&Value>) -> String {
    let v = if is_falsy(v) { None } else { v };
    sanitize_value(v, MAX_NAME, DEFAULT_NAME)
}

/// Step 6: `Number(size)` must be an integer in `1..=max`.
pub(super) fn declared_size(v: Option<&Value>, max: usize) -> Result<usize, Code> {
    let n = js_number(v);
    if n.is_finite() && n.fract() == 0.0 && n >= 1.0 && n <= max as f64 {
        Ok(n as usize)
    } else {
        Err(Code::InvalidSessionMedia)
    }
}

/// A real byte count: empty is invalid, over either limit is too large.
pub(super) fn check_actual_size(size: usize, limits: &MediaLimits) -> Result<(), Code> {
    if size == 0 {
        Err(Code::InvalidSessionMedia)
    } else if size > limits.max_file_bytes || size > limits.max_total_bytes {
        Err(Code::SessionMediaTooLarge)
    } else {
        Ok(())
    }
}

/// Step 9: the declared hash, trimmed and lowercased; `None` when absent.
pub(super) fn declared_sha256(v: Option<&Value>) -> Result<Option<String>, Code> {
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
pub(super) fn decode_base64(v: Option<&Value>, size: usize) -> Result<Vec<u8>, Code> {
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
