#!/usr/bin/env bash
# Builds pkg/online_sync.classic.js, the classic-script build that webview shells
# load from file:// (issue 18), and pkg/online_sync.classic.d.ts (the global
# `OnlineSync`), from the same wasm cargo built for pkg/online_sync.js:
#   RAW_WASM -> wasm-bindgen --target no-modules -> wasm-opt -Oz (npm's binaryen)
#   -> scripts/build-classic.mjs (glue wrapped, wasm embedded as base64).
# Prints its size and fails when it is over its budget
# (ONLINE_SYNC_CLASSIC_BUDGET_BYTES gzip, default 393216 = 384 KiB).
#
# usage: scripts/build-classic.sh [RAW_WASM]
#   RAW_WASM: the wasm cargo built, before wasm-bindgen; default: the one
#   `wasm-pack build --profile wasm` leaves in target/wasm32-unknown-unknown/wasm/.
#   Called at the end of scripts/build-pkg.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

raw=${1:-target/wasm32-unknown-unknown/wasm/online_sync.wasm}
if [[ ! -f "$raw" ]]; then
  echo "build-classic: no raw wasm${raw:+ at $raw}; build it first (scripts/build-pkg.sh)" >&2
  exit 1
fi

wasm_opt=node_modules/.bin/wasm-opt
if [[ ! -x "$wasm_opt" ]]; then
  echo "build-classic: $wasm_opt is missing; run scripts/setup.sh (or npm ci)" >&2
  exit 1
fi
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
# The same wasm-opt flags as the ES module's build (Cargo.toml, wasm-pack's profile).
"$wasm_opt" -Oz "$tmp/online_sync_bg.wasm" -o "$tmp/online_sync_bg.wasm"

mkdir -p pkg
out=pkg/online_sync.classic.js
node scripts/build-classic.mjs assemble "$tmp/online_sync.js" "$tmp/online_sync_bg.wasm" "$out"
cp src/wasm/types/classic.d.ts pkg/online_sync.classic.d.ts

# Its own budget (issue 18: at most 384 KiB gzip); the ES module keeps its own.
node scripts/build-classic.mjs check "$out"
