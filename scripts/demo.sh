#!/usr/bin/env bash
# The main job: builds the wasm module and runs the relay serving the demo page.
# Open the printed URL in two browser tabs: host in one, join from the other.
# Installs what a fresh machine lacks (no browser needed). PORT/--port as the relay.
set -euo pipefail
cd "$(dirname "$0")/.."

SKIP_BROWSER=1 SKIP_REDIS=1 scripts/setup.sh
scripts/build-pkg.sh
# The served copy: www/ + pkg/, the wasm named by its hash, files precompressed.
scripts/build-site.sh target/site
cargo build --release --bin online-sync-relay
port=${POSECHRONO_SYNC_RELAY_PORT:-${PORT:-8787}}
echo
echo "Demo page: http://127.0.0.1:${port}/  (open it in two tabs; ?relay=mock for a single-tab demo)"
echo "Stop with Ctrl-C."
# Rooms survive a restart of the demo relay (delete target/demo-data to start afresh).
mkdir -p target/demo-data
exec target/release/online-sync-relay --port "$port" --static-dir target/site --data-dir target/demo-data "$@"
