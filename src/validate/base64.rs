//! Standard base64 (the RFC 4648 alphabet `A-Z a-z 0-9 + /`), written out: the two
//! operations the media validators need, rather than a general-purpose engine in
//! the wasm module. Tests check both against the `base64` crate.

/// The 64 characters, by value.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` in standard base64, padded with `=`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        // The chunk's bytes as the top of a 24-bit group, read 6 bits at a time.
        let group = chunk.iter().enumerate().fold(0u32, |group, (i, b)| {
            group | (u32::from(*b) << (16 - 8 * i))
        });
        for i in 0..4 {
            let c = if i <= chunk.len() {
                ALPHABET[((group >> (18 - 6 * i)) & 63) as usize]
            } else {
                b'='
            };
            out.push(char::from(c));
        }
    }
    out
}

/// The value of one base64 character.
fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes base64 without padding. `None` for a character outside the alphabet,
/// a length of 4k+1, or a last character whose unused low bits are not zero, so
/// that a byte string has exactly one encoding.
pub fn decode_unpadded(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.as_bytes().chunks(4) {
        let mut group = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            group |= sextet(*c)? << (18 - 6 * i);
        }
        // 4 characters give 3 bytes, 3 give 2, 2 give 1; the bits below are unused.
        let len = chunk.len() - 1;
        if group & ((1 << (24 - 8 * len)) - 1) != 0 {
            return None;
        }
        out.extend_from_slice(&group.to_be_bytes()[1..=len]);
    }
    Some(out)
}

// The reference crate is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
    use base64::engine::DecodePaddingMode;
    use base64::{alphabet, Engine as _};

    const UNPADDED: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );

    /// A fixed pseudo-random sequence (xorshift64).
    fn random(seed: u64) -> impl Iterator<Item = u64> {
        std::iter::successors(Some(seed | 1), |x| {
            let x = x ^ x << 13;
            let x = x ^ x >> 7;
            Some(x ^ x << 17)
        })
    }

    #[test]
    fn encodes_as_the_base64_crate() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"ab"), "YWI=");
        for n in 0..=0xffff_u32 {
            let [_, _, a, b] = n.to_be_bytes();
            for bytes in [&[b][..], &[a, b][..]] {
                assert_eq!(encode(bytes), STANDARD.encode(bytes));
            }
        }
        let mut r = random(7);
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len).map(|_| r.next().unwrap() as u8).collect();
            assert_eq!(encode(&bytes), STANDARD.encode(&bytes));
        }
    }

    #[test]
    fn decodes_as_the_base64_crate() {
        let chars = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ *";
        let same = |text: &str| {
            assert_eq!(
                decode_unpadded(text),
                UNPADDED.decode(text).ok(),
                "{text:?}"
            )
        };
        // Every text of up to 3 characters, then longer random ones.
        let mut texts = vec![String::new()];
        for _ in 0..3 {
            texts = texts
                .iter()
                .flat_map(|t| chars.iter().map(move |c| format!("{t}{}", char::from(*c))))
                .collect();
            texts.iter().for_each(|t| same(t));
        }
        let mut r = random(11);
        for _ in 0..20_000 {
            let len = (r.next().unwrap() % 13) as usize;
            let pick = |x: u64| char::from(chars[(x % 64) as usize]);
            let text: String = (0..len).map(|_| pick(r.next().unwrap())).collect();
            same(&text);
        }
        assert_eq!(decode_unpadded("QQ"), Some(b"A".to_vec()));
        assert_eq!(decode_unpadded("QR"), None, "non-zero unused bits");
    }
}
