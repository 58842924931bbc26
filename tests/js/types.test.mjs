// The TypeScript declarations: strict tsc accepts tests/js/types/usage.ts and, for
// the classic build's global, classic.ts (both also assert misuse is rejected), and
// the hand-written part has no `any`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { mockOnly } from "./helpers.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

// Neither test uses a transport: one pass (TRANSPORT=mock) is enough.
const TRANSPORT_FREE = mockOnly("checks the TypeScript declarations, no transport involved");

it("tsc --strict accepts the documented usage and rejects misuse", TRANSPORT_FREE, () => {
  const tsc = spawnSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tests/js/types/tsconfig.json"],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

it("tsc --strict accepts the classic build's global OnlineSync and rejects misuse", TRANSPORT_FREE, () => {
  const tsc = spawnSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tests/js/types/tsconfig.classic.json"],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

it("the public declarations have no `any`", TRANSPORT_FREE, () => {
  const dts = readFileSync(new URL("../../pkg/online_sync.d.ts", import.meta.url), "utf8");
  const start = dts.indexOf("// ---- online-sync: hand-written declarations");
  const end = dts.indexOf("export type InitInput");
  assert.ok(start >= 0 && end > start, "the hand-written section is in the generated file");
  const ours = dts.slice(start, end);
  const code = ours.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  assert.doesNotMatch(code, /\bany\b/);
  for (const name of ["class SyncClient", "class MockRelay", "interface SyncState", "type SyncErrorCode"]) {
    assert.ok(ours.includes(name), name);
  }
});
