//! The JS binding through wasm in Node.js (wasm-bindgen-test); scenarios in `wasm_support`.
#![cfg(target_arch = "wasm32")]

mod wasm_support;

wasm_support::scenario_tests!();
