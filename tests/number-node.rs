//! `js_number_to_string` prints every number as JavaScript's `String(n)` does, checked
//! against real Node on numbers of every kind: any bit pattern, integers on both sides
//! of 2^53 and up to 1e21, quarters near 2^50 (where two shortest digit strings can be
//! equally near), decimals, and the edges of the positional range. Fails when `node`
//! is not on PATH.
#![cfg(not(target_arch = "wasm32"))]

mod node;

use online_sync::validate::number::js_number_to_string;

/// Reads one number's bits per line (16 hex digits) on stdin, prints `String(n)` per line.
const NODE_SCRIPT: &str = r#"
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
const view = new DataView(new ArrayBuffer(8));
const out = lines.map((hex) => {
  view.setBigUint64(0, BigInt("0x" + hex));
  return String(view.getFloat64(0));
});
process.stdout.write(out.join("\n"));
"#;

fn node_strings(numbers: &[f64]) -> Vec<String> {
    let input: String = numbers
        .iter()
        .map(|n| format!("{:016x}\n", n.to_bits()))
        .collect();
    let text = node::run(NODE_SCRIPT, &input);
    text.split('\n').map(str::to_string).collect()
}

fn numbers() -> Vec<f64> {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut numbers = vec![
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1e-6,
        1e-7,
        1e21,
        9_007_199_254_740_991.0,
        9_007_199_254_740_992.0,
        9_007_199_254_740_993.0,
        2_f64.powi(67),
        -(2_f64.powi(67)),
        999_999_999_999_999_900_000.0,
        f64::from_bits(1e21_f64.to_bits() - 1),
        f64::from_bits(1e-6_f64.to_bits() - 1),
    ];
    for i in 0..30_000 {
        let bits = next();
        numbers.push(match i % 6 {
            0 => f64::from_bits(bits),
            1 => (bits >> 12) as f64 / 4.0,
            2 => (bits % 1_000_000_000_000) as f64 / [8.0, 100.0, 1e9][(bits >> 62) as usize % 3],
            // Integers from 2^53 to about 1e21 (2^69.8), and below 2^53.
            3 => (bits >> (next() % 12)) as f64 * 64.0,
            4 => (bits >> 11) as f64,
            _ => f64::from_bits(bits) % 1e22,
        });
    }
    numbers
}

#[test]
fn numbers_print_as_node_prints_them() {
    let numbers = numbers();
    let node = node_strings(&numbers);
    assert_eq!(node.len(), numbers.len());
    let mut above_safe = 0;
    for (n, js) in numbers.iter().zip(&node) {
        assert_eq!(&js_number_to_string(*n), js, "bits {:016x}", n.to_bits());
        if n.fract() == 0.0 && (9_007_199_254_740_992.0..1e21).contains(&n.abs()) {
            above_safe += 1;
        }
    }
    assert!(
        above_safe > 1000,
        "integers above 2^53 were checked: {above_safe}"
    );
}
