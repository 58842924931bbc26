//! The session's field rules of a pack (modes, integers, queue, keys, refs, names).

use super::*;

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
