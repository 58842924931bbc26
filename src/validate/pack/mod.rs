//! Session packs (`posechrono-session-pack` v1): validation and the canonical text the relay stores.
//!
//! A host uploads a pack (timer settings, custom queue, media order and media refs). The relay
//! checks it as the deployed relay does (PROTOCOL.md, "Session pack"), drops unknown keys and
//! keeps one canonical JSON text whose SHA-256 is the pack's `hash`. That text is what
//! `JSON.stringify(JSON.parse(text))` gives back in JavaScript, byte for byte, so the deployed
//! clients recompute the same hash.
//!
//! ```
//! use online_sync::validate::pack::{validate_pack, verify_pack_text};
//! use online_sync::RelaySettings;
//!
//! let raw = serde_json::json!({
//!     "schema": "posechrono-session-pack", "version": "1", "tags": ["dropped"],
//!     "session": {
//!         "mode": "classic", "selectedDuration": "60", "timeRemaining": 60.7,
//!         "memoryType": "flash", "memoryDuration": 0, "memoryPosesCount": 1,
//!         "memoryDrawingTime": 0, "imagesCount": 2, "mediaOrderKeys": ["a:1", "a:2"],
//!     },
//! });
//! let pack = validate_pack(Some(&raw), &RelaySettings::default(), 0).unwrap();
//! assert!(pack.text.starts_with(r#"{"schema":"posechrono-session-pack","version":1,"#));
//! assert!(pack.text.contains(r#""mode":"classique","selectedDuration":60,"timeRemaining":60,"#));
//! assert_eq!(pack.images_count, 2);
//! assert!(verify_pack_text(&pack.text, &pack.hash).is_ok());
//! ```

//!
//! One concern a file: the rules (`rules`: JS coercions, ranges, what is required)
//! and the canonical encoding (`canonical`: the key order and types of the text the
//! relay stores and hashes).

mod canonical;
mod rules;
#[cfg(test)]
mod tests;

pub use canonical::{Step, StepKind};
pub(crate) use rules::{
    custom_queue, lower_trim, media_order_keys, memory_type, mode, text_or, uint_in,
};

use serde_json::Value;

use super::digest::{is_sha256_hex, sha256_hex};
use super::js::{js_json_len, js_lower_case, js_trim, utf16_len};
use crate::error::Code;
use crate::settings::RelaySettings;

/// The only schema name a pack may carry.
pub const SCHEMA: &str = "posechrono-session-pack";
/// The only pack version (after `Math.floor(Number(version))`).
pub const VERSION: u64 = 1;
/// Largest custom-queue step id: `Number.MAX_SAFE_INTEGER`.
pub const MAX_STEP_ID: u64 = (1 << 53) - 1;
/// `createdAt` length, UTF-16 units.
const MAX_CREATED_AT: usize = 48;
/// `source.runtime` and `source.language` length, UTF-16 units.
const MAX_SOURCE_FIELD: usize = 24;

/// A validated pack: its canonical text and the metadata the relay derives from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalPack {
    /// The canonical JSON text, exactly the bytes the relay stores and sends.
    pub text: String,
    /// SHA-256 of `text`'s UTF-8 bytes, 64 lowercase hex characters.
    pub hash: String,
    /// Length of `text` in UTF-16 units (JavaScript's `.length`), not bytes.
    pub size: usize,
    /// `session.imagesCount`.
    pub images_count: u64,
    /// Number of entries in `mediaRefs`.
    pub media_refs_count: usize,
}

/// Validates an uploaded pack and builds its canonical text, hash and size.
///
/// Follows the deployed relay (PROTOCOL.md, "Session pack"): JavaScript coercions
/// (`Number(x)` then floor for integers, `String(x || "")` then trim for text and enums,
/// truthiness for `memoryNoPressure`, enums lowercased), unknown keys dropped, keys of the
/// output in the canonical order. Where the spec is silent this does what the deployed relay does:
/// - a missing, empty or unknown `session.mode` rejects the pack (so does `memoryType`);
/// - `session.customQueue`, `session.mediaOrderKeys` and `mediaRefs` that are not arrays
///   count as empty; an array entry that fails its check (a step that is not an object, a key
///   not matching `^[A-Za-z0-9:_-]{1,128}$` after trim, a ref without a valid identity or
///   index) rejects the whole pack;
/// - numbers and booleans in key positions go through `String(x)`, so a key `12` is `"12"`,
///   while falsy ones (`0`, `false`, `null`, `""`) become empty and fail;
/// - a step with no `id` key gets `now_ms + index`; a step with `"id": null` gets 0
///   (`Number(null)`);
/// - `source` that is not an object gives empty `runtime` and `language`.
///
/// # Errors
/// `session-pack-too-large` when `JSON.stringify(pack).length` is over
/// `s.max_session_pack_bytes` (checked first, on the raw input); `invalid-session-pack` for
/// every other failure, including a `pack` that is missing or not an object.
pub fn validate_pack(
    pack: Option<&Value>,
    s: &RelaySettings,
    now_ms: u64,
) -> Result<CanonicalPack, Code> {
    let Some(raw @ Value::Object(obj)) = pack else {
        return Err(Code::InvalidSessionPack);
    };
    if js_json_len(raw) > s.max_session_pack_bytes {
        return Err(Code::SessionPackTooLarge);
    }
    let canonical = rules::canonical(obj, s, now_ms).ok_or(Code::InvalidSessionPack)?;
    let text = serde_json::to_string(&canonical).map_err(|_| Code::InvalidSessionPack)?;
    Ok(CanonicalPack {
        hash: sha256_hex(text.as_bytes()),
        size: utf16_len(&text),
        images_count: canonical.session.images_count,
        media_refs_count: canonical.media_refs.len(),
        text,
    })
}

/// Checks a pack text received from a relay against the hash the relay announced.
///
/// As the deployed client does, the check only runs when the announced hash (trimmed,
/// lowercased) is 64 hex characters; any other announced value is accepted unchecked. Hash
/// the raw `pack` substring of the reply (e.g. a serde_json `RawValue`), not a re-encoding.
///
/// # Errors
/// `session-pack-integrity-failed` when the SHA-256 of `raw_pack_json`'s UTF-8 bytes differs.
pub fn verify_pack_text(raw_pack_json: &str, announced_hash: &str) -> Result<(), Code> {
    let announced = js_lower_case(js_trim(announced_hash));
    if !is_sha256_hex(&announced) || sha256_hex(raw_pack_json.as_bytes()) == announced {
        Ok(())
    } else {
        Err(Code::SessionPackIntegrityFailed)
    }
}
