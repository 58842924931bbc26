//! Results: latency percentiles, and the report each scenario prints as one JSON
//! line (for scripts) and a table (for people).

use serde_json::{Map, Value};
use std::time::Duration;

/// Latencies of every delivery, sorted once.
#[derive(Debug, Default)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut all: Vec<Duration>) -> Latencies {
        all.sort_unstable();
        Latencies(all)
    }

    /// The `q`-quantile (0..=1) in ms; 0 when empty.
    pub fn ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let i = ((self.0.len() as f64 - 1.0) * q).round() as usize;
        self.0[i.min(self.0.len() - 1)].as_secs_f64() * 1000.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// One scenario's figures, in the order they were added.
#[derive(Debug)]
pub struct Report {
    name: String,
    fields: Map<String, Value>,
}

impl Report {
    pub fn new(name: &str) -> Report {
        Report {
            name: name.to_string(),
            fields: Map::new(),
        }
    }

    /// Adds a figure.
    pub fn set(&mut self, key: &str, v: impl Into<Value>) -> &mut Report {
        self.fields.insert(key.to_string(), v.into());
        self
    }

    /// Adds a float rounded to 3 decimals.
    pub fn num(&mut self, key: &str, v: f64) -> &mut Report {
        let r = (v * 1000.0).round() / 1000.0;
        self.set(
            key,
            serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number),
        )
    }

    /// Adds the usual percentiles of `lat` as `<prefix>_p50_ms` ... `_max_ms`.
    pub fn latencies(&mut self, prefix: &str, lat: &Latencies) -> &mut Report {
        for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)] {
            self.num(&format!("{prefix}_{name}_ms"), lat.ms(q));
        }
        self
    }

    /// Copies every figure of `self` into `other`, each key prefixed.
    pub fn absorb_into(&mut self, other: &mut Report, prefix: &str) {
        for (k, v) in std::mem::take(&mut self.fields) {
            other.set(&format!("{prefix}_{k}"), v);
        }
    }

    /// Prints the table to stderr and the JSON line to stdout.
    pub fn print(&self) {
        eprintln!("== {} ==", self.name);
        let width = self.fields.keys().map(String::len).max().unwrap_or(0);
        for (k, v) in &self.fields {
            eprintln!("  {k:<width$}  {v}");
        }
        let mut all = Map::new();
        all.insert("scenario".into(), Value::String(self.name.clone()));
        all.extend(self.fields.clone());
        println!("{}", Value::Object(all));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_from_the_sorted_latencies() {
        let l = Latencies::new((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(l.ms(0.0), 1.0);
        assert_eq!(l.ms(0.5), 51.0);
        assert_eq!(l.ms(0.99), 99.0);
        assert_eq!(l.ms(1.0), 100.0);
        assert_eq!(Latencies::default().ms(0.99), 0.0);
    }
}
