#!/usr/bin/env bash
# Builds the served copy of the demo page in OUT (default target/site): www/ with the
# built module in pkg/ (from scripts/build-pkg.sh), the wasm named by its content hash
# and every text/wasm file precompressed (.br, .gz) for the relay's static serving
# (scripts/precompress.mjs, src/server/static_files.rs). www/ itself stays as written.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/site}
if [[ ! -f pkg/online_sync.js ]]; then
  echo "build-site: pkg/ is missing; run scripts/build-pkg.sh first" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
# www/ without a stale www/pkg copy, then the built module.
tar -C www --exclude=./pkg -cf - . | tar -C "$out" -xf -
cp -r pkg "$out/pkg"
node scripts/precompress.mjs "$out"
echo "build-site: $out ready (serve it with --static-dir $out)"
