#!/usr/bin/env bash
# Runs the deployed PoseChrono relay's own security suite
# (scripts/verify-sync-security.js of a local checkout) against our relay binary.
#
# The suite spawns `node sync-relay-server.js --host H --port P` next to itself.
# A throwaway directory outside this repository gets a copy of the suite and a
# shim `sync-relay-server.js` that runs our binary with the same arguments and
# environment; nothing of the deployed relay enters this project.
#
#   NODE_RELAY_DIR=/path/to/PoseChrono ./scripts/deployed-security-suite.sh [relay-binary]
#
# Without NODE_RELAY_DIR (or without the suite in it) it says so and exits 0.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "${NODE_RELAY_DIR:-}" || ! -f "${NODE_RELAY_DIR}/scripts/verify-sync-security.js" ]]; then
  echo "SKIPPED: set NODE_RELAY_DIR to a checkout of the deployed relay (with scripts/verify-sync-security.js and node_modules/ws)"
  exit 0
fi
bin="${1:-}"
if [[ -z "$bin" ]]; then
  (cd "$here" && cargo build --release --bin online-sync-relay >&2)
  bin="$here/target/release/online-sync-relay"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
tmp="$(mktemp -d /tmp/deployed-suite.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts"
cp "$NODE_RELAY_DIR/scripts/verify-sync-security.js" "$tmp/scripts/"
ln -s "$NODE_RELAY_DIR/node_modules" "$tmp/node_modules"
cat > "$tmp/scripts/sync-relay-server.js" <<SHIM
// Shim: the suite spawns this file; it runs our relay with the same arguments.
const { spawn } = require("child_process");
const child = spawn(${bin@Q}, process.argv.slice(2), { stdio: "inherit" });
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code === null ? 1 : code));
SHIM
cd "$tmp"
node scripts/verify-sync-security.js
