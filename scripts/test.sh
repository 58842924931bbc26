#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo; echo "== $*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings

step "native tests"
cargo test
cargo check --benches --quiet

step "setup (wasm target, wasm-bindgen-cli, chromium, node tools)"
scripts/setup.sh

step "build pkg/"
scripts/build-pkg.sh --check-budget

step "wasm-bindgen-test: node (the lib's wasm tests, wasm-node) and headless Chromium (wasm-browser)"
CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)} \
  cargo test --target wasm32-unknown-unknown --lib --test wasm-node --test wasm-browser

step "JS API on MockRelay (node --test) and smoke"
node --test tests/js/
node tests/js/smoke.mjs

step "the same JS scenarios over WebSocket against the relay binary (TRANSPORT=websocket node --test tests/js/)"
# RELAY_BIN overrides the relay the tests start (default target/debug/online-sync-relay).
if [[ -z "${RELAY_BIN:-}" ]]; then
  cargo build --bin online-sync-relay
fi
# Node 22+ has a global WebSocket; node 20 needs the flag.
if (( $(node -p 'process.versions.node.split(".")[0]') < 22 )); then
  TRANSPORT=websocket node --experimental-websocket --test tests/js/
else
  TRANSPORT=websocket node --test tests/js/
fi

step "end-to-end: the demo page over the real relay in headless Chromium (node --test tests/e2e/)"
# The relay binary the test starts (RELAY_BIN overrides); cargo only rebuilds what changed.
if [[ -z "${RELAY_BIN:-}" ]]; then
  cargo build --bin online-sync-relay
fi
node --test tests/e2e/

step "WebSocket transport in headless Chromium against the relay binary (node --test tests/browser/)"
# RELAY_BIN overrides the relay the tests start (default target/debug/online-sync-relay).
if [[ -z "${RELAY_BIN:-}" ]]; then
  cargo build --bin online-sync-relay
fi
node --test tests/browser/
