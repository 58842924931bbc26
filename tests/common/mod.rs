//! Helpers shared by the scenario tests (each test file uses only part of them).
#![allow(dead_code)]

#[path = "../fixtures/mod.rs"]
mod fixtures;
pub mod relay;
