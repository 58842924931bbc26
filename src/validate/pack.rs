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

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::digest::{is_sha256_hex, sha256_hex};
use super::js::{
    js_int_in, js_json_len, js_lower_case, js_number, js_number_to_string, js_trim, utf16_len,
};
use super::text::{is_media_key, normalize_ext, sanitize_text};
use crate::error::Code;
use crate::settings::{fixed, RelaySettings};

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

/// The kind of a custom-queue step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A break; its `count` is always 1.
    Pause,
    /// A run of poses.
    Pose,
}

/// One validated custom-queue step, serialized as `{type, duration, count, id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `pause` or `pose`.
    #[serde(rename = "type")]
    pub kind: StepKind,
    /// Seconds, 1..=86400.
    pub duration: u64,
    /// Poses, 1..=10000; forced to 1 for a pause.
    pub count: u64,
    /// 0..=2^53-1; the relay's `now + index` when the step had none.
    pub id: u64,
}

impl Step {
    /// The step as a JSON value, as the session state keeps it (the same object its
    /// `Serialize` writes, built without serde_json's value serializer).
    pub fn to_value(&self) -> Value {
        let kind = match self.kind {
            StepKind::Pause => "pause",
            StepKind::Pose => "pose",
        };
        json!({ "type": kind, "duration": self.duration, "count": self.count, "id": self.id })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pack {
    schema: &'static str,
    version: u64,
    created_at: String,
    source: Source,
    session: Session,
    media_refs: Vec<MediaRef>,
}

#[derive(Serialize)]
struct Source {
    runtime: String,
    language: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    mode: &'static str,
    selected_duration: u64,
    time_remaining: u64,
    memory_type: &'static str,
    memory_duration: u64,
    memory_poses_count: u64,
    memory_drawing_time: u64,
    memory_no_pressure: bool,
    custom_queue: Vec<Step>,
    media_order_keys: Vec<String>,
    images_count: u64,
}

#[derive(Serialize)]
struct MediaRef {
    identity: String,
    index: u64,
    name: String,
    ext: String,
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
    let canonical = canonical(obj, s, now_ms).ok_or(Code::InvalidSessionPack)?;
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

fn canonical(obj: &Map<String, Value>, s: &RelaySettings, now_ms: u64) -> Option<Pack> {
    if js_trim(&js_text(obj.get("schema"))) != SCHEMA
        || js_number(obj.get("version")).floor() != VERSION as f64
    {
        return None;
    }
    let session = obj.get("session")?.as_object()?;
    let max_secs = s.max_session_seconds as f64;
    let max_keys = s.max_media_order_keys as f64;
    let int = |key: &str, min: f64, max: f64| uint_in(session.get(key), min, max);
    let session = Session {
        mode: mode(session.get("mode"))?,
        selected_duration: int("selectedDuration", 1.0, max_secs)?,
        time_remaining: int("timeRemaining", 0.0, max_secs)?,
        memory_type: memory_type(session.get("memoryType"))?,
        memory_duration: int("memoryDuration", 0.0, max_secs)?,
        memory_poses_count: int("memoryPosesCount", 1.0, fixed::MAX_POSES as f64)?,
        memory_drawing_time: int("memoryDrawingTime", 0.0, max_secs)?,
        memory_no_pressure: js_truthy(session.get("memoryNoPressure")),
        custom_queue: custom_queue(
            session.get("customQueue").filter(|v| v.is_array()),
            s,
            now_ms,
        )?,
        media_order_keys: media_order_keys(
            session.get("mediaOrderKeys").filter(|v| v.is_array()),
            s,
        )?,
        images_count: int("imagesCount", 0.0, max_keys)?,
    };
    let refs: &[Value] = obj
        .get("mediaRefs")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    if refs.len() > s.max_media_order_keys {
        return None;
    }
    let media_refs = refs
        .iter()
        .map(|r| media_ref(r, max_keys))
        .collect::<Option<Vec<_>>>()?;
    let source = obj.get("source").and_then(Value::as_object);
    let source_text = |key: &str| text_or(source.and_then(|o| o.get(key)), MAX_SOURCE_FIELD, "");
    Some(Pack {
        schema: SCHEMA,
        version: VERSION,
        created_at: text_or(obj.get("createdAt"), MAX_CREATED_AT, ""),
        source: Source {
            runtime: source_text("runtime"),
            language: source_text("language"),
        },
        session,
        media_refs,
    })
}

fn media_ref(v: &Value, max_keys: f64) -> Option<MediaRef> {
    let item = v.as_object()?;
    let identity = key_text(item.get("identity"))?;
    let name = text_or(item.get("name"), fixed::MAX_MEDIA_NAME, "unknown");
    let ext = normalize_ext(Some(&Value::String(js_text(item.get("ext")))));
    let index = uint_in(item.get("index"), 0.0, max_keys)?;
    Some(MediaRef {
        identity,
        index,
        name,
        ext,
    })
}

/// Custom-queue steps, shared by the pack and the session state. `None` (the key is absent)
/// gives an empty queue; a value that is not an array, more than `s.max_custom_steps` steps or
/// any invalid step gives `None` (invalid).
pub(crate) fn custom_queue(v: Option<&Value>, s: &RelaySettings, now_ms: u64) -> Option<Vec<Step>> {
    let Some(v) = v else { return Some(Vec::new()) };
    let steps = v.as_array()?;
    if steps.len() > s.max_custom_steps {
        return None;
    }
    steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let step = step.as_object()?;
            let kind = match lower_trim(step.get("type")).as_str() {
                "pause" => StepKind::Pause,
                "pose" => StepKind::Pose,
                _ => return None,
            };
            let duration = uint_in(step.get("duration"), 1.0, fixed::MAX_STEP_SECONDS as f64)?;
            let count = match kind {
                StepKind::Pause => 1,
                StepKind::Pose => uint_in(step.get("count"), 1.0, fixed::MAX_POSES as f64)?,
            };
            let id = match step.get("id") {
                Some(id) => uint_in(Some(id), 0.0, MAX_STEP_ID as f64)?,
                None => now_ms.saturating_add(index as u64),
            };
            Some(Step {
                kind,
                duration,
                count,
                id,
            })
        })
        .collect()
}

/// Media order keys, shared by the pack and the session state. `None` (the key is absent)
/// gives no keys; a value that is not an array, more than `s.max_media_order_keys` entries or
/// any entry whose `String(x || "").trim()` fails `^[A-Za-z0-9:_-]{1,128}$` gives `None`.
pub(crate) fn media_order_keys(v: Option<&Value>, s: &RelaySettings) -> Option<Vec<String>> {
    let Some(v) = v else { return Some(Vec::new()) };
    let keys = v.as_array()?;
    if keys.len() > s.max_media_order_keys {
        return None;
    }
    keys.iter().map(|k| key_text(Some(k))).collect()
}

/// The session mode: `String(x || "").trim().toLowerCase()` among
/// `classique | classic | custom | relax | memory`, with `classic` stored as `classique`.
pub(crate) fn mode(v: Option<&Value>) -> Option<&'static str> {
    match lower_trim(v).as_str() {
        "classique" | "classic" => Some("classique"),
        "custom" => Some("custom"),
        "relax" => Some("relax"),
        "memory" => Some("memory"),
        _ => None,
    }
}

/// The memory type: `flash | progressive`, after the same coercion as [`mode`].
pub(crate) fn memory_type(v: Option<&Value>) -> Option<&'static str> {
    match lower_trim(v).as_str() {
        "flash" => Some("flash"),
        "progressive" => Some("progressive"),
        _ => None,
    }
}

/// `sanitizeText(x, max, default)` of the deployed relay: `String(x || "")`, control
/// characters removed, trimmed, cut to `max` UTF-16 units, `default` when empty.
pub(crate) fn text_or(v: Option<&Value>, max: usize, default: &str) -> String {
    let s = sanitize_text(&js_text(v), max);
    if s.is_empty() {
        default.to_string()
    } else {
        s
    }
}

/// `String(x || "")`: falsy values (absent, `null`, `false`, `0`, `""`) give `""`.
pub(crate) fn js_text(v: Option<&Value>) -> String {
    match v {
        Some(v) if js_truthy(Some(v)) => js_to_string(v),
        _ => String::new(),
    }
}

/// `!!x` in JavaScript; `None` is `undefined`.
pub(crate) fn js_truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// `String(x)` for any JSON value: arrays join their items with `,` (null items empty),
/// objects give `[object Object]`.
fn js_to_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => js_number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                if i.is_null() {
                    String::new()
                } else {
                    js_to_string(i)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `String(x || "").trim().toLowerCase()`.
pub(crate) fn lower_trim(v: Option<&Value>) -> String {
    js_lower_case(js_trim(&js_text(v)))
}

/// A media key (identity or order key) after `String(x || "").trim()`.
fn key_text(v: Option<&Value>) -> Option<String> {
    let text = js_text(v);
    let key = js_trim(&text);
    is_media_key(key).then(|| key.to_string())
}

/// [`js_int_in`] for ranges with a non-negative minimum.
pub(crate) fn uint_in(v: Option<&Value>, min: f64, max: f64) -> Option<u64> {
    js_int_in(v, min, max).and_then(|n| u64::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    fn base() -> Value {
        json!({
            "schema": "posechrono-session-pack",
            "version": 1,
            "createdAt": "2024-05-01T10:00:00.000Z",
            "source": {"runtime": "desktop", "language": "fr"},
            "session": {
                "mode": "classique",
                "selectedDuration": 60,
                "timeRemaining": 60,
                "memoryType": "flash",
                "memoryDuration": 10,
                "memoryPosesCount": 5,
                "memoryDrawingTime": 30,
                "memoryNoPressure": false,
                "customQueue": [],
                "mediaOrderKeys": ["img:1", "img:2"],
                "imagesCount": 2
            },
            "mediaRefs": [{"identity": "img:1", "index": 0, "name": "a.jpg", "ext": "jpg"}]
        })
    }

    fn settings() -> RelaySettings {
        RelaySettings::default()
    }

    fn with(path: &[&str], value: Value) -> Value {
        let mut v = base();
        let (last, parents) = path.split_last().unwrap();
        let mut cur = &mut v;
        for p in parents {
            cur = cur.get_mut(*p).unwrap();
        }
        cur.as_object_mut()
            .unwrap()
            .insert((*last).to_string(), value);
        v
    }

    fn without(path: &[&str]) -> Value {
        let mut v = base();
        let (last, parents) = path.split_last().unwrap();
        let mut cur = &mut v;
        for p in parents {
            cur = cur.get_mut(*p).unwrap();
        }
        cur.as_object_mut().unwrap().remove(*last);
        v
    }

    fn check(v: &Value) -> Result<CanonicalPack, Code> {
        validate_pack(Some(v), &settings(), NOW)
    }

    fn parsed(v: &Value) -> Value {
        serde_json::from_str(&check(v).unwrap().text).unwrap()
    }

    fn session_field(v: &Value, key: &str) -> Value {
        parsed(v)["session"][key].clone()
    }

    const INVALID: Result<CanonicalPack, Code> = Err(Code::InvalidSessionPack);

    #[test]
    fn canonical_text_has_fixed_key_order_and_metadata() {
        let p = check(&base()).unwrap();
        let expected = concat!(
            r#"{"schema":"posechrono-session-pack","version":1,"createdAt":"2024-05-01T10:00:00.000Z","#,
            r#""source":{"runtime":"desktop","language":"fr"},"#,
            r#""session":{"mode":"classique","selectedDuration":60,"timeRemaining":60,"#,
            r#""memoryType":"flash","memoryDuration":10,"memoryPosesCount":5,"memoryDrawingTime":30,"#,
            r#""memoryNoPressure":false,"customQueue":[],"mediaOrderKeys":["img:1","img:2"],"imagesCount":2},"#,
            r#""mediaRefs":[{"identity":"img:1","index":0,"name":"a.jpg","ext":"jpg"}]}"#
        );
        assert_eq!(p.text, expected);
        assert_eq!(p.hash, sha256_hex(expected.as_bytes()));
        assert_eq!(p.size, expected.len());
        assert_eq!(p.images_count, 2);
        assert_eq!(p.media_refs_count, 1);
    }

    #[test]
    fn minimal_pack_fills_defaults() {
        let v = json!({
            "schema": " posechrono-session-pack ", "version": 1,
            "session": {"mode": "Relax", "selectedDuration": 1, "timeRemaining": 0,
                "memoryType": " PROGRESSIVE ", "memoryDuration": 0, "memoryPosesCount": 1,
                "memoryDrawingTime": 0, "imagesCount": 0}
        });
        let p = check(&v).unwrap();
        assert_eq!(
            p.text,
            concat!(
                r#"{"schema":"posechrono-session-pack","version":1,"createdAt":"","#,
                r#""source":{"runtime":"","language":""},"session":{"mode":"relax","selectedDuration":1,"#,
                r#""timeRemaining":0,"memoryType":"progressive","memoryDuration":0,"memoryPosesCount":1,"#,
                r#""memoryDrawingTime":0,"memoryNoPressure":false,"customQueue":[],"mediaOrderKeys":[],"#,
                r#""imagesCount":0},"mediaRefs":[]}"#
            )
        );
        assert_eq!(p.media_refs_count, 0);
    }

    #[test]
    fn extra_keys_are_dropped_everywhere() {
        let mut v = base();
        v["tags"] = json!(["x"]);
        v["annotation"] = json!("note");
        v["star"] = json!(5);
        v["source"]["extra"] = json!(1);
        v["session"]["extra"] = json!({"a": 1});
        v["session"]["customQueue"] =
            json!([{"type": "pose", "duration": 5, "count": 2, "id": 3, "x": 1}]);
        v["mediaRefs"][0]["star"] = json!(true);
        let p = check(&v).unwrap();
        assert_eq!(p.text, {
            let mut b = base();
            b["session"]["customQueue"] =
                json!([{"type": "pose", "duration": 5, "count": 2, "id": 3}]);
            check(&b).unwrap().text
        });
        assert!(!p.text.contains("extra") && !p.text.contains("star") && !p.text.contains("tags"));
    }

    #[test]
    fn size_limit_is_checked_first_at_the_exact_bound() {
        let mut s = settings();
        s.max_session_pack_bytes = 2000;
        let mut v = base();
        v["pad"] = json!("");
        let len = js_json_len(&v);
        v["pad"] = json!("x".repeat(2000 - len));
        assert_eq!(js_json_len(&v), 2000);
        assert!(validate_pack(Some(&v), &s, NOW).is_ok());
        v["pad"] = json!("x".repeat(2001 - len));
        assert_eq!(
            validate_pack(Some(&v), &s, NOW),
            Err(Code::SessionPackTooLarge)
        );
        // Size first: an oversized pack that is also invalid is still too large.
        v["schema"] = json!("posechrono-session-pacK");
        assert_eq!(
            validate_pack(Some(&v), &s, NOW),
            Err(Code::SessionPackTooLarge)
        );
        // The size counts UTF-16 units: "😀" is 2, "é" is 1, a control char escapes to 6.
        let mut w = base();
        w["pad"] = json!("");
        let len = js_json_len(&w);
        w["pad"] = json!("😀".repeat((2000 - len) / 2));
        assert_eq!(js_json_len(&w), 2000 - (2000 - len) % 2);
        assert!(validate_pack(Some(&w), &s, NOW).is_ok());
    }

    #[test]
    fn non_objects_are_invalid() {
        let s = settings();
        assert_eq!(validate_pack(None, &s, NOW), INVALID);
        for v in [
            json!(null),
            json!([]),
            json!([base()]),
            json!("pack"),
            json!(1),
        ] {
            assert_eq!(validate_pack(Some(&v), &s, NOW), INVALID, "{v}");
        }
        assert_eq!(check(&with(&["session"], json!([]))), INVALID);
        assert_eq!(check(&with(&["session"], json!("x"))), INVALID);
        assert_eq!(check(&with(&["session"], json!(null))), INVALID);
        assert_eq!(check(&without(&["session"])), INVALID);
        assert_eq!(check(&with(&["mediaRefs"], json!([["img:1", 0]]))), INVALID);
        assert_eq!(
            check(&with(&["session", "customQueue"], json!([[]]))),
            INVALID
        );
        // `source` that is not an object only empties its fields.
        assert_eq!(
            parsed(&with(&["source"], json!(["desktop"])))["source"],
            json!({"runtime": "", "language": ""})
        );
    }

    #[test]
    fn schema_and_version() {
        assert_eq!(
            check(&with(&["schema"], json!("posechrono-session-pack-v2"))),
            INVALID
        );
        assert_eq!(
            check(&with(&["schema"], json!("PoseChrono-Session-Pack"))),
            INVALID
        );
        assert_eq!(check(&without(&["schema"])), INVALID);
        for ok in [json!("1"), json!(1.9), json!(" 1 "), json!(1)] {
            assert!(check(&with(&["version"], ok.clone())).is_ok(), "{ok}");
        }
        for bad in [
            json!(2),
            json!("2"),
            json!(0.99),
            json!(0),
            json!(null),
            json!("v1"),
        ] {
            assert_eq!(check(&with(&["version"], bad.clone())), INVALID, "{bad}");
        }
        assert_eq!(check(&without(&["version"])), INVALID);
        assert_eq!(parsed(&with(&["version"], json!("1")))["version"], json!(1));
    }

    #[test]
    fn modes() {
        for (input, stored) in [
            ("classic", "classique"),
            ("classique", "classique"),
            (" CUSTOM ", "custom"),
            ("relax", "relax"),
            ("Memory", "memory"),
        ] {
            assert_eq!(
                session_field(&with(&["session", "mode"], json!(input)), "mode"),
                json!(stored)
            );
        }
        assert_eq!(check(&with(&["session", "mode"], json!("free"))), INVALID);
        assert_eq!(check(&with(&["session", "mode"], json!(""))), INVALID);
        assert_eq!(check(&without(&["session", "mode"])), INVALID);
    }

    #[test]
    fn memory_type_is_required() {
        assert_eq!(check(&without(&["session", "memoryType"])), INVALID);
        assert_eq!(
            check(&with(&["session", "memoryType"], json!("slow"))),
            INVALID
        );
        assert_eq!(
            session_field(
                &with(&["session", "memoryType"], json!("Flash")),
                "memoryType"
            ),
            json!("flash")
        );
    }

    #[test]
    fn required_integers_and_ranges() {
        let max = settings().max_session_seconds;
        let cases: &[(&str, u64, u64)] = &[
            ("selectedDuration", 1, max),
            ("timeRemaining", 0, max),
            ("memoryDuration", 0, max),
            ("memoryPosesCount", 1, 10_000),
            ("memoryDrawingTime", 0, max),
            ("imagesCount", 0, 50_000),
        ];
        for &(key, min, max) in cases {
            assert_eq!(
                session_field(&with(&["session", key], json!(min)), key),
                json!(min),
                "{key}"
            );
            assert_eq!(
                session_field(&with(&["session", key], json!(max)), key),
                json!(max),
                "{key}"
            );
            assert_eq!(
                check(&with(&["session", key], json!(max + 1))),
                INVALID,
                "{key}"
            );
            assert_eq!(
                check(&with(&["session", key], json!(min as f64 - 0.5))),
                INVALID,
                "{key}"
            );
            assert_eq!(check(&without(&["session", key])), INVALID, "{key}");
            assert_eq!(
                check(&with(&["session", key], json!("abc"))),
                INVALID,
                "{key}"
            );
            assert_eq!(check(&with(&["session", key], json!({}))), INVALID, "{key}");
        }
        assert_eq!(
            session_field(
                &with(&["session", "selectedDuration"], json!("60")),
                "selectedDuration"
            ),
            json!(60)
        );
        assert_eq!(
            session_field(
                &with(&["session", "selectedDuration"], json!(59.99)),
                "selectedDuration"
            ),
            json!(59)
        );
        assert_eq!(
            session_field(
                &with(&["session", "timeRemaining"], json!(null)),
                "timeRemaining"
            ),
            json!(0)
        );
        assert_eq!(
            check(&with(&["session", "selectedDuration"], json!(0.9))),
            INVALID
        );
        assert_eq!(
            session_field(
                &with(&["session", "memoryPosesCount"], json!(10_000.5)),
                "memoryPosesCount"
            ),
            json!(10_000)
        );
    }

    #[test]
    fn memory_no_pressure_uses_js_truthiness() {
        for (v, b) in [
            (json!(true), true),
            (json!(1), true),
            (json!("0"), true),
            (json!("false"), true),
            (json!([]), true),
            (json!({}), true),
            (json!(false), false),
            (json!(0), false),
            (json!(""), false),
            (json!(null), false),
        ] {
            assert_eq!(
                session_field(
                    &with(&["session", "memoryNoPressure"], v.clone()),
                    "memoryNoPressure"
                ),
                json!(b),
                "{v}"
            );
        }
        assert_eq!(
            session_field(
                &without(&["session", "memoryNoPressure"]),
                "memoryNoPressure"
            ),
            json!(false)
        );
    }

    #[test]
    fn custom_queue_steps() {
        let q = |steps: Value| with(&["session", "customQueue"], steps);
        let v = q(json!([
            {"type": " Pose ", "duration": "30", "count": 2.7, "id": 5},
            {"type": "pause", "duration": 60, "count": 99999},
            {"type": "pause", "duration": 1, "id": null},
            {"type": "pose", "duration": 86_400, "count": 10_000, "id": 9_007_199_254_740_991_u64}
        ]));
        assert_eq!(
            session_field(&v, "customQueue"),
            json!([
                {"type": "pose", "duration": 30, "count": 2, "id": 5},
                {"type": "pause", "duration": 60, "count": 1, "id": NOW + 1},
                {"type": "pause", "duration": 1, "count": 1, "id": 0},
                {"type": "pose", "duration": 86_400, "count": 10_000, "id": 9_007_199_254_740_991_u64}
            ])
        );
        assert!(check(&v)
            .unwrap()
            .text
            .contains(r#"{"type":"pose","duration":30,"count":2,"id":5}"#));
        let step =
            |d: Value, c: Value| q(json!([{"type": "pose", "duration": d, "count": c, "id": 1}]));
        assert!(check(&step(json!(1), json!(1))).is_ok());
        assert_eq!(check(&step(json!(0), json!(1))), INVALID);
        assert!(check(&step(json!(86_400), json!(1))).is_ok());
        assert_eq!(check(&step(json!(86_401), json!(1))), INVALID);
        assert!(check(&step(json!(5), json!(10_000))).is_ok());
        assert_eq!(check(&step(json!(5), json!(10_001))), INVALID);
        assert_eq!(check(&step(json!(5), json!(0))), INVALID);
        assert_eq!(check(&q(json!([{"type": "pose", "duration": 5}]))), INVALID);
        assert_eq!(
            check(&q(json!([{"type": "break", "duration": 5}]))),
            INVALID
        );
        assert_eq!(
            check(&q(
                json!([{"type": "pose", "duration": 5, "count": 1, "id": -1}])
            )),
            INVALID
        );
        assert_eq!(
            check(&q(
                json!([{"type": "pose", "duration": 5, "count": 1, "id": 9_007_199_254_740_992_u64}])
            )),
            INVALID
        );
        // Non-arrays count as empty.
        for v in [
            json!({"0": {"type": "pose"}}),
            json!("x"),
            json!(null),
            json!(3),
        ] {
            assert_eq!(session_field(&q(v), "customQueue"), json!([]));
        }
    }

    #[test]
    fn custom_queue_step_limit() {
        let steps = |n: usize| json!(vec![json!({"type": "pause", "duration": 1}); n]);
        let v = with(&["session", "customQueue"], steps(600));
        let queue = session_field(&v, "customQueue");
        assert_eq!(queue.as_array().unwrap().len(), 600);
        assert_eq!(queue[599]["id"], json!(NOW + 599));
        assert_eq!(
            check(&with(&["session", "customQueue"], steps(601))),
            INVALID
        );
    }

    #[test]
    fn media_order_keys_checks() {
        let keys = |k: Value| with(&["session", "mediaOrderKeys"], k);
        let long = "k".repeat(128);
        assert_eq!(
            session_field(
                &keys(json!([long.clone(), " a:b_c-D9 ", 12])),
                "mediaOrderKeys"
            ),
            json!([long, "a:b_c-D9", "12"])
        );
        assert_eq!(check(&keys(json!(["k".repeat(129)]))), INVALID);
        for bad in [
            json!(""),
            json!("a b"),
            json!("a/b"),
            json!("é"),
            json!(0),
            json!(null),
            json!(false),
            json!({}),
            json!(1.5),
        ] {
            assert_eq!(check(&keys(json!([bad.clone()]))), INVALID, "{bad}");
        }
        for v in [json!("img:1"), json!({"a": 1}), json!(null)] {
            assert_eq!(session_field(&keys(v), "mediaOrderKeys"), json!([]));
        }
        let mut s = settings();
        s.max_media_order_keys = 3;
        let v = keys(json!(["a", "b", "c"]));
        let mut v = v;
        v["session"]["imagesCount"] = json!(3);
        v["mediaRefs"] = json!([]);
        assert!(validate_pack(Some(&v), &s, NOW).is_ok());
        v["session"]["mediaOrderKeys"] = json!(["a", "b", "c", "d"]);
        assert_eq!(validate_pack(Some(&v), &s, NOW), INVALID);
    }

    #[test]
    fn media_refs() {
        let refs = |r: Value| with(&["mediaRefs"], r);
        let v = refs(json!([
            {"identity": " id:1 ", "index": "3", "name": "  Étude n°1 😀 \u{1}\n", "ext": ".JPG"},
            {"identity": "id_2", "index": 0.9},
            {"identity": "id-3", "index": 50_000, "name": "   ", "ext": "tar.gz-Long-Extension"},
            {"identity": "id4", "index": 0, "name": 0, "ext": 0},
            {"identity": 55, "index": 1, "name": ["a", null, "b"], "ext": {}}
        ]));
        assert_eq!(
            parsed(&v)["mediaRefs"],
            json!([
                {"identity": "id:1", "index": 3, "name": "Étude n°1 😀", "ext": "jpg"},
                {"identity": "id_2", "index": 0, "name": "unknown", "ext": ""},
                {"identity": "id-3", "index": 50_000, "name": "unknown", "ext": "targzlongext"},
                {"identity": "id4", "index": 0, "name": "unknown", "ext": ""},
                {"identity": "55", "index": 1, "name": "a,,b", "ext": "objectobject"}
            ])
        );
        assert_eq!(check(&v).unwrap().media_refs_count, 5);
        assert_eq!(
            check(&refs(json!([{"identity": "id", "index": 50_001}]))),
            INVALID
        );
        assert_eq!(check(&refs(json!([{"identity": "id"}]))), INVALID);
        assert_eq!(
            check(&refs(json!([{"identity": "id", "index": -1}]))),
            INVALID
        );
        assert_eq!(
            check(&refs(json!([{"identity": "a b", "index": 0}]))),
            INVALID
        );
        assert_eq!(
            check(&refs(json!([{"identity": "k".repeat(129), "index": 0}]))),
            INVALID
        );
        assert!(check(&refs(json!([{"identity": "k".repeat(128), "index": 0}]))).is_ok());
        assert_eq!(check(&refs(json!([{"index": 0}]))), INVALID);
        assert_eq!(check(&refs(json!(["id"]))), INVALID);
        // Absent or not an array: no refs.
        assert_eq!(parsed(&without(&["mediaRefs"]))["mediaRefs"], json!([]));
        assert_eq!(
            parsed(&refs(json!({"identity": "x", "index": 0})))["mediaRefs"],
            json!([])
        );
    }

    #[test]
    fn names_and_texts_are_sanitized() {
        let name = |n: &str| {
            parsed(&with(
                &["mediaRefs"],
                json!([{"identity": "i", "index": 0, "name": n}]),
            ))["mediaRefs"][0]["name"]
                .clone()
        };
        assert_eq!(name("日本語の名前.png"), json!("日本語の名前.png"));
        assert_eq!(name("a\u{0}b\u{1f}c\u{7f}d\u{80}"), json!("abcd\u{80}"));
        assert_eq!(name("\t\n"), json!("unknown"));
        assert_eq!(name(&"é".repeat(200)), json!("é".repeat(160)));
        assert_eq!(
            name(&format!("{}😀", "a".repeat(159))),
            json!("a".repeat(159))
        );
        assert_eq!(
            name(&format!("{}😀", "a".repeat(158))),
            json!(format!("{}😀", "a".repeat(158)))
        );
        let p = parsed(&with(
            &["createdAt"],
            json!(format!(" {} ", "9".repeat(60))),
        ));
        assert_eq!(p["createdAt"], json!("9".repeat(48)));
        let p = parsed(&with(
            &["source"],
            json!({"runtime": "eagle\u{7}".repeat(10), "language": 42}),
        ));
        assert_eq!(
            p["source"],
            json!({"runtime": "eagleeagleeagleeagleeagl", "language": "42"})
        );
        // Quotes and backslashes survive and are escaped once in the text.
        let v = with(
            &["mediaRefs"],
            json!([{"identity": "i", "index": 0, "name": "say \"hi\" \\ o/"}]),
        );
        assert!(check(&v)
            .unwrap()
            .text
            .contains(r#""name":"say \"hi\" \\ o/""#));
        // Non-ASCII stays raw in the text and `size` counts UTF-16 units.
        let v = with(&["createdAt"], json!("😀é"));
        let p = check(&v).unwrap();
        assert!(p.text.contains("\"createdAt\":\"😀é\""));
        assert_eq!(p.size, p.text.encode_utf16().count());
        assert_eq!(p.size + 3, p.text.len());
    }

    #[test]
    fn integrity_check_of_received_text() {
        let p = check(&base()).unwrap();
        assert_eq!(verify_pack_text(&p.text, &p.hash), Ok(()));
        assert_eq!(verify_pack_text(&p.text, &p.hash.to_uppercase()), Ok(()));
        assert_eq!(verify_pack_text(&p.text, &format!(" {} ", p.hash)), Ok(()));
        let tampered = p.text.replace("60", "61");
        assert_eq!(
            verify_pack_text(&tampered, &p.hash),
            Err(Code::SessionPackIntegrityFailed)
        );
        assert_eq!(
            verify_pack_text(&p.text, &"0".repeat(64)),
            Err(Code::SessionPackIntegrityFailed)
        );
        // Not a SHA-256 hex: nothing to check against.
        assert_eq!(verify_pack_text(&tampered, ""), Ok(()));
        assert_eq!(verify_pack_text(&tampered, &p.hash[..63]), Ok(()));
        assert_eq!(
            verify_pack_text(&tampered, &format!("{}g", &p.hash[..63])),
            Ok(())
        );
    }

    #[test]
    fn steps_as_values_match_their_serialization() {
        for kind in [StepKind::Pause, StepKind::Pose] {
            let step = Step {
                kind,
                duration: 30,
                count: 2,
                id: MAX_STEP_ID,
            };
            assert_eq!(step.to_value(), serde_json::to_value(step).unwrap());
        }
    }

    #[test]
    fn shared_helpers() {
        let s = settings();
        assert_eq!(custom_queue(None, &s, NOW), Some(vec![]));
        assert_eq!(custom_queue(Some(&json!({})), &s, NOW), None);
        assert_eq!(
            custom_queue(
                Some(&json!([{"type": "pause", "duration": 2, "count": 0}])),
                &s,
                7
            ),
            Some(vec![Step {
                kind: StepKind::Pause,
                duration: 2,
                count: 1,
                id: 7
            }])
        );
        assert_eq!(media_order_keys(None, &s), Some(vec![]));
        assert_eq!(media_order_keys(Some(&json!("a")), &s), None);
        assert_eq!(
            media_order_keys(Some(&json!([" a "])), &s),
            Some(vec!["a".to_string()])
        );
        assert_eq!(mode(Some(&json!("classic"))), Some("classique"));
        assert_eq!(mode(Some(&json!(["relax"]))), Some("relax"));
        assert_eq!(mode(None), None);
        assert_eq!(memory_type(Some(&json!(true))), None);
        assert_eq!(
            js_text(Some(&json!([1, [2, 3], null, true]))),
            "1,2,3,,true"
        );
        assert_eq!(js_text(Some(&json!(1e21))), "1e+21");
        assert_eq!(js_text(Some(&json!(-0.0))), "");
    }
}
