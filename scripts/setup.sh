#!/usr/bin/env bash
# Installs what a fresh machine (Rust, node/npm and apt only) lacks to build and
# test the wasm module. Idempotent: each step is skipped when already done.
# See /work/shared/TOOLCHAIN.md for why each tool is installed this way.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup: $*"; }

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock
#    (without --locked: a locked dependency is missing on the registry mirror).
want=$(cargo pkgid wasm-bindgen | sed 's/.*[@#]//')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$want" ]]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# 3. wasm-pack, the build and test entry point (scripts/build-pkg.sh, scripts/test.sh).
wasm_pack_version=0.15.1
if [[ "$(wasm-pack --version 2>/dev/null | awk '{print $2}' || true)" != "$wasm_pack_version" ]]; then
  log "installing wasm-pack $wasm_pack_version"
  cargo install wasm-pack --version "$wasm_pack_version" --locked
fi

# 4. Chromium and its driver, for the browser tests (Debian's; no browser download).
#    SKIP_BROWSER=1 (the demo) skips it.
if [[ -z "${SKIP_BROWSER:-}" ]] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: chromium is missing and this is not root; install chromium chromium-driver" >&2
    exit 1
  fi
  log "installing chromium and chromium-driver"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi

# 5. redis-server (Debian's), for the cluster tests (tests/cluster*.rs start their
#    own on a free port) and the cluster benchmark. Not started here.
#    SKIP_REDIS=1 (the demo, a single relay) skips it.
if [[ -z "${SKIP_REDIS:-}" ]] && ! command -v redis-server >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: redis-server is missing and this is not root; install redis-server" >&2
    exit 1
  fi
  log "installing redis-server"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
fi

# 6. Node tools of package.json: wasm-opt (binaryen, for wasm-pack), playwright-core, typescript.
if ! npm ls --silent >/dev/null 2>&1; then
  log "installing node tools"
  if [[ -f package-lock.json ]]; then npm ci; else npm install; fi
fi
log "ok (wasm-bindgen $want, $(wasm-pack --version), $(chromium --version 2>/dev/null | head -1 || echo 'no chromium'), $(redis-server --version 2>/dev/null | awk '{print $1, $3}' || echo 'no redis-server'), wasm-opt $(node_modules/.bin/wasm-opt --version))"
