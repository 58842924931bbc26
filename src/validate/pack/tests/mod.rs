//! The pack's canonical text, size limit, schema and integrity, through
//! [`validate_pack`]; the session's field rules are in `session_rules`.

mod session_rules;

use super::rules::js_text;
use super::*;
use serde_json::json;

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
        b["session"]["customQueue"] = json!([{"type": "pose", "duration": 5, "count": 2, "id": 3}]);
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
