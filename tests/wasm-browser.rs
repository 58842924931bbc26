//! The JS binding through wasm in headless Chromium (wasm-bindgen-test with
//! chromedriver); the scenarios of `wasm-node.rs`, plus browser-only checks: that
//! downloaded media decode as images, and the failure paths of the WebSocket
//! transport (its session paths run against the relay binary in `tests/browser`).
#![cfg(target_arch = "wasm32")]

mod wasm_support;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use online_sync::wasm::SyncClient;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_support::*;

wasm_bindgen_test_configure!(run_in_browser);

wasm_support::scenario_tests!();

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

/// Nobody listens: the WebSocket transport rejects on the refusal, long before
/// the request timeout, and leaves the client idle with `lastError`.
#[wasm_bindgen_test]
async fn websocket_refused_fails_fast() {
    // Port 2 is closed here and not on Chromium's list of blocked ports.
    let ws = SyncClient::websocket(
        JsValue::from_str("ws://127.0.0.1:2"),
        js(r#"{"requestTimeoutMs": 5000}"#),
    )
    .expect("a ws:// url");
    let start = js_sys::Date::now();
    assert_eq!(
        code(ws.host_session(JsValue::UNDEFINED)).await,
        "transport-unavailable"
    );
    assert_eq!(
        code(ws.join_session(js(r#"{"sessionCode": "ABCD-EFGH"}"#))).await,
        "transport-unavailable"
    );
    let took = js_sys::Date::now() - start;
    assert!(
        took < 2500.0,
        "failed on the refusal, not the timeout: {took} ms"
    );
    let state = ws.get_state();
    assert_eq!(text(&state, "status"), "idle");
    assert_eq!(text(&state, "lastError"), "transport-unavailable");

    // free() while connecting: the pending call rejects, and the socket's late
    // events find nothing to call.
    let ws = SyncClient::websocket(JsValue::from_str("ws://127.0.0.1:2"), JsValue::UNDEFINED)
        .expect("a ws:// url");
    let pending = ws.host_session(JsValue::UNDEFINED);
    drop(ws);
    assert_eq!(code(pending).await, "transport-unavailable");
    sleep(50).await;
}

/// A URL that is not `ws://` or `wss://` with a host throws `invalid-argument`.
#[wasm_bindgen_test]
fn websocket_url_checked_up_front() {
    for url in [
        "http://127.0.0.1:8787",
        "ws://",
        "127.0.0.1:8787",
        "ws://h:1/#x",
        "",
    ] {
        let thrown =
            SyncClient::websocket(JsValue::from_str(url), JsValue::UNDEFINED).expect_err(url);
        assert_eq!(text(&thrown, "code"), "invalid-argument", "{url}");
    }
    for url in ["wss://relay.example/sync", "WS://127.0.0.1:8787/any?path"] {
        SyncClient::websocket(JsValue::from_str(url), JsValue::UNDEFINED).expect(url);
    }
}
