//! Validators: raw, untrusted input in; verified types or one error code out.
//!
//! Client and relay share every rule here, so they cannot disagree.

pub mod code;
pub mod digest;
pub mod js;
pub mod media;
pub mod number;
pub mod pack;
pub mod state;
pub mod text;

pub use code::SessionCode;
