// Shared helpers of the node --test suites: load the built module, real image
// bytes, a valid pack, relays and clients, and waiting on state.
//
// One scenario suite, two transports, chosen by the `TRANSPORT` env var:
// - `mock` (default): each `relay(options)` is a `MockRelay`, clients are
//   `SyncClient.mock(relay, ...)`.
// - `websocket`: each distinct options set is one relay binary (started on
//   127.0.0.1 with the options as `POSECHRONO_SYNC_*` env vars; see
//   tests/browser/helpers.mjs), clients are `SyncClient.websocket(url, ...)` over
//   node's global `WebSocket` (`node --experimental-websocket` before node 22).
// - `cluster`: as `websocket`, but each relay is three relay binaries on one
//   Redis of its own (`--redis-url`, issue 15), and the clients of one relay go to
//   its nodes in turn: a host on one node, its participants on the others.
// - `deployed`: as `websocket`, but each relay is the deployed Node relay of a
//   local checkout (`NODE_RELAY_DIR`, with `node_modules/ws`; never part of this
//   project). Our client must behave there as the deployed clients do: tests of
//   our extensions (resume, our settings) say `oursOnly(why)` and are skipped.
// Tests go through `relay`, `client`/`connect`, `connectionCount` and
// `assertRoomClosed`, so they do not know which transport they run on.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { get } from "node:http";
import { join } from "node:path";
import { after, afterEach } from "node:test";
import init, { MockRelay, SyncClient } from "../../pkg/online_sync.js";

export { MockRelay, SyncClient };

/** `mock`, `websocket`, `cluster` or `deployed` (env `TRANSPORT`). */
export const TRANSPORT = process.env.TRANSPORT || "mock";
assert.ok(
  ["mock", "websocket", "cluster", "deployed"].includes(TRANSPORT),
  `TRANSPORT=${TRANSPORT}: expected mock, websocket, cluster or deployed`,
);
/** Whether each relay is three nodes of a cluster on one Redis. */
export const CLUSTER = TRANSPORT === "cluster";
/** Whether the relays are the deployed Node relay (a checkout at `NODE_RELAY_DIR`). */
export const DEPLOYED = TRANSPORT === "deployed";
/** Whether the clients talk to relay processes over real sockets. */
export const WEBSOCKET = TRANSPORT === "websocket" || CLUSTER || DEPLOYED;
if (DEPLOYED) {
  assert.ok(
    existsSync(join(process.env.NODE_RELAY_DIR || "/nonexistent", "scripts/sync-relay-server.js")),
    "TRANSPORT=deployed needs NODE_RELAY_DIR: a checkout of the deployed relay with node_modules/ws",
  );
}
if (WEBSOCKET) {
  assert.equal(
    typeof globalThis.WebSocket,
    "function",
    "TRANSPORT=websocket needs a global WebSocket: run node with --experimental-websocket (node < 22)",
  );
}

/**
 * Test options that skip a test under `TRANSPORT=websocket`, for the few tests of
 * MockRelay itself or of nothing transport-related: `it(name, mockOnly(why), fn)`.
 */
export function mockOnly(reason) {
  return { skip: WEBSOCKET ? `mock-only: ${reason}` : false };
}

/**
 * Test options that skip a test on the deployed relay, for our extensions (resume,
 * settings the deployed relay does not have): `it(name, oursOnly(why), fn)`.
 */
export function oursOnly(reason) {
  return { skip: DEPLOYED ? `ours-only: ${reason}` : false };
}

/** How long `until` and `eventually` wait by default, ms (real sockets are slower). */
export const WAIT_MS = WEBSOCKET ? 5000 : 2000;

/** Instantiates the wasm module once per test file (`--target web` init with bytes). */
export async function load() {
  const wasm = await readFile(new URL("../../pkg/online_sync_bg.wasm", import.meta.url));
  await init({ module_or_path: wasm });
}

/** A 1x1 RGB PNG (red). */
export const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
  0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
  0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41, 0x43, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
  0x44, 0xae, 0x42, 0x60, 0x82,
]);

/** A 2x1 RGB PNG (azure). */
export const PNG2 = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x7b, 0x40, 0xe8,
  0xdd, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x68, 0xf8, 0x0f,
  0x44, 0x00, 0x08, 0x82, 0x02, 0xff, 0x9d, 0xdf, 0xb6, 0x09, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
  0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
]);

/** A 1x1 grayscale baseline JPEG (decodes in Chromium: see tests/wasm-browser.rs). */
export const JPEG = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
  0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array(64).fill(0x01),
  0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
  0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, ...new Array(15).fill(0x00), 0x00,
  0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, ...new Array(15).fill(0x00), 0x00,
  0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9,
]);

/** SHA-256 hex by node's own crypto. */
export function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}

/** A valid `posechrono-session-pack` v1 with one media ref per identity. */
export function pack(identities = [], extra = {}) {
  return {
    schema: "posechrono-session-pack",
    version: 1,
    createdAt: "2025-01-01T00:00:00.000Z",
    source: { runtime: "node", language: "en" },
    session: {
      mode: "classique",
      selectedDuration: 60,
      timeRemaining: 60,
      memoryType: "flash",
      memoryDuration: 0,
      memoryPosesCount: 1,
      memoryDrawingTime: 0,
      imagesCount: identities.length,
      mediaOrderKeys: identities,
      ...extra,
    },
    mediaRefs: identities.map((identity, index) => ({ identity, index, name: `${identity}.png`, ext: "png" })),
  };
}

/** MockRelay options as the relay binary's env: `maxSessionPackBytes` -> `POSECHRONO_SYNC_MAX_SESSION_PACK_BYTES`. */
export function relayEnv(options) {
  return Object.fromEntries(
    Object.entries(options).map(([name, value]) => [
      `POSECHRONO_SYNC_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
      String(value),
    ]),
  );
}

/** Relay binaries of this file by options set (JSON), and the ones started `fresh`. */
const relays = new Map();
const ownRelays = [];

/** Starts the relay binary (or, `deployed`, the Node relay) with these relay options. */
async function startRelayProcess(options) {
  if (DEPLOYED) return startNodeRelay(relayEnv(options));
  if (CLUSTER) {
    const { startCluster } = await import("./cluster.mjs");
    return startCluster(relayEnv(options));
  }
  const { startRelay } = await import("../browser/helpers.mjs");
  const started = await startRelay({ env: relayEnv(options) });
  return { ...started, url: started.wsUrl, options };
}

/** The deployed Node relay of `NODE_RELAY_DIR` on a free port, once `/health` answers. */
async function startNodeRelay(env) {
  const { closedPort } = await import("../browser/helpers.mjs");
  const port = await closedPort();
  const script = join(process.env.NODE_RELAY_DIR, "scripts/sync-relay-server.js");
  const child = spawn(process.execPath, [script, "--host", "127.0.0.1", "--port", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env },
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise((r) => child.once("exit", r));
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  exited.then(() => process.off("exit", onExit));
  const httpUrl = `http://127.0.0.1:${port}`;
  // node:http without an agent: no keep-alive socket is left for `connectionCount`.
  const healthy = () =>
    new Promise((ok) => {
      const req = get(`${httpUrl}/health`, { agent: false }, (res) => {
        res.resume();
        ok(res.statusCode === 200);
      });
      req.on("error", () => ok(false));
    });
  await eventually(healthy, `the deployed relay answering on ${port}`, 10000);
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl,
    log: () => log,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/**
 * A relay whose password hash is cheap (tests only). Mock: a new `MockRelay`.
 * WebSocket: the relay binary started for these options, shared by the file's
 * tests; `{fresh: true}` starts one of the test's own (for counting connections).
 * Every in-memory client stands for a machine of its own, so over sockets (all
 * from 127.0.0.1) the per-address limit is lifted unless the options set it.
 */
export async function relay(options = {}, { fresh = false } = {}) {
  const opts = { passwordHashLogN: 4, ...options };
  if (!WEBSOCKET) return new MockRelay(opts);
  const env = { maxConnectionsPerIp: 100000, ...opts };
  if (fresh) {
    const r = await startRelayProcess(env);
    ownRelays.push(r);
    return r;
  }
  const key = JSON.stringify(env);
  if (!relays.has(key)) relays.set(key, startRelayProcess(env));
  return relays.get(key);
}

/**
 * The relay binary on `port` (0: any) with this data dir, for the tests that
 * kill a relay and start another on its data (WebSocket only); the caller stops it.
 */
export async function relayWithDataDir(dataDir, port = 0) {
  const { startRelay } = await import("../browser/helpers.mjs");
  const env = relayEnv({ passwordHashLogN: 4, maxConnectionsPerIp: 1000, dataDir });
  const r = await startRelay({ port, env });
  return { ...r, url: r.wsUrl };
}

/** Clients made by `connect`, freed after each test. */
const clients = new Set();

/** Frees the clients a test left (its own `free()` calls came first). */
function freeClients() {
  for (const c of clients) {
    try {
      c.free();
    } catch (e) {
      // Already freed by the test (wasm-bindgen: "null pointer passed to rust").
      if (!/null pointer/.test(e?.message)) throw e;
    }
  }
  clients.clear();
}

afterEach(freeClients);

after(async () => {
  freeClients();
  if (!WEBSOCKET) return;
  const all = [...(await Promise.all(relays.values())), ...ownRelays];
  relays.clear();
  ownRelays.length = 0;
  // A relay that crashed during the tests fails the file.
  const alive = await Promise.all(all.map((r) => fetch(`${r.httpUrl}/health`).then((res) => res.ok, () => false)));
  const dead = all.filter((_, i) => !alive[i]);
  await Promise.all(all.map((r) => r.kill()));
  assert.deepEqual(dead.map((r) => r.url), [], `relay died during the tests:\n${dead.map((r) => r.log()).join("\n")}`);
});

/** A client of relay `r` (`options`: `{clientId?, requestTimeoutMs?}`), freed after the test. */
export function connect(r, options = {}) {
  // A cluster's clients go to its nodes in turn.
  const url = CLUSTER ? r.nextUrl() : r.url;
  const c = WEBSOCKET ? SyncClient.websocket(url, options) : SyncClient.mock(r, options);
  clients.add(c);
  return c;
}

let ids = 0;
/** A client with a readable, unique id. */
export function client(r, name = "c") {
  ids += 1;
  return connect(r, { clientId: `${name}-${ids}` });
}

/** Where nothing listens (port 9, discard): every connect is refused. */
export const NOWHERE = "ws://127.0.0.1:9";

/** A WebSocket client of no relay (`NOWHERE`), freed after the test; in both modes. */
export function connectNowhere(options = {}) {
  const c = SyncClient.websocket(NOWHERE, options);
  clients.add(c);
  return c;
}


/** Server-side TCP connections in state ESTABLISHED on `port` (Linux /proc/net/tcp). */
async function establishedOn(port) {
  const table = await readFile("/proc/net/tcp", "utf8");
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return table
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 3 && f[1].endsWith(`:${hex}`) && f[3] === "01").length;
}

/**
 * Open client connections of relay `r`. Mock: `connectionCount()`. WebSocket: the
 * relay's sockets that neither side has begun to close (count a `fresh` relay).
 */
export async function connectionCount(r) {
  if (CLUSTER) {
    const counts = await Promise.all(r.ports.map(establishedOn));
    return counts.reduce((a, b) => a + b, 0);
  }
  return WEBSOCKET ? establishedOn(r.port) : r.connectionCount();
}

/** Polls `probe()` (sync or async) until it is truthy; fails after `ms`. */
export async function eventually(probe, what = "condition", ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not reached within ${ms} ms`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

/**
 * The room `code` is closed: a new client's join is refused with
 * `session-not-found` (and, on a MockRelay, no room is left at all).
 */
export async function assertRoomClosed(r, code) {
  if (!WEBSOCKET) assert.equal(r.roomCount(), 0, "no room left");
  const probe = client(r, "probe");
  await rejectsWith(probe.joinSession({ sessionCode: code }), "session-not-found");
  probe.free();
}

/**
 * Host + participant joined to one session, once the host has seen the
 * participant (over sockets that news may come after the join's reply); returns
 * the session code.
 */
export async function session(r, host, guest, { password = "", controlMode = "host-only" } = {}) {
  const hosted = await host.hostSession({ sessionName: "Test", controlMode, password, displayName: "Host" });
  await guest.joinSession({ sessionCode: hosted.sessionCode, password, displayName: "Ana" });
  await until(host, (s) => s.participantIds.includes(guest.getClientId()));
  return hosted.sessionCode;
}

/** Resolves once `predicate(client.getState())` holds (fails after `ms`). */
export async function until(c, predicate, ms = WAIT_MS) {
  const start = Date.now();
  while (!predicate(c.getState())) {
    if (Date.now() - start > ms) {
      assert.fail(`state never matched: ${JSON.stringify(c.getState())}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return c.getState();
}

/** Asserts that `promise` rejects with an `Error` carrying `code`. */
export async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Error, "rejects with an Error");
    assert.equal(e.code, code);
    assert.ok(typeof e.message === "string" && e.message.length > 0, "with a message");
    return true;
  });
}

/** Asserts that `fn()` throws an `Error` carrying `code`. */
export function throwsWith(fn, code) {
  assert.throws(fn, (e) => e instanceof Error && e.code === code);
}
