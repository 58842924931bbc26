#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo; echo "== $*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings

# First: the native tests need redis-server (the cluster tests start their own).
step "setup (wasm target, wasm-bindgen-cli, wasm-pack, chromium, redis-server, node tools)"
scripts/setup.sh

step "native tests"
cargo test
cargo check --benches --quiet

step "build pkg/ (wasm-pack build --target web; fails over the size guard)"
scripts/build-pkg.sh

# npm's binaryen first on PATH: wasm-pack then downloads nothing.
export PATH="$PWD/node_modules/.bin:$PATH"

# Runs a wasm-pack test command and fails unless it ran at least one wasm test:
# `--chrome` skips the files not configured for a browser and still says
# `ok. 0 passed`. Doc-tests (native) are not counted.
wasm_tests_ran() {
  local log
  log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local ran
  ran=$(awk '/Doc-tests/ { doc = 1 } /Running / { doc = 0 }
             !doc && /^test result: ok\./ { for (i = 1; i <= NF; i++) if ($i ~ /^passed/) n += $(i - 1) }
             END { print n + 0 }' "$log")
  rm -f "$log"
  if (( ran == 0 )); then
    echo "test.sh: '$*' ran no wasm test" >&2
    exit 1
  fi
  echo "== $ran wasm tests passed"
}

step "wasm-pack test --node (the lib's wasm tests, wasm-node)"
wasm_tests_ran wasm-pack test --node

step "wasm-pack test --headless --chrome (wasm-browser, in Debian's Chromium)"
wasm_tests_ran wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)"

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

step "the same JS scenarios across a cluster: 3 relay nodes on one Redis per relay (TRANSPORT=cluster)"
# tests/js/cluster.mjs starts a redis-server of its own per relay and stops it.
if (( $(node -p 'process.versions.node.split(".")[0]') < 22 )); then
  TRANSPORT=cluster node --experimental-websocket --test tests/js/
else
  TRANSPORT=cluster node --test tests/js/
fi

step "the same JS scenarios on the deployed Node relay (TRANSPORT=deployed, needs NODE_RELAY_DIR)"
# The deployed relay is public but may not be redistributed: it is never part of
# this project. With a local checkout (NODE_RELAY_DIR, with node_modules/ws) our
# client runs the scenario suites against it; our extensions' tests are skipped.
if [[ -n "${NODE_RELAY_DIR:-}" && -f "${NODE_RELAY_DIR}/scripts/sync-relay-server.js" ]]; then
  if (( $(node -p 'process.versions.node.split(".")[0]') < 22 )); then
    TRANSPORT=deployed node --experimental-websocket --test tests/js/
  else
    TRANSPORT=deployed node --test tests/js/
  fi
else
  echo "SKIPPED: set NODE_RELAY_DIR to a checkout of the deployed relay (Melancaliah/PoseChrono, with node_modules/ws)"
fi

step "the deployed relay's own security suite against our relay binary (needs NODE_RELAY_DIR)"
# scripts/deployed-security-suite.sh says SKIPPED and exits 0 without a checkout.
scripts/deployed-security-suite.sh "${RELAY_BIN:-target/debug/online-sync-relay}"

step "end-to-end: the demo page over the real relay in headless Chromium (node --test tests/e2e/)"
# The relay binary the test starts (RELAY_BIN overrides); cargo only rebuilds what changed.
if [[ -z "${RELAY_BIN:-}" ]]; then
  cargo build --bin online-sync-relay
fi
# Screenshots of each size (1280x800, 390x844, tablet) are kept in target/e2e-screenshots/.
node --test tests/e2e/

step "WebSocket transport in headless Chromium against the relay binary (node --test tests/browser/)"
# RELAY_BIN overrides the relay the tests start (default target/debug/online-sync-relay).
if [[ -z "${RELAY_BIN:-}" ]]; then
  cargo build --bin online-sync-relay
fi
node --test tests/browser/
