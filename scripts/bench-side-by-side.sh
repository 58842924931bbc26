#!/usr/bin/env bash
# Issue 17: our relay next to the deployed Node relay, every scenario of
# `online-sync-loadgen` on a fresh relay per run, best of two, figures written into
# BENCHMARKS.md (between the side-by-side markers) and kept as JSON lines.
#
#   NODE_RELAY_DIR=/path/to/posechrono ./scripts/bench-side-by-side.sh
#
# NODE_RELAY_DIR: a local checkout of the deployed relay (PoseChrono, with
# `scripts/sync-relay-server.js` and `node_modules/ws`). Its licence does not allow
# redistribution, so nothing of it is in this project; without it the Node columns
# are skipped and the script says so.
# BENCH_SCALE=0 skips the large runs (1,000 rooms x 10, 10k/20k idle sockets, restart).
set -euo pipefail
cd "$(dirname "$0")/.."

# As many descriptors as the hard limit allows (relay and load tool inherit it).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release --bin online-sync-relay --bin online-sync-loadgen
RELAY=target/release/online-sync-relay
LG=target/release/online-sync-loadgen
OUT=target/bench
mkdir -p "$OUT"
RESULTS="$OUT/side-by-side.jsonl"
: >"$RESULTS"
SCALE=${BENCH_SCALE:-1}

NODE_DIR=${NODE_RELAY_DIR:-}
NODE_OK=0
if [ -n "$NODE_DIR" ] && [ -f "$NODE_DIR/scripts/sync-relay-server.js" ] && [ -d "$NODE_DIR/node_modules/ws" ] && command -v node >/dev/null; then
  NODE_OK=1
else
  echo "NOTE: NODE_RELAY_DIR not set or not a checkout of the deployed relay (scripts/sync-relay-server.js + node_modules/ws):"
  echo "      the comparison with the Node relay is SKIPPED; only our relay is measured."
fi

# The same limits for both relays (the same POSECHRONO_SYNC_* names): room for the load.
export POSECHRONO_SYNC_MAX_CONNECTIONS=100000
export POSECHRONO_SYNC_MAX_ROOMS=100000
export POSECHRONO_SYNC_RATE_MAX_MESSAGES=100000
export POSECHRONO_SYNC_STATE_RATE_MAX_MESSAGES=100000
export RUST_LOG=online_sync=warn

PORT=$((20000 + RANDOM % 20000))
PID=
DATA=

wait_port() {
  for _ in $(seq 1 400); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "relay did not listen on $PORT" >&2
  return 1
}

# start ours|ours-data|node: a fresh relay on a fresh port; sets PID.
start() {
  PORT=$((PORT + 1))
  case "$1" in
    ours) "$RELAY" --host 127.0.0.1 --port "$PORT" 2>>"$OUT/relay.log" >/dev/null & PID=$! ;;
    ours-data)
      DATA=$(mktemp -d "$OUT/data.XXXXXX")
      "$RELAY" --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" 2>>"$OUT/relay.log" >/dev/null &
      PID=$!
      ;;
    node) node "$NODE_DIR/scripts/sync-relay-server.js" --host 127.0.0.1 --port "$PORT" >>"$OUT/node.log" 2>&1 & PID=$! ;;
  esac
  wait_port
}

stop() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  if [ -n "$DATA" ]; then rm -rf "$DATA"; DATA=; fi
  sleep 1
}

# measure <relay> <label> <loadgen args...>: two runs, each on a fresh relay; both kept.
measure() {
  local relay=$1 label=$2
  shift 2
  if [ "$relay" = node ] && [ "$NODE_OK" = 0 ]; then return 0; fi
  for run in 1 2; do
    start "$relay"
    if line=$("$LG" "$1" --addr "127.0.0.1:$PORT" --pid "$PID" "${@:2}"); then
      echo "$line" | jq -c --arg relay "$relay" --arg lbl "$label" --argjson run "$run" '. + {"relay": $relay, "label": $lbl, "run": $run}' >>"$RESULTS"
    else
      echo "{\"relay\":\"$relay\",\"label\":\"$label\",\"run\":$run,\"error\":true}" >>"$RESULTS"
    fi
    stop
  done
}

for relay in ours ours-data node; do
  measure "$relay" "fanout-burst-100x10" fanout --rooms 100 --members 10 --updates 20 --burst
done
for relay in ours node; do
  measure "$relay" "fanout-spread-100x10" fanout --rooms 100 --members 10 --updates 20 --interval-ms 50
  measure "$relay" "upload" upload --rooms 50 --members 10 --updates 100 --interval-ms 50 --inflight 4
  measure "$relay" "idle-1000" idle --sockets 1000
done
FRAME=$(jq -r 'select(.label=="fanout-burst-100x10" and .relay=="ours") | .frame_bytes' "$RESULTS" | head -1)
for run in 1 2; do
  "$LG" floor --sockets 1000 --rounds 20 --frame-bytes "${FRAME:-300}" | jq -c --argjson run "$run" '. + {"relay": "none", "label": "floor", "run": $run}' >>"$RESULTS"
done

if [ "$SCALE" != 0 ]; then
  # A socket costs a descriptor on each side: leave headroom below the limit.
  # 20,000 where the limit allows, else as close as it allows (each side needs a
  # descriptor per socket plus a few of its own).
  BIG=20000
  if [ $((BIG + 200)) -gt "$NOFILE" ]; then BIG=$(((NOFILE - 200) / 100 * 100)); fi
  for n in 10000 "$BIG"; do
    if [ "$n" -gt 10000 ] || [ $((n + 200)) -le "$NOFILE" ]; then
      for relay in ours node; do measure "$relay" "idle-$n" idle --sockets "$n"; done
    else
      echo "idle-$n skipped: ulimit -n is $NOFILE"
    fi
  done
  if [ 10200 -le "$NOFILE" ]; then
    for relay in ours ours-data node; do
      measure "$relay" "fanout-burst-1000x10" fanout --rooms 1000 --members 10 --updates 20 --burst
    done
    for run in 1 2; do
      DATA=$(mktemp -d "$OUT/data.XXXXXX")
      "$LG" restart --relay-bin "$RELAY" --data-dir "$DATA" --port $((PORT + 500 + run)) --rooms 1000 --members 10 |
        jq -c --argjson run "$run" '. + {"relay": "ours-data", "label": "restart-1000x10", "run": $run}' >>"$RESULTS" || true
      rm -rf "$DATA"
      DATA=
    done
  else
    echo "1,000 rooms x 10 skipped: ulimit -n is $NOFILE"
  fi
fi

python3 scripts/bench-report.py "$RESULTS" BENCHMARKS.md "$NOFILE" "$NODE_OK"
echo "figures written to BENCHMARKS.md (raw runs: $RESULTS)"
