//! The deployed clients' identity of a media file that has none.

/// The deployed clients' media identity of a file without one:
/// `"k:" + base36(h1) + base36(h2)` over the UTF-16 units of
/// `"<lowercased name>|<ext>"`, `h1` FNV-1a 32-bit and `h2` djb2 (5381, `h*33+c`),
/// both mod 2^32.
///
/// `None` when `name` or `ext` is empty: the caller then uses `"id:<id>"`.
pub fn media_identity(name: &str, ext: &str) -> Option<String> {
    if name.is_empty() || ext.is_empty() {
        return None;
    }
    let key = format!("{}|{}", crate::validate::js::js_lower_case(name), ext);
    let (mut h1, mut h2) = (2_166_136_261_u32, 5381_u32);
    for c in key.encode_utf16() {
        h1 = (h1 ^ u32::from(c)).wrapping_mul(16_777_619);
        h2 = h2.wrapping_mul(33).wrapping_add(u32::from(c));
    }
    Some(format!("k:{}{}", base36(h1), base36(h2)))
}

/// `n.toString(36)` in JavaScript, for an unsigned 32-bit `n`.
fn base36(mut n: u32) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(7);
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::text::is_media_key;

    #[test]
    fn media_identity_matches_the_js_clients() {
        // Expected values printed by node v20 running:
        //   function mediaIdentity(name, ext) {
        //     if (!name || !ext) return null;
        //     const s = String(name).toLowerCase() + "|" + ext;
        //     let h1 = 2166136261, h2 = 5381;
        //     for (let i = 0; i < s.length; i++) {
        //       const c = s.charCodeAt(i);
        //       h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
        //       h2 = (Math.imul(h2, 33) + c) >>> 0;
        //     }
        //     return "k:" + h1.toString(36) + h2.toString(36);
        //   }
        assert_eq!(
            media_identity("Pose_01.JPG", "jpg").as_deref(),
            Some("k:niq6ok17eb4js")
        );
        assert_eq!(
            media_identity("Été 😀.png", "png").as_deref(),
            Some("k:66v09m8fwjy4")
        );
        assert_eq!(media_identity("a", "b").as_deref(), Some("k:bgispi3773dw"));
        assert_eq!(
            media_identity("ΣΑΣ.webp", "webp").as_deref(),
            Some("k:6txnp01x6z9vm")
        );
        assert_eq!(media_identity("", "png"), None);
        assert_eq!(media_identity("a", ""), None);
        assert!(is_media_key(&media_identity("Été 😀.png", "png").unwrap()));
        // (0).toString(36) and (4294967295).toString(36)
        assert_eq!(base36(0), "0");
        assert_eq!(base36(u32::MAX), "1z141z3");
    }
}
