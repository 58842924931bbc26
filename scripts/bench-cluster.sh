#!/usr/bin/env bash
# Issue 15: the relay as a cluster of nodes on one Redis, measured by the load tool
# of issue 17 (`online-sync-loadgen`), figures written into BENCHMARKS.md (between
# the cluster markers) and kept as JSON lines in target/bench/cluster.jsonl.
#
#   ./scripts/bench-cluster.sh
#
# What runs, each twice on fresh relays and an emptied Redis (the best kept):
# - fan-out burst, 100 rooms x 10 members x 20 updates (as bench-side-by-side.sh), on
#   1 node without Redis, 1 node with Redis (every client on it: the cluster path with
#   nothing crossing) and 3 nodes with Redis (rooms spread: a room's host on node
#   r % 3, its members on the other two, 90 % of deliveries cross nodes);
# - the Redis hop at low load: one request's round trip (`rtt`) and a spread fan-out
#   (10 rooms x 10 members, one update per 20 ms), on the same three set-ups;
# - failover: 2 nodes, every host on A, its members on B, kill -9 of A, time until
#   every client resumed on B (`failover`), at the default lease (3 s) and at 1 s.
# Redis is this script's own (`redis-server` on a free port, no persistence, in a
# temp dir), stopped at exit with every relay.
# BENCH_SCALE=0 skips the failover of 1,000 rooms x 10.
set -euo pipefail
cd "$(dirname "$0")/.."

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
export PATH="$HOME/.cargo/bin:$PATH"
for tool in redis-server redis-cli jq python3; do
  command -v "$tool" >/dev/null || { echo "bench-cluster: $tool is needed" >&2; exit 1; }
done

cargo build --release --bin online-sync-relay --bin online-sync-loadgen
RELAY=target/release/online-sync-relay
LG=target/release/online-sync-loadgen
OUT=target/bench
mkdir -p "$OUT"
RESULTS="$OUT/cluster.jsonl"
: >"$RESULTS"
SCALE=${BENCH_SCALE:-1}

# The same limits as bench-side-by-side.sh: room for the load on every node.
export POSECHRONO_SYNC_MAX_CONNECTIONS=100000
export POSECHRONO_SYNC_MAX_ROOMS=100000
export POSECHRONO_SYNC_RATE_MAX_MESSAGES=100000
export POSECHRONO_SYNC_STATE_RATE_MAX_MESSAGES=100000
export RUST_LOG=online_sync=warn

TMP=$(mktemp -d)
REDIS_PID=
PIDS=()
cleanup() {
  for p in "${PIDS[@]}" $REDIS_PID; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}" $REDIS_PID; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
  for _ in $(seq 1 400); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listened on $1" >&2
  return 1
}

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" \
  --logfile "$TMP/redis.log" &
REDIS_PID=$!
wait_port "$REDIS_PORT"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

PORT=$((20000 + RANDOM % 20000))
ADDRS=

# start plain|cluster N: N fresh relays (plain: one, without Redis) on fresh ports,
# Redis emptied first; sets PIDS and ADDRS (comma-separated, in node order).
start() {
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  PIDS=()
  ADDRS=
  local n=$2 i
  for i in $(seq 1 "$n"); do
    PORT=$((PORT + 1))
    if [ "$1" = plain ]; then
      "$RELAY" --host 127.0.0.1 --port "$PORT" 2>>"$OUT/cluster-relay.log" >/dev/null &
    else
      "$RELAY" --host 127.0.0.1 --port "$PORT" --redis-url "$REDIS_URL" --node-id "bench-$PORT" \
        2>>"$OUT/cluster-relay.log" >/dev/null &
    fi
    PIDS+=($!)
    ADDRS="${ADDRS:+$ADDRS,}127.0.0.1:$PORT"
  done
  for a in ${ADDRS//,/ }; do wait_port "${a##*:}"; done
}

stop() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  sleep 1
}

keep() { # keep <setup> <label> <run>: tags the JSON line on stdin into RESULTS
  jq -c --arg setup "$1" --arg lbl "$2" --argjson run "$3" '. + {"setup": $setup, "label": $lbl, "run": $run}' >>"$RESULTS"
}

# measure <plain|cluster> <nodes> <setup> <label> <loadgen args...>: two runs, fresh relays each.
measure() {
  local kind=$1 n=$2 setup=$3 label=$4
  shift 4
  for run in 1 2; do
    start "$kind" "$n"
    local pids redis=()
    pids=$(IFS=,; echo "${PIDS[*]}")
    if [ "$kind" = cluster ]; then redis=(--redis-pid "$REDIS_PID"); fi
    if line=$("$LG" "$1" --addr "$ADDRS" --pid "$pids" "${redis[@]}" "${@:2}"); then
      echo "$line" | keep "$setup" "$label" "$run"
    else
      echo "{\"setup\":\"$setup\",\"label\":\"$label\",\"run\":$run,\"error\":true}" >>"$RESULTS"
    fi
    stop
  done
}

for s in "plain 1 plain" "cluster 1 cluster-1" "cluster 3 cluster-3"; do
  read -r kind n setup <<<"$s"
  measure "$kind" "$n" "$setup" fanout-burst-100x10 fanout --rooms 100 --members 10 --updates 20 --burst
  measure "$kind" "$n" "$setup" rtt rtt --rooms 10 --requests 200 --interval-ms 20
  measure "$kind" "$n" "$setup" fanout-spread-10x10 fanout --rooms 10 --members 10 --updates 100 --interval-ms 20
done

# failover <rooms> <lease ms>: two runs, each on an emptied Redis and two fresh nodes.
failover() {
  for run in 1 2; do
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    PORT=$((PORT + 2))
    "$LG" failover --relay-bin "$RELAY" --redis-url "$REDIS_URL" --port "$PORT" \
      --rooms "$1" --members 10 --lease-ms "$2" |
      keep cluster-2 "failover-$1x10-lease-$2" "$run" || true
    sleep 1
  done
}
failover 100 3000
failover 100 1000
if [ "$SCALE" != 0 ] && [ 10200 -le "$NOFILE" ]; then
  failover 1000 3000
else
  echo "failover of 1,000 rooms x 10 skipped (BENCH_SCALE=0 or ulimit -n $NOFILE)"
fi

python3 scripts/bench-cluster-report.py "$RESULTS" BENCHMARKS.md "$NOFILE"
echo "figures written to BENCHMARKS.md (raw runs: $RESULTS)"
