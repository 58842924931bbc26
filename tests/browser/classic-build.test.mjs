// The classic-script build as a file (no browser): a classic script, carrying the
// same wasm build as the ES module, its types copied from src/, and the size guard
// of scripts/build-classic.mjs at its edge. Needs pkg/ (scripts/build-pkg.sh).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { Script } from "node:vm";
import { gzipSync } from "node:zlib";
import { ROOT } from "./helpers.mjs";

const PKG = process.env.PKG_DIR || join(ROOT, "pkg");
const CLASSIC = join(PKG, "online_sync.classic.js");

function classic() {
  assert.ok(existsSync(CLASSIC), `${CLASSIC} is missing: run scripts/build-pkg.sh`);
  return readFileSync(CLASSIC, "utf8");
}

/** `node scripts/build-classic.mjs check FILE` with this budget setting. */
function check(file, budget) {
  const env = { ...process.env };
  delete env.ONLINE_SYNC_CLASSIC_BUDGET_BYTES;
  if (budget !== undefined) env.ONLINE_SYNC_CLASSIC_BUDGET_BYTES = String(budget);
  return spawnSync(process.execPath, ["scripts/build-classic.mjs", "check", file], { cwd: ROOT, env, encoding: "utf8" });
}

it("is a classic script (no import or export) that embeds one wasm module", () => {
  const text = classic();
  assert.doesNotThrow(() => new Script(text, { filename: CLASSIC }), "compiles as a classic script");
  const embedded = text.match(/"(AGFzbQ[A-Za-z0-9+/]*={0,2})"/g);
  assert.equal(embedded?.length, 1, "one base64 wasm module");
});

it("carries the same wasm build as the ES module: same exports and imports", () => {
  const base64 = classic().match(/"(AGFzbQ[A-Za-z0-9+/]*={0,2})"/)[1];
  const inClassic = new WebAssembly.Module(Buffer.from(base64, "base64"));
  const inModule = new WebAssembly.Module(readFileSync(join(PKG, "online_sync_bg.wasm")));
  const names = (list) => list.map((d) => `${d.module ?? ""}:${d.name}:${d.kind}`).sort();
  const exports = names(WebAssembly.Module.exports(inClassic));
  assert.ok(exports.some((e) => e.startsWith(":syncclient_")), "SyncClient's exports are there");
  assert.deepEqual(exports, names(WebAssembly.Module.exports(inModule)));
  assert.deepEqual(names(WebAssembly.Module.imports(inClassic)), names(WebAssembly.Module.imports(inModule)));
});

it("ships the global declaration from src/wasm/types/classic.d.ts", () => {
  const shipped = readFileSync(join(PKG, "online_sync.classic.d.ts"), "utf8");
  assert.equal(shipped, readFileSync(join(ROOT, "src/wasm/types/classic.d.ts"), "utf8"));
  assert.match(shipped, /var OnlineSync: OnlineSyncGlobal;/);
});

it("the size guard: within 384 KiB gzip by default, fails one byte under the file's size", () => {
  const gzip = gzipSync(readFileSync(CLASSIC), { level: 9 }).length;
  const byDefault = check(CLASSIC);
  assert.equal(byDefault.status, 0, byDefault.stderr);
  assert.match(byDefault.stdout, new RegExp(`${gzip} <= 393216 B gzip`));
  const atEdge = check(CLASSIC, gzip);
  assert.equal(atEdge.status, 0, atEdge.stderr);
  const over = check(CLASSIC, gzip - 1);
  assert.equal(over.status, 1);
  assert.match(over.stderr, new RegExp(`is ${gzip} B gzip, over its budget of ${gzip - 1} B`));
  const bad = check(CLASSIC, "lots");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /must be a number of bytes/);
});
