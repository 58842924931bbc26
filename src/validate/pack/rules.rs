//! The pack's rules, as the deployed relay applies them: JS coercions (`Number(x)`
//! floored, `String(x || "")` trimmed, truthiness), ranges, required fields.

use serde_json::{Map, Value};

use super::canonical::{MediaRef, Pack, Session, Source, Step, StepKind};
use super::{MAX_CREATED_AT, MAX_SOURCE_FIELD, MAX_STEP_ID, SCHEMA, VERSION};
use crate::settings::{fixed, RelaySettings};
use crate::validate::js::{js_int_in, js_lower_case, js_number, js_number_to_string, js_trim};
use crate::validate::text::{is_media_key, normalize_ext, sanitize_text};

pub(super) fn canonical(obj: &Map<String, Value>, s: &RelaySettings, now_ms: u64) -> Option<Pack> {
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
