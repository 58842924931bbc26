//! Files and helpers the media tests share.

use super::*;
use crate::error::Code;
use serde_json::{json, Value};

pub(super) const JPG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'];
pub(super) const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
pub(super) const WEBP: &[u8] = b"RIFF\x04\x00\x00\x00WEBPVP8 ";
pub(super) const MP4: &[u8] = b"\x00\x00\x00\x18ftypisom";
pub(super) const WEBM: &[u8] = &[0x1a, 0x45, 0xdf, 0xa3, 0x9f];

pub(super) fn upload(bytes: &[u8], ext: &str) -> Value {
    json!({
        "identity": "k:abc",
        "name": "Pose 01",
        "ext": ext,
        "mime": "",
        "size": bytes.len(),
        "dataBase64": to_base64(bytes),
    })
}

pub(super) fn with(mut file: Value, key: &str, value: Value) -> Value {
    file[key] = value;
    file
}

pub(super) fn without(mut file: Value, key: &str) -> Value {
    file.as_object_mut().unwrap().remove(key);
    file
}

pub(super) fn check(file: &Value) -> Result<MediaFile, Code> {
    validate_upload(Some(file), &MediaLimits::default())
}

pub(super) fn err(file: &Value) -> Code {
    check(file).unwrap_err()
}

/// A valid png of exactly `n` bytes (n >= 8).
pub(super) fn png_of(n: usize) -> Vec<u8> {
    let mut v = PNG.to_vec();
    v.resize(n, 7);
    v
}
