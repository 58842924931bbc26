#!/usr/bin/env bash
# Builds pkg/online_sync.classic.js, the classic-script build that webview shells
# load from file:// (issue 18), and pkg/online_sync.classic.d.ts (the global
# `OnlineSync`), from the same wasm cargo built for pkg/online_sync.js:
#   RAW_WASM -> wasm-bindgen --target no-modules -> wasm-opt -Oz (npm's binaryen)
#   -> scripts/build-classic.mjs (glue wrapped, wasm embedded as base64)
#   -> terser (a classic script, not a module).
# Prints its size and fails when it is over its budget
# (ONLINE_SYNC_CLASSIC_BUDGET_BYTES gzip, default 393216 = 384 KiB).
#
# usage: scripts/build-classic.sh [RAW_WASM]
#   RAW_WASM: the wasm cargo built, before wasm-bindgen; default: whichever of
#   target/wasm32-unknown-unknown/{wasm-release,release}/online_sync.wasm exists
#   and is newest. Called at the end of scripts/build-pkg.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

raw=${1:-}
if [[ -z "$raw" ]]; then
  for candidate in target/wasm32-unknown-unknown/{wasm-release,release}/online_sync.wasm; do
    if [[ -f "$candidate" && ( -z "$raw" || "$candidate" -nt "$raw" ) ]]; then
      raw=$candidate
    fi
  done
fi
if [[ -z "$raw" || ! -f "$raw" ]]; then
  echo "build-classic: no raw wasm${raw:+ at $raw}; build it first (scripts/build-pkg.sh)" >&2
  exit 1
fi

wasm_opt=node_modules/.bin/wasm-opt
for tool in "$wasm_opt" node_modules/.bin/terser; do
  if [[ ! -x "$tool" ]]; then
    echo "build-classic: $tool is missing; run scripts/setup.sh (or npm ci)" >&2
    exit 1
  fi
done
if ! command -v wasm-bindgen >/dev/null; then
  echo "build-classic: wasm-bindgen is missing; run scripts/setup.sh" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# no-modules cannot carry JS snippets (`pkg/snippets`, from `inline_js` or
# `module = "..."` imports): wasm-bindgen refuses them, and this step fails here.
wasm-bindgen --target no-modules --no-typescript --omit-default-module-path \
  --out-dir "$tmp" --out-name online_sync "$raw"
# The same wasm-opt flags as the ES module's build (scripts/build-pkg.sh).
"$wasm_opt" -Oz --converge --strip-producers --low-memory-unused \
  "$tmp/online_sync_bg.wasm" -o "$tmp/online_sync_bg.wasm"

mkdir -p pkg
out=pkg/online_sync.classic.js
node scripts/build-classic.mjs assemble "$tmp/online_sync.js" "$tmp/online_sync_bg.wasm" "$tmp/classic.js"
node_modules/.bin/terser "$tmp/classic.js" --compress --mangle --keep-classnames -o "$out"
cp src/wasm/types/classic.d.ts pkg/online_sync.classic.d.ts

# Its own budget (issue 18: at most 384 KiB gzip); the ES module keeps its own.
node scripts/build-classic.mjs check "$out"
