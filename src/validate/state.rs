//! Shared session state (timer, media, mode): the whitelist the relay keeps from `updateSessionState`.
//!
//! The host publishes its runtime state as a free-form object; the relay keeps only the
//! whitelisted keys of PROTOCOL.md ("Session state"), each coerced and range-checked the way
//! the deployed relay does it.
//!
//! ```
//! use online_sync::validate::state::validate_state;
//! use online_sync::RelaySettings;
//!
//! let raw = serde_json::json!({"isPlaying": true, "timeRemaining": "59.6", "mode": "classic", "x": 1});
//! let state = validate_state(Some(&raw), &RelaySettings::default(), 0).unwrap();
//! assert_eq!(serde_json::Value::Object(state), serde_json::json!({
//!     "isPlaying": true, "timeRemaining": 59, "mode": "classique",
//! }));
//! ```

use serde_json::{Map, Value};

use super::js::js_json_len;
use super::pack::{
    custom_queue, lower_trim, media_order_keys, memory_type, mode, text_or, uint_in,
};
use crate::error::Code;
use crate::settings::{fixed, RelaySettings};

/// Validates the `payload` of an `updateSessionState` request and keeps its whitelisted keys.
///
/// `null` or a missing payload gives an empty state. Integer fields take any value whose
/// `Number(x)` is finite, floored, then range-checked; text fields are sanitized; enums are
/// trimmed and lowercased. Unknown keys are dropped silently. Where the spec is silent this
/// follows the deployed relay:
/// - a strict boolean key holding anything but `true`/`false` (even `null`, `0` or `"true"`)
///   rejects the state rather than being dropped;
/// - a `null` value is not skipped: it is `Number(null) = 0` for integers (so
///   `"timeRemaining": null` is 0, `"selectedDuration": null` is invalid), `""` for text and
///   invalid for enums, booleans, `customQueue` and `mediaOrderKeys`;
/// - `customQueue` and `mediaOrderKeys` must be arrays here (the pack is lenient); their
///   derived `customQueueLength` / `mediaOrderCount` always override a value sent alongside
///   (the deployed relay's result depends on key order, which a JSON object does not promise);
/// - steps without an `id` get `now_ms + index`, as in the pack.
///
/// Every integer is emitted as a JSON integer.
///
/// # Errors
/// `session-state-too-large` when `JSON.stringify(payload).length` is over `s.max_state_bytes`
/// (checked before anything else but the type); `invalid-session-state` when the payload is not
/// an object, has more than 64 keys, or any whitelisted key fails its check.
pub fn validate_state(
    payload: Option<&Value>,
    s: &RelaySettings,
    now_ms: u64,
) -> Result<Map<String, Value>, Code> {
    let obj = match payload {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(raw @ Value::Object(obj)) => {
            if js_json_len(raw) > s.max_state_bytes {
                return Err(Code::SessionStateTooLarge);
            }
            obj
        }
        Some(_) => return Err(Code::InvalidSessionState),
    };
    if obj.len() > fixed::MAX_STATE_KEYS {
        return Err(Code::InvalidSessionState);
    }
    let secs = s.max_session_seconds as f64;
    let keys = s.max_media_order_keys as f64;
    let index = s.max_index as f64;
    let poses = fixed::MAX_POSES as f64;
    let ts = s.max_timestamp as f64;

    let mut out = Map::new();
    let mut queue_len = None;
    let mut order_len = None;
    for (key, value) in obj {
        let v = Some(value);
        let int = |min: f64, max: f64| uint_in(v, min, max).map(Value::from);
        let kept = match key.as_str() {
            "reason" => Some(Value::from(text_or(v, s.max_reason, ""))),
            "currentMediaKey" => Some(Value::from(text_or(v, fixed::MAX_CURRENT_MEDIA_KEY, ""))),
            "mode" => mode(v).map(Value::from),
            "memoryType" => memory_type(v).map(Value::from),
            "requestType" => match lower_trim(v).as_str() {
                "pause" => Some(Value::from("pause")),
                "play" => Some(Value::from("play")),
                _ => None,
            },
            "sessionActive"
            | "reviewActive"
            | "isPlaying"
            | "memoryNoPressure"
            | "memoryHidden"
            | "mediaOrderTruncated"
            | "mediaOrderSkipped" => value.as_bool().map(Value::from),
            "selectedDuration" => int(1.0, secs),
            "timeRemaining" | "memoryDuration" | "memoryDrawingTime" | "totalSessionTime" => {
                int(0.0, secs)
            }
            "currentIndex" | "currentStepIndex" | "revision" => int(0.0, index),
            "currentPoseInStep" | "memoryPosesCount" => int(1.0, poses),
            "imagesCount" | "customQueueLength" | "mediaOrderCount" => int(0.0, keys),
            "ts" | "updatedAt" => int(0.0, ts),
            "customQueue" => custom_queue(v, s, now_ms).map(|steps| {
                queue_len = Some(steps.len());
                // A step always serializes (plain integers and strings).
                serde_json::to_value(&steps).unwrap_or_default()
            }),
            "mediaOrderKeys" => media_order_keys(v, s).map(|k| {
                order_len = Some(k.len());
                Value::from(k)
            }),
            _ => continue,
        };
        let kept = kept.ok_or(Code::InvalidSessionState)?;
        out.insert(key.clone(), kept);
    }
    if let Some(n) = queue_len {
        out.insert("customQueueLength".into(), Value::from(n));
    }
    if let Some(n) = order_len {
        out.insert("mediaOrderCount".into(), Value::from(n));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000_000;

    fn check(v: Value) -> Result<Value, Code> {
        validate_state(Some(&v), &RelaySettings::default(), NOW).map(Value::Object)
    }

    fn one(key: &str, v: Value) -> Result<Value, Code> {
        check(json!({ key: v })).map(|o| o[key].clone())
    }

    const INVALID: Result<Value, Code> = Err(Code::InvalidSessionState);

    #[test]
    fn empty_and_non_objects() {
        let s = RelaySettings::default();
        assert_eq!(validate_state(None, &s, NOW), Ok(Map::new()));
        assert_eq!(validate_state(Some(&json!(null)), &s, NOW), Ok(Map::new()));
        assert_eq!(check(json!({})), Ok(json!({})));
        for v in [
            json!([]),
            json!([{"isPlaying": true}]),
            json!("x"),
            json!(0),
            json!(false),
        ] {
            assert_eq!(check(v.clone()), INVALID, "{v}");
        }
    }

    #[test]
    fn whitelist_drops_unknown_keys() {
        let v = json!({"isPlaying": false, "foo": 1, "sourceClientId": "x", "": 2, "__proto__": {}, "Mode": "relax"});
        assert_eq!(check(v), Ok(json!({"isPlaying": false})));
    }

    #[test]
    fn size_limit_at_the_exact_bound() {
        let s = RelaySettings {
            max_state_bytes: 1024,
            ..Default::default()
        };
        let mut v = json!({"isPlaying": true, "pad": ""});
        let len = js_json_len(&v);
        v["pad"] = json!("é".repeat(1024 - len));
        assert_eq!(js_json_len(&v), 1024);
        assert_eq!(
            validate_state(Some(&v), &s, NOW).map(Value::Object),
            Ok(json!({"isPlaying": true}))
        );
        v["pad"] = json!("é".repeat(1025 - len));
        assert_eq!(
            validate_state(Some(&v), &s, NOW),
            Err(Code::SessionStateTooLarge)
        );
        // Size comes before the key count and the values.
        v["isPlaying"] = json!("yes");
        assert_eq!(
            validate_state(Some(&v), &s, NOW),
            Err(Code::SessionStateTooLarge)
        );
    }

    #[test]
    fn key_count_limit() {
        let mut m = Map::new();
        for i in 0..64 {
            m.insert(format!("k{i}"), json!(i));
        }
        assert_eq!(check(Value::Object(m.clone())), Ok(json!({})));
        m.insert("k64".into(), json!(0));
        assert_eq!(check(Value::Object(m)), INVALID);
    }

    #[test]
    fn strict_booleans() {
        for key in [
            "sessionActive",
            "reviewActive",
            "isPlaying",
            "memoryNoPressure",
            "memoryHidden",
            "mediaOrderTruncated",
            "mediaOrderSkipped",
        ] {
            assert_eq!(one(key, json!(true)), Ok(json!(true)));
            assert_eq!(one(key, json!(false)), Ok(json!(false)));
            for bad in [
                json!(1),
                json!(0),
                json!("true"),
                json!(null),
                json!([]),
                json!({}),
            ] {
                assert_eq!(one(key, bad.clone()), INVALID, "{key} {bad}");
            }
        }
    }

    #[test]
    fn integer_ranges_at_both_edges() {
        let s = RelaySettings::default();
        let secs = s.max_session_seconds;
        let cases: &[(&str, u64, u64)] = &[
            ("selectedDuration", 1, secs),
            ("timeRemaining", 0, secs),
            ("memoryDuration", 0, secs),
            ("memoryDrawingTime", 0, secs),
            ("totalSessionTime", 0, secs),
            ("currentIndex", 0, 200_000),
            ("currentStepIndex", 0, 200_000),
            ("revision", 0, 200_000),
            ("currentPoseInStep", 1, 10_000),
            ("memoryPosesCount", 1, 10_000),
            ("imagesCount", 0, 50_000),
            ("customQueueLength", 0, 50_000),
            ("mediaOrderCount", 0, 50_000),
            ("ts", 0, 4_102_444_800_000),
            ("updatedAt", 0, 4_102_444_800_000),
        ];
        for &(key, min, max) in cases {
            assert_eq!(one(key, json!(min)), Ok(json!(min)), "{key}");
            assert_eq!(one(key, json!(max)), Ok(json!(max)), "{key}");
            assert_eq!(one(key, json!(max as f64 + 0.5)), Ok(json!(max)), "{key}");
            assert_eq!(one(key, json!(max + 1)), INVALID, "{key}");
            assert_eq!(one(key, json!(min as f64 - 0.5)), INVALID, "{key}");
            assert_eq!(one(key, json!("nope")), INVALID, "{key}");
            assert_eq!(one(key, json!({})), INVALID, "{key}");
            assert_eq!(one(key, json!(format!(" {max} "))), Ok(json!(max)), "{key}");
            let out = one(key, json!(min as f64 + 0.7)).unwrap();
            assert!(out.is_u64(), "{key} must be an integer, got {out}");
        }
        assert_eq!(one("timeRemaining", json!(null)), Ok(json!(0)));
        assert_eq!(one("timeRemaining", json!(true)), Ok(json!(1)));
        assert_eq!(one("timeRemaining", json!("")), Ok(json!(0)));
        assert_eq!(one("selectedDuration", json!(null)), INVALID);
        assert_eq!(one("timeRemaining", json!(1e300)), INVALID);
    }

    #[test]
    fn enums_and_texts() {
        assert_eq!(one("mode", json!(" Classic ")), Ok(json!("classique")));
        assert_eq!(one("mode", json!("memory")), Ok(json!("memory")));
        assert_eq!(one("mode", json!("free")), INVALID);
        assert_eq!(one("mode", json!(null)), INVALID);
        assert_eq!(
            one("memoryType", json!("PROGRESSIVE")),
            Ok(json!("progressive"))
        );
        assert_eq!(one("memoryType", json!("")), INVALID);
        assert_eq!(one("requestType", json!(" Play ")), Ok(json!("play")));
        assert_eq!(one("requestType", json!("pause")), Ok(json!("pause")));
        assert_eq!(one("requestType", json!("stop")), INVALID);
        assert_eq!(
            one("reason", json!(" timer-heartbeat\n")),
            Ok(json!("timer-heartbeat"))
        );
        assert_eq!(one("reason", json!(null)), Ok(json!("")));
        assert_eq!(
            one("reason", json!("ré😀".repeat(40))),
            Ok(json!("ré😀".repeat(24)))
        );
        assert_eq!(
            one("reason", json!("r".repeat(97))),
            Ok(json!("r".repeat(96)))
        );
        assert_eq!(
            one(
                "currentMediaKey",
                json!(format!("{}\u{7f}", "k".repeat(130)))
            ),
            Ok(json!("k".repeat(120)))
        );
        assert_eq!(
            one("currentMediaKey", json!("日本\u{0}語")),
            Ok(json!("日本語"))
        );
    }

    #[test]
    fn custom_queue_sets_its_length() {
        let v = json!({
            "customQueue": [
                {"type": "pose", "duration": "30", "count": 3.5},
                {"type": "pause", "duration": 60, "count": 7, "id": 9},
            ],
            "customQueueLength": 99,
        });
        assert_eq!(
            check(v),
            Ok(json!({
                "customQueue": [
                    {"type": "pose", "duration": 30, "count": 3, "id": NOW},
                    {"type": "pause", "duration": 60, "count": 1, "id": 9},
                ],
                "customQueueLength": 2,
            }))
        );
        assert_eq!(
            check(json!({"customQueue": []})),
            Ok(json!({"customQueue": [], "customQueueLength": 0}))
        );
        for bad in [
            json!({}),
            json!(null),
            json!("x"),
            json!([{"type": "pose", "duration": 0, "count": 1}]),
        ] {
            assert_eq!(one("customQueue", bad.clone()), INVALID, "{bad}");
        }
        let steps = |n: usize| json!(vec![json!({"type": "pause", "duration": 86_400}); n]);
        assert_eq!(
            check(json!({"customQueue": steps(600)})).unwrap()["customQueueLength"],
            json!(600)
        );
        assert_eq!(one("customQueue", steps(601)), INVALID);
        let pose = |d: u64, c: u64| json!([{"type": "pose", "duration": d, "count": c}]);
        assert!(one("customQueue", pose(1, 10_000)).is_ok());
        assert_eq!(one("customQueue", pose(86_401, 1)), INVALID);
        assert_eq!(one("customQueue", pose(1, 10_001)), INVALID);
    }

    #[test]
    fn media_order_keys_set_their_count() {
        let long = "a".repeat(128);
        assert_eq!(
            check(json!({"mediaOrderKeys": [" x:1 ", long], "mediaOrderCount": 7})),
            Ok(json!({"mediaOrderKeys": ["x:1", long], "mediaOrderCount": 2}))
        );
        assert_eq!(one("mediaOrderKeys", json!(["a".repeat(129)])), INVALID);
        assert_eq!(one("mediaOrderKeys", json!(["a b"])), INVALID);
        assert_eq!(one("mediaOrderKeys", json!("a")), INVALID);
        assert_eq!(one("mediaOrderKeys", json!(null)), INVALID);
        // Without keys, a sent count is kept as an ordinary integer.
        assert_eq!(
            check(json!({"mediaOrderCount": "12"})),
            Ok(json!({"mediaOrderCount": 12}))
        );
        let s = RelaySettings {
            max_media_order_keys: 2,
            ..Default::default()
        };
        let v = json!({"mediaOrderKeys": ["a", "b"]});
        assert!(validate_state(Some(&v), &s, NOW).is_ok());
        let v = json!({"mediaOrderKeys": ["a", "b", "c"]});
        assert_eq!(
            validate_state(Some(&v), &s, NOW),
            Err(Code::InvalidSessionState)
        );
    }

    #[test]
    fn a_full_runtime_payload() {
        let v = json!({
            "reason": "timer-heartbeat", "sessionActive": true, "isPlaying": true, "mode": "custom",
            "selectedDuration": 60, "timeRemaining": 42.9, "currentIndex": 3, "currentStepIndex": 1,
            "currentPoseInStep": 2, "imagesCount": 10, "totalSessionTime": 600,
            "memoryType": "flash", "memoryNoPressure": false, "currentMediaKey": "img:3",
            "ts": NOW, "sourceClientId": "spoof", "extra": [1, 2]
        });
        let out = check(v).unwrap();
        assert_eq!(out.as_object().unwrap().len(), 15);
        assert_eq!(out["timeRemaining"], json!(42));
        assert_eq!(out["ts"], json!(NOW));
        assert!(out.get("sourceClientId").is_none());
    }
}
