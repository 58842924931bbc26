// Shared helpers of the node --test suites: load the built module, real image
// bytes, a valid pack, and waiting on state.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import init, { MockRelay, SyncClient } from "../../pkg/online_sync.js";

export { MockRelay, SyncClient };

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

/** A relay whose password hash is cheap (tests only). */
export function relay(options = {}) {
  return new MockRelay({ passwordHashLogN: 4, ...options });
}

let ids = 0;
/** A mock client with a readable, unique id. */
export function client(r, name = "c") {
  ids += 1;
  return SyncClient.mock(r, { clientId: `${name}-${ids}` });
}

/** Host + participant joined to one session; returns the session code. */
export async function session(r, host, guest, { password = "", controlMode = "host-only" } = {}) {
  const hosted = await host.hostSession({ sessionName: "Test", controlMode, password, displayName: "Host" });
  await guest.joinSession({ sessionCode: hosted.sessionCode, password, displayName: "Ana" });
  return hosted.sessionCode;
}

/** Resolves once `predicate(client.getState())` holds (fails after `ms`). */
export async function until(c, predicate, ms = 2000) {
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
