#!/usr/bin/env python3
"""Writes the side-by-side figures (JSON lines of online-sync-loadgen, written by
scripts/bench-side-by-side.sh) into BENCHMARKS.md, between the side-by-side markers.

usage: bench-report.py RESULTS.jsonl BENCHMARKS.md NOFILE NODE_OK
"""
import datetime
import json
import platform
import subprocess
import sys

START = "<!-- side-by-side:start -->"
END = "<!-- side-by-side:end -->"


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    return runs


def pick(runs, label, relay, key, best=min):
    """The best of the runs of (label, relay) by `key`, with every run's value."""
    ok = [r for r in runs if r.get("label") == label and r.get("relay") == relay and key in r]
    if not ok:
        return None, []
    return best(ok, key=lambda r: r[key]), [r[key] for r in ok]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.2f}{unit}"
    return f"{v}{unit}"


def ratio(a, b):
    if a is None or b in (None, 0):
        return "n/a"
    return f"{a / b:.2f}"


def main():
    results, bench, nofile, node_ok = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    runs = load(results)
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    lines = [
        START,
        "## Relay side by side with the deployed Node relay (issue 17)",
        "",
        "Written by `scripts/bench-side-by-side.sh` (`NODE_RELAY_DIR=/work/posechrono "
        "./scripts/bench-side-by-side.sh`): release build, `online-sync-loadgen` on the same "
        "machine as the relay, a fresh relay per run, two runs per figure, the best kept (both "
        "shown). Sockets from 127.0.x.y, 10 per address, at most 64 handshakes at once. Both "
        "relays get the same `POSECHRONO_SYNC_*` limits raised for the load (connections, rooms, "
        "message and state rates).",
        "",
        f"Machine: {sh('nproc')} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"`ulimit -n` {nofile}; {sh('rustc --version')}; node {sh('node --version') or 'n/a'}; "
        f"commit `{sh('git rev-parse --short HEAD')}`; "
        f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
    ]
    if not node_ok:
        lines += ["**The Node relay was not measured** (no `NODE_RELAY_DIR`): its columns say n/a.", ""]

    floor, floors = pick(runs, "floor", "none", "cpu_us_per_write")
    floor_us = floor["cpu_us_per_write"] if floor else None
    lines += [
        "### Fan-out (session states to every member)",
        "",
        "| scenario | relay | p50 ms | p99 ms | max ms | lost | CPU us / delivery | x floor | runs (p99) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    fan = {}
    for label in ["fanout-burst-100x10", "fanout-spread-100x10", "fanout-burst-1000x10"]:
        for relay in ["ours", "ours-data", "node"]:
            best, all_p99 = pick(runs, label, relay, "latency_p99_ms")
            if not best:
                continue
            cbest, _ = pick(runs, label, relay, "cpu_us_per_delivery")
            c = cbest["cpu_us_per_delivery"] if cbest else None
            fan[(label, relay)] = (best["latency_p99_ms"], c, best.get("lost"))
            lines.append(
                f"| {label} | {relay} | {fmt(best['latency_p50_ms'])} | {fmt(best['latency_p99_ms'])} | "
                f"{fmt(best['latency_max_ms'])} | {best.get('lost')} | {fmt(c)} | {ratio(c, floor_us)} | "
                f"{', '.join(fmt(x) for x in all_p99)} |"
            )
    lines += [
        "",
        f"Floor (no relay: one bare write of {floor['frame_bytes'] if floor else 'n/a'} bytes per delivery to "
        f"1,000 loopback sockets x 20 rounds, writer thread's CPU clock): **{fmt(floor_us)} us** per write "
        f"(runs: {', '.join(fmt(x) for x in floors)}). CPU per delivery is the relay's CPU "
        "(per-thread run time from `/proc/<pid>/task/*/schedstat`) over the measured phase, "
        "divided by the deliveries received.",
        "",
        "### Idle sockets",
        "",
        "| sockets | ours KiB/socket | Node KiB/socket | ours RSS after, KiB | Node RSS after, KiB |",
        "|---:|---:|---:|---:|---:|",
    ]
    sizes = sorted({int(r["label"].split("-")[1]) for r in runs if r.get("label", "").startswith("idle-")})
    for n in sizes:
        o, _ = pick(runs, f"idle-{n}", "ours", "kib_per_socket")
        d, _ = pick(runs, f"idle-{n}", "node", "kib_per_socket")
        if o or d:
            lines.append(
                f"| {n:,} | {fmt(o['kib_per_socket'] if o else None)} | {fmt(d['kib_per_socket'] if d else None)} | "
                f"{o['relay_rss_after_kib'] if o else 'n/a'} | {d['relay_rss_after_kib'] if d else 'n/a'} |"
            )
    lines += [
        "",
        "### 2 MiB media uploads in one room while 50 rooms x 10 fan out (spread, 50 ms)",
        "",
        "| relay | uploads / s | failed | other rooms p50 / p99 / max ms | other rooms lost |",
        "|---|---:|---:|---|---:|",
    ]
    up = {}
    for relay in ["ours", "node"]:
        b, _ = pick(runs, "upload", relay, "uploads_per_s", best=max)
        if b:
            up[relay] = (b["uploads_per_s"], b.get("others_latency_p99_ms"))
            lines.append(
                f"| {relay} | {fmt(b['uploads_per_s'])} | {b.get('uploads_failed')} | "
                f"{fmt(b.get('others_latency_p50_ms'))} / {fmt(b.get('others_latency_p99_ms'))} / "
                f"{fmt(b.get('others_latency_max_ms'))} | {b.get('others_lost')} |"
            )
    rs, rall = pick(runs, "restart-1000x10", "ours-data", "all_resumed_ms")
    if rs:
        lines += [
            "",
            "### Restart (issue 10): 1,000 rooms x 10 members with resume, `kill -9`, restart",
            "",
            f"Every client reconnects and resumes with its token: {rs['resumed']} resumed, {rs['failed']} failed; "
            f"the relay listened {fmt(rs['listen_ms'])} ms after it was started again, and the last client "
            f"had resumed **{fmt(rs['all_resumed_ms'])} ms** after the start ({fmt(rs['kill_to_all_resumed_ms'])} ms "
            f"after the kill; runs: {', '.join(fmt(x) for x in rall)} ms).",
        ]
    # Targets.
    lines += ["", "### Targets of issue 17", "", "| target | figure | met |", "|---|---|---|"]
    b = fan.get(("fanout-burst-100x10", "ours"))
    n = fan.get(("fanout-burst-100x10", "node"))
    if b and n:
        lines.append(f"| burst p99 <= Node / 3 | {fmt(b[0])} ms vs {fmt(n[0])} / 3 = {fmt(n[0] / 3)} ms | {'yes' if b[0] <= n[0] / 3 else 'no'} |")
    if b and b[1] is not None and floor_us:
        lines.append(f"| CPU / delivery <= 1.6 x floor | {fmt(b[1])} us = {ratio(b[1], floor_us)} x floor ({fmt(floor_us)} us) | {'yes' if b[1] <= 1.6 * floor_us else 'no'} |")
    if n and n[1] is not None and floor_us:
        lines.append(f"| (Node, for reference) | {fmt(n[1])} us = {ratio(n[1], floor_us)} x floor | |")
    o10, _ = pick(runs, "idle-10000", "ours", "kib_per_socket")
    if o10:
        lines.append(f"| <= 8 KiB per idle socket at 10,000 | {fmt(o10['kib_per_socket'])} KiB | {'yes' if o10['kib_per_socket'] <= 8 else 'no'} |")
    if "ours" in up:
        node_up = up.get("node", (None, None))[0]
        met = node_up is not None and up["ours"][0] >= node_up and (up["ours"][1] or 0) < 10
        lines.append(f"| uploads/s >= Node, others' p99 < 10 ms | {fmt(up['ours'][0])}/s vs {fmt(node_up)}/s, p99 {fmt(up['ours'][1])} ms | {'yes' if met else 'no'} |")
    lost = [v[2] for k, v in fan.items() if k[1] != "node"]
    lines.append(f"| 0 messages lost (ours) | {sum(x or 0 for x in lost)} lost | {'yes' if all((x or 0) == 0 for x in lost) else 'no'} |")
    lines += ["", END]
    text = open(bench).read()
    block = "\n".join(lines) + "\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block.rstrip("\n") + tail
    else:
        marker = "## Relay over real sockets"
        text = text.replace(marker, block + "\n" + marker, 1) if marker in text else text + "\n" + block
    open(bench, "w").write(text)


if __name__ == "__main__":
    main()
