//! The WebAssembly client module: `SyncClient` and `MockRelay` for JS.
//!
//! ```js
//! import init, { SyncClient, MockRelay } from "./pkg/online_sync.js";
//! await init();
//! const relay = new MockRelay();
//! const host = SyncClient.mock(relay);
//! const off = host.subscribe((state) => console.log(state.status));
//! const { sessionCode } = await host.hostSession({ sessionName: "Figure" });
//! const guest = SyncClient.mock(relay);
//! await guest.joinSession({ sessionCode, displayName: "Ana" });
//! ```
//!
//! A shell around [`crate::client::ClientCore`], holding no rule of its own:
//! - [`client`]: the `SyncClient` class, one method per core command;
//! - `interop`: every JS <-> Rust conversion (serde-wasm-bindgen), and the
//!   `invalid-argument` checks;
//! - `driver`: pending promises, subscribers, the timer, the pump;
//! - `link`: the transport seen by a client (a trait; it knows no client);
//! - `websocket`: the WebSocket transport of `SyncClient.websocket`, on gloo-net:
//!   one task per connection owns the socket;
//! - [`mock`]: `MockRelay`, the relay core in the page;
//! - `env`: clock, randomness, console, and time as futures (`setTimeout` promises);
//! - `types/*.d.ts`: the hand-written TypeScript declarations, emitted into
//!   `online_sync.d.ts` (the classes' generated typings are skipped).
//!
//! Decisions the design leaves open:
//! - A call whose command has no value of its own (`hostSession`, `joinSession`,
//!   `leaveSession`, `updateSessionMeta`, ...) resolves with the state snapshot.
//! - A failure rejects with an `Error` whose `code` is the relay's or client's code;
//!   a JS argument of the wrong type rejects with `invalid-argument`.
//! - Subscribers get one snapshot per burst of changes, always before the
//!   promises of that burst settle.
//! - `free()` closes the connection and rejects pending calls with
//!   `transport-unavailable`; using the object afterwards throws (wasm-bindgen).

mod cache;
pub mod client;
mod driver;
mod env;
mod interop;
mod link;
pub mod mock;
mod websocket;

pub use client::SyncClient;
pub use mock::MockRelay;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT_STATE: &'static str = include_str!("types/state.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT_API: &'static str = include_str!("types/api.d.ts");

/// The module's allocator: talc, made for wasm32 and smaller in the module than
/// std's dlmalloc (the module is single-threaded: no `atomics`).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
