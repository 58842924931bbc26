//! Rust values out to JS: snapshots, results, errors and media files as plain
//! JS data (module doc of [`super`]).

use crate::client::state::ClientState;
use crate::client::OpValue;
use crate::error::SyncError;
use crate::validate::media::MediaFile;
use js_sys::{Object, Reflect};
use serde::Serialize;
use serde_wasm_bindgen::Serializer;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A Rust value as plain JS data: objects for maps and structs (keys in
/// serialization order), `null` for none, bytes as `Uint8Array`.
///
/// serde-wasm-bindgen refuses an integer past 2^53, which JS cannot hold
/// exactly; such a value (a session state a host published with a large
/// number) goes through its JSON text and `JSON.parse` instead, which reads it
/// as the nearest double, as the deployed client reads the relay's frames.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    // json_compatible() would turn bytes into arrays of numbers.
    let serializer = Serializer::json_compatible().serialize_bytes_as_arrays(false);
    match value.serialize(&serializer) {
        Ok(v) => v,
        Err(e) => match serde_json::to_string(value) {
            Ok(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL),
            Err(_) => {
                crate::wasm::env::report("online-sync: a value could not cross to JS:", &e.into());
                JsValue::NULL
            }
        },
    }
}

/// The state snapshot the host app renders.
pub(crate) fn state(state: &ClientState) -> JsValue {
    to_js(state)
}

/// A JS `Error` with the error's `code` and a readable `message`.
pub(crate) fn error(e: &SyncError) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    let _ = Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(&e.code()),
    );
    err.into()
}

/// A verified media file as JS sees it.
#[derive(Serialize)]
struct MediaFileView<'a> {
    identity: &'a str,
    name: &'a str,
    ext: &'a str,
    mime: &'a str,
    size: usize,
    sha256: &'a str,
    #[serde(with = "serde_bytes")]
    bytes: &'a [u8],
}

/// A verified media file: `{identity, name, ext, mime, size, sha256, bytes}`.
pub(crate) fn media_file(file: &MediaFile) -> JsValue {
    to_js(&MediaFileView {
        identity: file.identity(),
        name: file.name(),
        ext: file.ext(),
        mime: file.mime(),
        size: file.size(),
        sha256: file.sha256(),
        bytes: file.bytes(),
    })
}

/// A fetched, verified pack: `{pack, hash, updatedAt, size}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PackView<'a> {
    /// `JSON.parse` of the text the relay sent, as the deployed client reads it.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pack: JsValue,
    hash: &'a str,
    updated_at: u64,
    size: u64,
}

/// A finished media download: `{files, bytes}`.
#[derive(Serialize)]
struct DownloadedView {
    files: usize,
    bytes: u64,
}

/// The value a finished command resolves with (`None` is handled by the caller).
pub(crate) fn op_value(value: OpValue) -> JsValue {
    match value {
        OpValue::None => JsValue::UNDEFINED,
        OpValue::SessionState(s) => to_js(&s),
        OpValue::PackMeta(m) => to_js(&m),
        OpValue::Pack(p) => to_js(&PackView {
            pack: js_sys::JSON::parse(&p.pack_json).unwrap_or(JsValue::NULL),
            hash: &p.hash,
            updated_at: p.updated_at,
            size: p.size,
        }),
        OpValue::Manifest(m) => to_js(&m),
        OpValue::MediaFile(f) => media_file(&f),
        OpValue::Downloaded { files, bytes } => to_js(&DownloadedView { files, bytes }),
        OpValue::Published {
            uploaded_bytes,
            size,
            sha256,
        } => to_js(&PublishedView {
            uploaded_bytes,
            size,
            sha256: &sha256,
        }),
    }
}

/// What `publishSessionMediaFile` adds to the state it resolves with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishedView<'a> {
    uploaded_bytes: u64,
    size: u64,
    sha256: &'a str,
}

/// `target` with the own properties of `source` copied onto it (`Object.assign`).
pub(crate) fn assign(target: &JsValue, source: &JsValue) -> JsValue {
    match (target.dyn_ref::<Object>(), source.dyn_ref::<Object>()) {
        (Some(t), Some(s)) => Object::assign(t, s).into(),
        _ => target.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use js_sys::Uint8Array;
    use serde_json::{Map, Value};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn get(v: &JsValue, key: &str) -> JsValue {
        Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    #[wasm_bindgen_test]
    fn values_cross_as_plain_objects_with_null_and_uint8array() {
        let file = MediaFileView {
            identity: "k:a",
            name: "a.png",
            ext: "png",
            mime: "image/png",
            size: 3,
            sha256: "00",
            bytes: &[1, 2, 3],
        };
        let js = to_js(&file);
        assert_eq!(
            Object::get_prototype_of(&js),
            Object::get_prototype_of(&Object::new()),
            "a plain object"
        );
        let bytes = get(&js, "bytes")
            .dyn_into::<Uint8Array>()
            .expect("a Uint8Array");
        assert_eq!(bytes.to_vec(), [1, 2, 3]);
        let state: Map<String, Value> =
            serde_json::from_str(r#"{"a":null,"b":{"c":[1,"x"]}}"#).expect("json");
        let js = to_js(&state);
        assert!(get(&js, "a").is_null());
        assert_eq!(
            js_sys::JSON::stringify(&js)
                .ok()
                .and_then(|s| s.as_string())
                .as_deref(),
            Some(r#"{"a":null,"b":{"c":[1,"x"]}}"#)
        );
    }

    #[wasm_bindgen_test]
    fn integers_past_2_pow_53_arrive_as_the_nearest_double() {
        let state: Map<String, Value> =
            serde_json::from_str(r#"{"big":10000000000000001,"n":-18446744073709551}"#)
                .expect("json");
        let js = to_js(&state);
        assert_eq!(get(&js, "big").as_f64(), Some(1e16));
        assert_eq!(get(&js, "n").as_f64(), Some(-18446744073709551.0));
    }
}
