#!/usr/bin/env python3
"""Writes the cluster figures (JSON lines of online-sync-loadgen, written by
scripts/bench-cluster.sh) into BENCHMARKS.md, between the cluster markers.

usage: bench-cluster-report.py RESULTS.jsonl BENCHMARKS.md NOFILE
"""
import datetime
import json
import os
import platform
import subprocess
import sys

START = "<!-- cluster:start -->"
END = "<!-- cluster:end -->"
SETUPS = [
    ("plain", "1 node, no Redis"),
    ("cluster-1", "1 node + Redis"),
    ("cluster-3", "3 nodes + Redis"),
]


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def runs_of(runs, label, setup, key):
    return [r for r in runs if r.get("label") == label and r.get("setup") == setup and key in r]


def pick(runs, label, setup, key, best=min):
    """The best of the runs of (label, setup) by `key`, with every run's value."""
    ok = runs_of(runs, label, setup, key)
    if not ok:
        return None, []
    return best(ok, key=lambda r: r[key]), [r[key] for r in ok]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:.2f}" if isinstance(v, float) else f"{v}"


def pcts(r, prefix, names=("p50", "p99")):
    if not r or f"{prefix}_p50_ms" not in r:
        return "n/a"
    return " / ".join(fmt(r.get(f"{prefix}_{n}_ms")) for n in names)


def fanout_rows(runs):
    rows, best = [], {}
    for setup, name in SETUPS:
        b, p99s = pick(runs, "fanout-burst-100x10", setup, "latency_p99_ms")
        if not b:
            continue
        c, _ = pick(runs, "fanout-burst-100x10", setup, "cpu_us_per_delivery")
        relay = c["cpu_us_per_delivery"] if c else None
        redis = c.get("redis_cpu_us_per_delivery") if c else None
        best[setup] = (b["latency_p99_ms"], relay, redis)
        cross = f"{b['cross_share'] * 100:.0f} %" if "cross_share" in b else "0 %"
        rows.append(
            f"| {name} | {cross} | {fmt(b['latency_p50_ms'])} | {fmt(b['latency_p99_ms'])} | "
            f"{fmt(b['latency_max_ms'])} | {b.get('lost')} | {fmt(relay)} | {fmt(redis)} | "
            f"{fmt(c.get('total_cpu_us_per_delivery', relay) if c else None)} | "
            f"{', '.join(fmt(x) for x in p99s)} |"
        )
    return rows, best


def hop_rows(runs):
    rows, cross = [], {}
    for setup, name in SETUPS:
        key = "rtt_cross_p99_ms" if setup == "cluster-3" else "rtt_local_p99_ms"
        rtt, rtt_all = pick(runs, "rtt", setup, key)
        key = "latency_cross_p99_ms" if setup == "cluster-3" else "latency_p99_ms"
        fan, fan_all = pick(runs, "fanout-spread-10x10", setup, key)
        if not rtt and not fan:
            continue
        local_fan = "latency_local" if setup == "cluster-3" else "latency"
        rows.append(
            f"| {name} | {pcts(rtt, 'rtt_local')} | {pcts(rtt, 'rtt_cross')} | "
            f"{pcts(fan, local_fan)} | {pcts(fan, 'latency_cross')} | "
            f"{', '.join(fmt(x) for x in rtt_all)} / {', '.join(fmt(x) for x in fan_all)} |"
        )
        cross[setup] = (rtt, fan)
    return rows, cross


def failover_rows(runs):
    rows = []
    labels = sorted({r["label"] for r in runs if r.get("label", "").startswith("failover-")},
                    key=lambda l: (int(l.split("-")[1].split("x")[0]), -int(l.rsplit("-", 1)[1])))
    for label in labels:
        b, alls = pick(runs, label, "cluster-2", "kill_to_all_resumed_ms")
        if not b:
            continue
        spread = ("min", "p50", "p99", "max")
        failed = b["hosts_failed"] + b["members_failed"] + b["members_other_end"]
        rows.append(
            f"| {b['rooms']:,} x {b['members']} | {b['lease_ms'] / 1000:g} s | "
            f"{pcts(b, 'host_resumed', spread)} | {pcts(b, 'member_closed', spread)} | "
            f"{pcts(b, 'member_resumed', spread)} | {b['hosts_resumed'] + b['members_resumed']} / {failed} | "
            f"{', '.join(fmt(x) for x in alls)} |"
        )
    return rows


def meaning(best, cross):
    one, three = best.get("cluster-1"), best.get("cluster-3")
    plain = best.get("plain")
    out = []
    if one and three and plain:
        out.append(
            f"On this one 2-core machine the load tool, Redis and the relay nodes share the same "
            f"2 cores, so 3 nodes cannot be faster than 1 here: burst p99 {fmt(plain[0])} ms "
            f"on one node without Redis, {fmt(one[0])} ms with Redis, {fmt(three[0])} ms on 3 nodes; "
            f"relay CPU per delivery {fmt(plain[1])}, {fmt(one[1])} and {fmt(three[1])} us (+ Redis "
            f"{fmt(one[2])} and {fmt(three[2])} us). These figures are the price of the cluster path on "
            "the same hardware (a crossing delivery is published to Redis, relayed to the member's "
            "node and written there, so it costs CPU on the owner, on Redis and on the member's "
            "node), not the capacity of 3 machines, which would each bring their own cores."
        )
        if one[1] is not None and plain[1] is not None and one[1] > plain[1]:
            out[-1] += (
                f" Even with nothing crossing, a node with Redis spends {one[1] / plain[1]:.1f} x the "
                "relay CPU per delivery of the relay on its own: it writes every room change to Redis "
                "within ~100 ms (as a relay with a data dir writes to disk), and every message that "
                "names a room passes through its gateway task on the way to its shard."
            )
    rtt = (cross.get("cluster-3") or (None, None))[0]
    if rtt and "rtt_cross_p50_ms" in rtt:
        out.append(
            f"The Redis hop at low load: a request from a member on another node than its room's "
            f"owner took {fmt(rtt['rtt_cross_p50_ms'])} ms at p50 ({fmt(rtt['rtt_cross_p99_ms'])} ms at "
            f"p99) against {fmt(rtt['rtt_local_p50_ms'])} ms ({fmt(rtt['rtt_local_p99_ms'])} ms) on the "
            f"owner, in the same run: about {fmt(rtt['rtt_cross_p50_ms'] - rtt['rtt_local_p50_ms'])} ms "
            "added for its two hops (request to the owner, reply back)."
        )
    fan = (cross.get("cluster-3") or (None, None))[1]
    if out and fan and "latency_cross_p50_ms" in fan:
        out[-1] += (
            f" A session state reached the members on other nodes in {fmt(fan['latency_cross_p50_ms'])} ms "
            f"at p50 ({fmt(fan['latency_cross_p99_ms'])} ms at p99), the host's own copy on the owner in "
            f"{fmt(fan['latency_local_p50_ms'])} ms ({fmt(fan['latency_local_p99_ms'])} ms): one hop, "
            "for 9 copies published at once."
        )
    return out


def failover_sentence(runs):
    b, _ = pick(runs, "failover-100x10-lease-3000", "cluster-2", "kill_to_all_resumed_ms")
    f, _ = pick(runs, "failover-100x10-lease-1000", "cluster-2", "kill_to_all_resumed_ms")
    if not b:
        return []
    text = (
        f"Failover is bounded by the lease: with the default 3 s lease the last of 1,000 clients "
        f"had resumed {fmt(b['kill_to_all_resumed_ms'])} ms after the kill"
    )
    if f:
        text += f", with a 1 s lease {fmt(f['kill_to_all_resumed_ms'])} ms"
    return [text + " (a room moves once the dead owner's lease has expired in Redis)."]


def main():
    results, bench, nofile = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = load(results)
    measured = datetime.datetime.fromtimestamp(os.path.getmtime(results), datetime.timezone.utc)
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    redis = sh("redis-server --version")
    fan, best = fanout_rows(runs)
    hop, cross = hop_rows(runs)
    fail = failover_rows(runs)
    lines = [
        START,
        "## Relay cluster (issue 15)",
        "",
        "Written by `scripts/bench-cluster.sh`: release build; a `redis-server` of the script's own "
        "(no persistence); `online-sync-loadgen` on the same machine; fresh relays and an emptied "
        "Redis for every run, two runs per figure, the best kept (both shown). Same limits raised as "
        "in the side-by-side section. Set-ups: **1 node, no Redis** (the relay on its own); **1 node "
        "+ Redis** (`--redis-url`, every client on that node: the cluster path with nothing "
        "crossing); **3 nodes + Redis** (room r's host on node r % 3, which creates and owns the "
        "room, its 9 members on the two other nodes in turn: 9 of each room's 10 deliveries, 90 %, "
        "cross nodes through Redis; only the host's own copy stays on the owner). CPU is every "
        "node's per-thread run time over the measured phase, summed, over the deliveries received; "
        "Redis's is counted apart.",
        "",
        f"Machine: {sh('nproc')} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"`ulimit -n` {nofile}; {redis}; {sh('rustc --version')}; "
        f"commit `{sh('git rev-parse --short HEAD')}` (with the work tree's changes); "
        f"{measured.strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        "### Fan-out burst: 100 rooms x 10 members x 20 updates",
        "",
        "| set-up | deliveries crossing | p50 ms | p99 ms | max ms | lost | relay CPU us / delivery "
        "| Redis CPU us / delivery | together | runs (p99) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *fan,
        "",
        "### The Redis hop at low load",
        "",
        "Request: one `getRoomSnapshot` at a time per member, 20 ms apart, 10 rooms, 200 each, from "
        "a member on the room's node and (3 nodes) from a member on the next node: two hops. "
        "Broadcast: 10 rooms x 10 members, one session state per room every 20 ms (100 each); on 3 "
        "nodes the host's own copy stays on the owner, the 9 members' copies cross: one hop. "
        "p50 / p99 in ms.",
        "",
        "| set-up | request, same node | request, other node | broadcast, same node "
        "| broadcast, other node | runs (p99: request / broadcast) |",
        "|---|---|---|---|---|---|",
        *hop,
        "",
        "### Failover: kill -9 of the owner node",
        "",
        "Two nodes on one Redis; every room's host on node A (its owner), its 9 members on node B. "
        "After `kill -9` of A, each host reconnects to B and resumes with its token; each member "
        "waits until B closes its socket with 1012 `room-moved` (B sees A's heartbeat gone), then "
        "resumes on B; both retry on any error. Times from the kill, ms, min / p50 / p99 / max.",
        "",
        "| rooms x members | lease | hosts resumed | members closed (1012) | members resumed "
        "| resumed / failed | runs (last resumed, ms) |",
        "|---|---|---|---|---|---|---|",
        *fail,
        "",
        *[p + "\n" for p in meaning(best, cross) + failover_sentence(runs)],
        END,
    ]
    text = open(bench).read()
    block = "\n".join(lines) + "\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block.rstrip("\n") + tail
    else:
        marker = "<!-- side-by-side:end -->"
        if marker in text:
            text = text.replace(marker, marker + "\n\n" + block.rstrip("\n"), 1)
        else:
            text = text + "\n" + block
    open(bench, "w").write(text)


if __name__ == "__main__":
    main()
