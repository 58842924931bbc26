//! Transports: the in-memory relay hub (native and wasm) and a deterministic
//! simulated network for tests and benchmarks.

pub mod memory;
pub mod sim;
