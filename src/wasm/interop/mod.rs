//! Every conversion between JS values and the core's Rust types, in both
//! directions, on serde-wasm-bindgen.
//!
//! Out: snapshots and results are `Serialize` values turned into plain JS data
//! with [`Serializer::json_compatible`] (objects for maps and structs, `null`
//! for none), except that byte fields (`serde_bytes`) become `Uint8Array`s.
//!
//! In: every options object is read into a typed `#[derive(Deserialize)]`
//! struct with [`serde_wasm_bindgen::from_value`]. Arguments are checked for
//! their *type* only (a string where a string goes, a `Uint8Array` for bytes);
//! a wrong type, or a missing argument the call cannot do without, is
//! `invalid-argument`. What a value *means* (an empty session code, a bad
//! extension) is the core's to judge. Nothing here panics on input.
//!
//! Option objects of constructors (`SyncClient.mock`, `new MockRelay`) reject
//! unknown keys, so a typo in a limit is an error rather than a silent default;
//! option objects of calls ignore keys they do not use.

mod read;
mod write;

pub(crate) use read::*;
pub(crate) use write::*;
