//! online-sync: the online session layer of PoseChrono.
//!
//! A host opens a session, participants join with its code and follow the same
//! images and timer live; the host publishes a session pack and media files
//! through a relay. This crate holds, with no IO:
//! - [`protocol`]: the deployed relay's wire messages, shared by both sides;
//! - [`validate`]: every validator, from raw input to verified types;
//! - [`relay`]: the relay's rooms as a sans-IO state machine;
//! - `store` (native only): the relay's data dir, rooms and media that survive a restart;
//! - [`client`]: the client session state machine;
//! - [`transport`]: the in-memory relay and a deterministic test network;
//! - `wasm` (wasm32 only): the JS module, `SyncClient` and `MockRelay`.
#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod protocol;
pub mod relay;
#[cfg(not(target_arch = "wasm32"))]
pub mod server;
pub mod settings;
#[cfg(not(target_arch = "wasm32"))]
pub mod store;
pub mod transport;
pub mod validate;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Code, SyncError};
pub use settings::{ClientSettings, RelaySettings};
