//! The JS binding through wasm in headless Chromium (wasm-bindgen-test with
//! chromedriver); the scenarios of `wasm-node.rs`, plus a browser-only check that
//! downloaded media decode as images.
#![cfg(target_arch = "wasm32")]

mod wasm_support;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn states_and_host_leave() {
    wasm_support::states_and_host_leave().await;
}

#[wasm_bindgen_test]
async fn pack_and_media_round_trip() {
    wasm_support::pack_and_media_round_trip().await;
}

#[wasm_bindgen_test]
async fn bad_arguments() {
    wasm_support::bad_arguments().await;
}

#[wasm_bindgen_test]
async fn transport_unavailable() {
    wasm_support::transport_unavailable().await;
}

/// `createImageBitmap(new Blob([bytes], {type}))`: the width of the decoded image.
async fn decoded_width(bytes: &[u8], mime: &str) -> f64 {
    let global = js_sys::global();
    let blob_ctor: Function = Reflect::get(&global, &"Blob".into())
        .unwrap()
        .unchecked_into();
    let options = Object::new();
    Reflect::set(&options, &"type".into(), &mime.into()).unwrap();
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = Reflect::construct(&blob_ctor, &Array::of2(&parts, &options)).unwrap();
    let decode: Function = Reflect::get(&global, &"createImageBitmap".into())
        .unwrap()
        .unchecked_into();
    let promise: Promise = decode.call1(&global, &blob).unwrap().unchecked_into();
    let bitmap = JsFuture::from(promise)
        .await
        .expect("the browser decodes the image");
    at(&bitmap, "width").as_f64().unwrap_or(0.0)
}

#[wasm_bindgen_test]
async fn downloaded_media_decode_as_images() {
    let relay = relay();
    let host = client(&relay, "b-host");
    let guest = client(&relay, "b-guest");
    session(&relay, &host, &guest).await;
    ok(host.publish_session_media_file(media("k:0", "png", PNG))).await;
    ok(host.publish_session_media_file(media("k:1", "jpeg", &jpeg()))).await;
    for (identity, mime) in [("k:0", "image/png"), ("k:1", "image/jpeg")] {
        let file = ok(guest.fetch_session_media_file(JsValue::from_str(identity))).await;
        assert_eq!(text(&file, "mime"), mime);
        let bytes = Uint8Array::new(&at(&file, "bytes")).to_vec();
        assert_eq!(decoded_width(&bytes, mime).await, 1.0, "{identity}");
    }
}
