#!/usr/bin/env bash
# Builds the npm package in pkg/: wasm in the `wasm-release` profile (release,
# opt-level "z") -> wasm-bindgen (--target web) -> wasm-opt -Oz (npm's binaryen)
# -> glue minified (terser) -> pkg/package.json from pkg.json; prints sizes and
# checks the size budget (ONLINE_SYNC_MODULE_BUDGET_BYTES, default 120000): over it,
# a warning, or a failure with --check-budget (scripts/test.sh, so CI).
# Needs what scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
check_budget=0
[[ "${1:-}" == "--check-budget" ]] && check_budget=1

wasm_opt=node_modules/.bin/wasm-opt
for tool in "$wasm_opt" node_modules/.bin/terser; do
  if [[ ! -x "$tool" ]]; then
    echo "build-pkg: $tool is missing; run scripts/setup.sh (or npm ci)" >&2
    exit 1
  fi
done

cargo build --profile wasm-release --target wasm32-unknown-unknown --lib
rm -rf pkg
wasm-bindgen --target web --out-dir pkg --out-name online_sync \
  target/wasm32-unknown-unknown/wasm-release/online_sync.wasm
# --low-memory-unused: the module's stack comes first in memory (rustc's layout for
# wasm32), so the low 1 KB is only the far end of a 1 MiB stack; -0.5 KB gzip.
"$wasm_opt" -Oz --converge --strip-producers --low-memory-unused pkg/online_sync_bg.wasm -o pkg/online_sync_bg.wasm

# The JS glue, minified (terser; class names kept for stack traces and `.name`).
# Export and wasm import names are untouched: only local names are mangled.
shopt -s nullglob
for js in pkg/online_sync.js pkg/snippets/*/*.js; do
  node_modules/.bin/terser "$js" --module --compress --mangle --keep-classnames -o "$js"
done

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

# The size budget (issue #3: at most 120 KB gzip, wasm and glue together). CI fails
# over it, so growth is seen when it lands; raise the budget on purpose only.
budget=${ONLINE_SYNC_MODULE_BUDGET_BYTES:-120000}
if (( total > budget )); then
  echo "build-pkg: the module is $total B gzip, over its budget of $budget B (BENCHMARKS.md)" >&2
  if (( check_budget )); then exit 1; fi
else
  echo "within the size budget: $total <= $budget B gzip"
fi
scripts/build-classic.sh  # pkg/online_sync.classic.js: the classic-script build (issue 18)
