#!/usr/bin/env bash
# The attack table of BENCHMARKS.md ("Relay under hostile clients"): builds the
# relay (release), runs scripts/attack-bench.mjs against it and, when
# NODE_RELAY_DIR points at a checkout of the deployed Node relay (with
# node_modules/ws installed), against that relay the same way.
#
#   NODE_RELAY_DIR=/path/to/PoseChrono ./scripts/attack-bench.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$here" && cargo build --release --bin online-sync-relay >&2)
if [[ -z "${NODE_RELAY_DIR:-}" ]]; then
  echo "NODE_RELAY_DIR is not set: the deployed Node relay comparison is SKIPPED" >&2
fi
exec node "$here/scripts/attack-bench.mjs" "$here/target/release/online-sync-relay" ${NODE_RELAY_DIR:+"$NODE_RELAY_DIR"}
