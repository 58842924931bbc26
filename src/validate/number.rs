//! Numbers as JavaScript reads and prints them: `Number("1.5e3")` and `String(n)`.
//!
//! Reading is Rust's own `str::parse::<f64>` (correctly rounded, as JS `Number` is),
//! restricted to the decimal literal syntax the two share; printing is the `ryu-js`
//! crate, ECMAScript's `Number::toString`. `tests/number-node.rs` checks both against
//! node.

/// The value of a decimal literal as JS `Number(s)` and Rust's `str::parse::<f64>`
/// read it: an optional sign, digits with an optional point (`1.`, `.5`, `007`), an
/// optional exponent; correctly rounded, ±Infinity past the largest double. `None`
/// for any other text, words such as `inf` and `Infinity` included (JS's
/// `Infinity` is read by the caller, Rust's `inf` and `NaN` are not JS).
pub fn parse_decimal(s: &str) -> Option<f64> {
    let decimal = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if decimal {
        s.parse().ok()
    } else {
        None
    }
}

/// How JavaScript prints a number (`String(n)`, ECMAScript `Number::toString`).
///
/// Shortest round-trip digits, positional from 1e-6 to 1e21 and `d.ddde±x` outside;
/// when two shortest digit strings are equally near, the even one
/// (`String(562949953421312.25)` is `"562949953421312.2"`). Integers above 2^53 print
/// their shortest digits padded with zeros (`String(2**67)` is
/// `"147573952589676410000"`). `-0` is `"0"`; not finite: `NaN`, `Infinity`,
/// `-Infinity`.
pub fn js_number_to_string(n: f64) -> String {
    ryu_js::Buffer::new().format(n).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `str::parse::<f64>`, as the decimal parser must read every decimal literal.
    fn core_parse(s: &str) -> Option<u64> {
        s.parse::<f64>().ok().map(f64::to_bits)
    }

    #[test]
    fn decimal_literals_read_as_core_parses_them() {
        let same = |s: &str| assert_eq!(parse_decimal(s).map(f64::to_bits), core_parse(s), "{s}");
        for s in [
            "0",
            "-0",
            "+0",
            "-0.0",
            "007",
            "1.",
            ".5",
            "-.5",
            "+.5e1",
            "1.e5",
            "1E+05",
            "1e-5",
            "0.1",
            "0.30000000000000004",
            "9007199254740993",
            "18446744073709551616",
            "-99999999999999999999",
            "1e400",
            "-1e400",
            "1e-400",
            "-1e-400",
            "0e99999999999999999999",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "179769313486231580793728971405301e276",
            "7.038531e-26",
            "123456789012345678901234567890e-10",
        ] {
            same(s);
        }
        let long = format!("2.{}e-324", "4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506748337833749395745746349582349588004547823006304451931639376692023040533018309016649504518330621927105947964884918329047990812538690881851208928761423682929670613840521765932672089654152570221396283821971864029601401479080187665914795922378115996254345439195200495530225843461952541279624587138384470140478662860135979377735459626267877440060059465749629625747762198183029290249628082127386273262186400994741360502250064669066251277166252965257274165621305124934785924401384059625748038288180188131084328299290000001");
        same(&long);
        same(&format!("{}e-800", "1".repeat(800)));
        // Random literals: signs, leading zeros, long digit runs, points, exponents.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..200_000 {
            let mut s = String::new();
            s.push_str(["", "-", "+"][next(3) as usize]);
            (0..next(22)).for_each(|_| s.push(char::from(b'0' + next(10) as u8)));
            if next(2) == 0 {
                s.push('.');
                (0..next(22)).for_each(|_| s.push(char::from(b'0' + next(10) as u8)));
            }
            if next(2) == 0 {
                s.push_str(["e", "E", "e+", "e-"][next(4) as usize]);
                let range = [4, 40, 400, 4000][next(4) as usize];
                s.push_str(&next(range).to_string());
            }
            same(&s);
        }
        for bad in [
            "", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1e+-5", "--1", "+-1", "1.2.3",
            "1e5e5", "0x10", "1_0", " 1", "1 ", "١",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
            assert_eq!(core_parse(bad), None, "{bad}");
        }
        // Words: core reads them, JS `Number` does not (and settings drop them anyway).
        for word in ["inf", "-infinity", "NaN"] {
            assert_eq!(parse_decimal(word), None, "{word}");
        }
    }

    /// The previous `String(n)`, on Rust's float formatting: the reference.
    fn rust_formatted(n: f64) -> String {
        if n == 0.0 {
            return "0".into();
        }
        if n.fract() == 0.0 && n.abs() < 1e21 {
            return format!("{}", n as i128);
        }
        if (1e-6..1e21).contains(&n.abs()) {
            return format!("{n}");
        }
        let s = format!("{n:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    }

    #[test]
    fn numbers_print_as_in_javascript() {
        for (n, js) in [
            (0.1, "0.1"),
            (-0.5, "-0.5"),
            (123.456, "123.456"),
            (1e-6, "0.000001"),
            (1.5e-6, "0.0000015"),
            (
                f64::from_bits(1e-6_f64.to_bits() - 1),
                "9.999999999999997e-7",
            ),
            (2.5e-7, "2.5e-7"),
            (1e-7, "1e-7"),
            (5e-324, "5e-324"),
            (-1.2345e-300, "-1.2345e-300"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (4503599627370494.5, "4503599627370494.5"),
            (0.30000000000000004, "0.30000000000000004"),
            // 2^49 + 1/4 is as near to …312.2 as to …312.3: JS takes the even digit
            // (Rust's formatting rounded such ties up).
            (2_f64.powi(49) + 0.25, "562949953421312.2"),
            (-(2_f64.powi(49) + 0.25), "-562949953421312.2"),
            (2_f64.powi(49) + 0.75, "562949953421312.8"),
            (-3.0, "-3"),
            // Integers: all digits up to 2^53, shortest digits and zeros above.
            (9_007_199_254_740_991.0, "9007199254740991"),
            (-9_007_199_254_740_991.0, "-9007199254740991"),
            (9_007_199_254_740_992.0, "9007199254740992"),
            (2_f64.powi(67), "147573952589676410000"),
            (-(2_f64.powi(67)), "-147573952589676410000"),
            (1e20, "100000000000000000000"),
            (123e18, "123000000000000000000"),
            (999_999_999_999_999_900_000.0, "999999999999999900000"),
            (0.0, "0"),
            (-0.0, "0"),
        ] {
            assert_eq!(js_number_to_string(n), js, "{n:e}");
        }
        assert_eq!(js_number_to_string(f64::NAN), "NaN");
        assert_eq!(js_number_to_string(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(js_number_to_string(f64::INFINITY), "Infinity");
    }

    #[test]
    fn only_ties_print_otherwise_than_before() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut ties = 0;
        for i in 0..400_000 {
            // Any bit pattern; quarters near 2^50, where two shortest digit strings
            // can be equally near; values with a few decimals.
            let bits = next();
            let n = match i % 3 {
                0 => f64::from_bits(bits),
                1 => (bits >> 12) as f64 / 4.0,
                _ => {
                    (bits % 1_000_000_000_000) as f64 / [8.0, 100.0, 1e9][(bits >> 62) as usize % 3]
                }
            };
            if !n.is_finite() {
                continue;
            }
            if n.fract() == 0.0 && (9_007_199_254_740_991.0..1e21).contains(&n.abs()) {
                // Integers above 2^53: JS's zeros, not all the digits as before.
                let ours = js_number_to_string(n);
                assert_eq!(parse_decimal(&ours), Some(n), "{ours}");
                continue;
            }
            let (ours, before) = (js_number_to_string(n), rust_formatted(n));
            if ours != before {
                // Same length and place, both read back as `n`, ours has the even last digit.
                ties += 1;
                assert_eq!(ours.len(), before.len(), "{before}");
                assert_eq!(parse_decimal(&ours), Some(n), "{ours}");
                assert_eq!(parse_decimal(&before), Some(n), "{before}");
                let last = |s: &str| {
                    s.trim_end_matches(|c: char| !c.is_ascii_digit())
                        .bytes()
                        .last()
                };
                assert!(
                    last(&ours).is_some_and(|d| d % 2 == 0),
                    "{ours} vs {before}"
                );
            }
        }
        assert!(ties > 1000, "the quarters near 2^50 hold ties: {ties}");
    }
}
