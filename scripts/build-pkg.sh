#!/usr/bin/env bash
# Builds the npm package in pkg/ with wasm-pack: `wasm-pack build --target web`
# (cargo profile `wasm`: release at opt-level "z", wasm-bindgen, wasm-opt as [package.metadata.wasm-pack]
# in Cargo.toml says), then pkg/package.json from pkg.json; prints sizes and
# enforces the size guard: the module (wasm + JS glue) at most
# ONLINE_SYNC_MODULE_BUDGET_BYTES gzip (default 262144 = 256 KiB; BENCHMARKS.md).
# The raw cargo output stays in target/wasm32-unknown-unknown/wasm/online_sync.wasm.
# Needs what scripts/setup.sh installs (wasm-pack, wasm-bindgen-cli, npm's binaryen).
set -euo pipefail
cd "$(dirname "$0")/.."
# --check-budget is accepted for older callers: the guard always applies.
[[ "${1:-}" == "--check-budget" ]] && shift

if [[ ! -x node_modules/.bin/wasm-opt ]]; then
  echo "build-pkg: node_modules/.bin/wasm-opt is missing; run scripts/setup.sh (or npm ci)" >&2
  exit 1
fi
# npm's binaryen first on PATH, so wasm-pack finds wasm-opt and downloads nothing
# (Debian's binaryen is too old for what rustc emits; /work/shared/TOOLCHAIN.md).
export PATH="$PWD/node_modules/.bin:$PATH"

wasm-pack build --target web --profile wasm --out-dir pkg --out-name online_sync

# pkg.json is the manifest; its version must be the crate's.
node --input-type=module -e '
import { readFileSync, writeFileSync, existsSync } from "node:fs";
const manifest = JSON.parse(readFileSync("pkg.json", "utf8"));
const crate = readFileSync("Cargo.toml", "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
if (manifest.version !== crate) {
  console.error(`build-pkg: pkg.json version ${manifest.version} != Cargo.toml version ${crate}`);
  process.exit(1);
}
const generated = existsSync("pkg/package.json")
  ? JSON.parse(readFileSync("pkg/package.json", "utf8"))
  : {};
writeFileSync("pkg/package.json", JSON.stringify({ ...generated, ...manifest }, null, 2) + "\n");
'

size() { stat -c %s "$1"; }
gz() { gzip -9c "$1" | wc -c; }
wasm=pkg/online_sync_bg.wasm
js=pkg/online_sync.js
total=$(( $(gz "$wasm") + $(gz "$js") ))
printf '%-28s %10s %10s\n' file raw gzip
printf '%-28s %10d %10d\n' "$wasm" "$(size "$wasm")" "$(gz "$wasm")"
printf '%-28s %10d %10d\n' "$js" "$(size "$js")" "$(gz "$js")"
printf '%-28s %10s %10d\n' "wasm + js" "" "$total"

# The size guard (issue 9): not a design target, a ceiling that catches accidents.
budget=${ONLINE_SYNC_MODULE_BUDGET_BYTES:-262144}
if (( total > budget )); then
  echo "build-pkg: the module is $total B gzip, over its guard of $budget B (BENCHMARKS.md)" >&2
  exit 1
fi
echo "within the size guard: $total <= $budget B gzip"
scripts/build-classic.sh  # pkg/online_sync.classic.js: the classic-script build (issue 18)
