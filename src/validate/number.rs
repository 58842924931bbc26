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

    #[test]
    fn decimal_literals_read_as_js_number_reads_them() {
        // What `Number(s)` gives in JS for each literal.
        for (s, want) in [
            ("0", 0.0),
            ("007", 7.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("-.5", -0.5),
            ("+.5e1", 5.0),
            ("1.e5", 100_000.0),
            ("1E+05", 100_000.0),
            ("1e-5", 0.00001),
            ("0.30000000000000004", 0.30000000000000004),
            ("9007199254740993", 9_007_199_254_740_992.0),
            ("1e400", f64::INFINITY),
            ("-1e400", f64::NEG_INFINITY),
            ("1e-400", 0.0),
            ("0e99999999999999999999", 0.0),
            ("1.7976931348623158e308", f64::MAX),
            ("1.7976931348623159e308", f64::INFINITY),
            ("4.9406564584124654e-324", 5e-324),
            ("2.4703282292062328e-324", 5e-324),
            ("2.4703282292062327e-324", 0.0),
        ] {
            assert_eq!(
                parse_decimal(s).map(f64::to_bits),
                Some(want.to_bits()),
                "{s}"
            );
        }
        assert!(parse_decimal("-0").is_some_and(|z| z == 0.0 && z.is_sign_negative()));
        for bad in [
            "", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1e+-5", "--1", "+-1", "1.2.3",
            "1e5e5", "0x10", "1_0", " 1", "1 ", "١",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        // Words: Rust's `str::parse` reads them, JS `Number` does not (its `Infinity`
        // is read by the caller).
        for word in ["inf", "-infinity", "NaN", "Infinity", "infinity"] {
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
