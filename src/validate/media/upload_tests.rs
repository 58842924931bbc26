//! The upload rules, step by step (PROTOCOL.md "Session media"), and the host's
//! publish path.

use super::super::fixtures::*;
use super::super::*;
use super::*;
use crate::error::Code;
use serde_json::{json, Value};

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
    let m = |ext: &str, bytes: &[u8], mime: Value| check(&with(upload(bytes, ext), "mime", mime));
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
fn base64_engine_choice_at_its_edges() {
    // 10 bytes: `==` of canonical padding; 11 bytes: one `=`.
    for (n, padded_tail) in [(10, "=="), (11, "=")] {
        let bytes = png_of(n);
        let padded = to_base64(&bytes);
        assert!(padded.ends_with(padded_tail));
        let body = padded.trim_end_matches('=');
        let file = |s: &str| check(&with(upload(&bytes, "png"), "dataBase64", json!(s)));
        assert_eq!(file(&padded).unwrap().bytes(), &bytes[..]);
        assert_eq!(file(body).unwrap().bytes(), &bytes[..], "unpadded");
        // Padding that does not complete the group, or one `=` too many.
        for bad in [format!("{body}="), format!("{padded}=")] {
            if bad != padded {
                assert_eq!(file(&bad).unwrap_err(), Code::InvalidSessionMedia, "{bad}");
            }
        }
        // The URL-safe alphabet is refused even where it would decode the same.
        let url_safe = padded.replace('+', "-").replace('/', "_");
        if url_safe != padded {
            assert_eq!(file(&url_safe).unwrap_err(), Code::InvalidSessionMedia);
        }
    }
    // `QQ=` (partial padding) and `QR==` (trailing bits) for one byte.
    let one = |s: &str| decode_base64(Some(&json!(s)), 1);
    assert_eq!(one("QQ=="), Ok(vec![b'A']));
    assert_eq!(one("QQ"), Ok(vec![b'A']));
    for bad in ["QQ=", "QR==", "QR", "Q", "QQ===", "Q=Q="] {
        assert_eq!(one(bad), Err(Code::InvalidSessionMedia), "{bad}");
    }
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
