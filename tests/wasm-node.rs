//! The JS binding through wasm in Node.js (wasm-bindgen-test); scenarios in `wasm_support`.
#![cfg(target_arch = "wasm32")]

mod wasm_support;

use wasm_bindgen_test::wasm_bindgen_test;

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
