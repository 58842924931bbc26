//! Helpers shared by the scenario tests (each test file uses only part of them).
#![allow(dead_code)]

pub mod relay;
