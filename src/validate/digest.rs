//! SHA-256 in lowercase hex, as the relay and clients exchange it.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes` as 64 lowercase hex characters.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// Whether `s` is 64 lowercase hex characters.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256_hex(&sha256_hex(b"")));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex("abc"));
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Not a pass/fail figure: prints SHA-256 throughput in wasm (BENCHMARKS.md,
    /// "Media transfers"; `wasm-pack test --node -- --nocapture`).
    #[wasm_bindgen_test]
    fn sha256_throughput_is_reported() {
        let data = vec![0x5a_u8; 16 << 20];
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = js_sys::Date::now();
            let h = super::sha256_hex(&data);
            best = best.min(js_sys::Date::now() - t);
            assert_eq!(h.len(), 64);
        }
        let rate = 16.0 / (best.max(1.0) / 1000.0);
        web_sys::console::log_1(&format!("sha256 in wasm, 16 MiB: {rate:.0} MiB/s").into());
    }
}
