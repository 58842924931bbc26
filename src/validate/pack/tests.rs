//! The pack's rules and canonical text, through [`validate_pack`].

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
