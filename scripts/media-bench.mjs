// Media transfer throughput (issue 13, BENCHMARKS.md "Media transfers"): the wasm
// client (pkg/, in Node over its WebSocket) publishes one file and a second client
// downloads it, for each size, on:
//   - our relay, chunked (`media-chunks`, the default);
//   - our relay with DISABLE_MEDIA_CHUNKS (the whole-file messages, as deployed);
//   - the deployed Node relay (NODE_RELAY_DIR, a PoseChrono checkout with `ws`
//     installed; `node scripts/sync-relay-server.js`), whole-file, for what it carries
//     (its default limit is 2 MiB a file). Skipped, and said so, without NODE_RELAY_DIR.
// Then, in process (MockRelay, no socket): a chunked publish of the largest size, whose
// time is dominated by SHA-256 in wasm (the client hashes the file and each chunk, the
// relay each chunk and the whole file: four passes).
//
// usage: node --experimental-websocket scripts/media-bench.mjs
//   RELAY_BIN   our relay (default target/release/online-sync-relay)
//   NODE_RELAY_DIR  the deployed relay's checkout (optional)
//   SIZES_MIB   default "1,20,64"; RUNS default 3 (the median is printed)
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MIB = 1024 * 1024;
const SIZES = (process.env.SIZES_MIB || "1,20,64").split(",").map(Number);
const RUNS = Number(process.env.RUNS || 3);
const RELAY_BIN = resolve(ROOT, process.env.RELAY_BIN || "target/release/online-sync-relay");
const NODE_RELAY_DIR = process.env.NODE_RELAY_DIR;
const DEPLOYED_MAX = 2 * MIB;

const mod = await import(join(ROOT, "pkg/online_sync.js"));
await mod.default({ module_or_path: readFileSync(join(ROOT, "pkg/online_sync_bg.wasm")) });
const { SyncClient, MockRelay } = mod;

function image(len, seed) {
  const b = new Uint8Array(len);
  let x = seed | 1;
  for (let i = 0; i < len; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x;
    b[i + 1] = x >>> 8;
    b[i + 2] = x >>> 16;
    b[i + 3] = x >>> 24;
  }
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return b;
}

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts a relay process; resolves once `/health` answers. */
async function start(cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  process.once("exit", () => child.kill("SIGKILL"));
  const port = Number(args[args.indexOf("--port") + 1]);
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.ok) return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
    } catch {}
    await new Promise((ok) => setTimeout(ok, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`${cmd} did not start:\n${log}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes, ms) => (bytes / MIB / (ms / 1000)).toFixed(1);

/** Upload and download MB/s (MiB/s) of one file of `size` bytes, medians of RUNS. */
async function measure(makeClient, size) {
  const host = makeClient("bench-host");
  const guest = makeClient("bench-guest");
  const { sessionCode } = await host.hostSession({});
  await guest.joinSession({ sessionCode });
  const up = [];
  const down = [];
  for (let run = 0; run < RUNS; run++) {
    const bytes = image(size, size + run * 7919 + 1);
    await host.resetSessionMediaPack();
    let t = performance.now();
    await host.publishSessionMediaFile({ identity: `k:f${run}`, name: "f.png", ext: "png", bytes });
    up.push(performance.now() - t);
    t = performance.now();
    await guest.downloadSessionMedia({ cache: false });
    down.push(performance.now() - t);
  }
  await guest.leaveSession();
  await host.leaveSession();
  host.free();
  guest.free();
  // Let the sockets' close events through before a relay stops (Node.js 20 has no
  // global CloseEvent; see src/wasm/websocket.rs, `finish`).
  await new Promise((ok) => setTimeout(ok, 3500));
  return { up: mbps(size, median(up)), down: mbps(size, median(down)) };
}

const opts = { requestTimeoutMs: 60000 };
const rows = [];
async function bench(name, url, sizes) {
  for (const mib of sizes) {
    const r = await measure((id) => SyncClient.websocket(url, { clientId: id, ...opts }), mib * MIB);
    rows.push([name, `${mib} MiB`, r.up, r.down]);
    console.log(`${name}, ${mib} MiB: upload ${r.up} MiB/s, download ${r.down} MiB/s`);
  }
}

const env = { ...process.env, RUST_LOG: "warn", POSECHRONO_SYNC_PASSWORD_HASH_LOG_N: "4" };
if (!existsSync(RELAY_BIN)) {
  console.error(`media-bench: no relay binary at ${RELAY_BIN} (cargo build --release --bin online-sync-relay)`);
  process.exit(1);
}
let relay = await start(RELAY_BIN, ["--host", "127.0.0.1", "--port", String(await freePort())], { env });
await bench("ours, chunked", relay.url, SIZES);
relay.stop();
relay = await start(RELAY_BIN, ["--host", "127.0.0.1", "--port", String(await freePort())], {
  env: { ...env, POSECHRONO_SYNC_DISABLE_MEDIA_CHUNKS: "1" },
});
await bench("ours, whole-file", relay.url, SIZES.filter((m) => m * MIB <= DEPLOYED_MAX));
relay.stop();

if (NODE_RELAY_DIR && existsSync(join(NODE_RELAY_DIR, "scripts/sync-relay-server.js"))) {
  const port = await freePort();
  const deployed = await start("node", ["scripts/sync-relay-server.js", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: NODE_RELAY_DIR,
    env: process.env,
  });
  await bench("deployed relay, whole-file", deployed.url, SIZES.filter((m) => m * MIB <= DEPLOYED_MAX));
  deployed.stop();
} else {
  console.log("NODE_RELAY_DIR is not set (or has no scripts/sync-relay-server.js): the deployed relay is SKIPPED");
}

// In process: MockRelay, the largest size, chunked.
{
  const size = Math.max(...SIZES) * MIB;
  const relayMock = new MockRelay({ passwordHashLogN: 4 });
  const host = SyncClient.mock(relayMock, { clientId: "mock-host" });
  await host.hostSession({});
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const bytes = image(size, run + 11);
    const t = performance.now();
    await host.publishSessionMediaFile({ identity: `k:m${run}`, name: "m.png", ext: "png", bytes });
    times.push(performance.now() - t);
  }
  const r = mbps(size, median(times));
  rows.push(["in process (MockRelay), chunked publish", `${size / MIB} MiB`, r, ""]);
  console.log(`MockRelay publish, ${size / MIB} MiB (4 SHA-256 passes in wasm + copies): ${r} MiB/s`);
  host.free();
  relayMock.free();
}

console.log("\n| relay, path | file | upload MiB/s | download MiB/s |\n|---|---|---:|---:|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
process.exit(0);
