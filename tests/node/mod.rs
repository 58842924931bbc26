//! Runs a script in real Node.js for the tests that take node as their oracle.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `script` (`node -e`) with `input` on stdin; its stdout. Panics when `node`
/// is not on PATH or the script fails.
pub fn run(script: &str, input: &str) -> String {
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`node` must be on PATH for this test");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("write to node");
    let out = child.wait_with_output().expect("node runs");
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("node prints UTF-8")
}
