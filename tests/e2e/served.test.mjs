// End-to-end, issue 14, served well: the demo page as the browser receives it from
// the relay (prepared like scripts/build-site.sh: hashed wasm name, .br/.gz
// siblings): the wasm under its hashed name, brotli, `application/wasm`, immutable;
// index, scripts and styles compressed and revalidated (`no-cache`).
//
//   node --test tests/e2e/served.test.mjs
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertNoProblems, launchBrowser, openPage, prepareSite, startRelay, waitFor } from "./helpers.mjs";
import { load } from "./tool-helpers.mjs";

let site;
let relay;
let browser;

before(async () => {
  site = await prepareSite();
  relay = await startRelay(site.dir);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await relay?.stop().catch(() => {});
  await site?.remove().catch(() => {});
});

test("the relay serves the page well: brotli, cache headers, application/wasm", { timeout: 60000 }, async (t) => {
  const page = await openPage(browser, "headers");
  const seen = new Map();
  page.on("response", async (r) => {
    const path = new URL(r.url()).pathname;
    seen.set(path, { status: r.status(), headers: await r.allHeaders() });
  });
  await load(page, relay.httpUrl);
  await waitFor("the wasm response", () => [...seen.keys()].some((p) => p.endsWith(".wasm")));
  const wasmPath = [...seen.keys()].find((p) => p.endsWith(".wasm"));
  const wasm = seen.get(wasmPath);
  t.diagnostic(`${wasmPath}: ${JSON.stringify(wasm.headers)}`);
  assert.match(wasmPath, /^\/pkg\/online_sync_bg\.[0-9a-f]{16}\.wasm$/, "the wasm is fetched under its hashed name");
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers["content-encoding"], "br", "the browser gets the brotli copy");
  assert.equal(wasm.headers["content-type"], "application/wasm");
  assert.equal(wasm.headers["cache-control"], "public, max-age=31536000, immutable");
  assert.match(wasm.headers.vary || "", /accept-encoding/i);
  for (const path of ["/", "/js/main.js", "/pkg/online_sync.js", "/style.css"]) {
    const r = seen.get(path);
    assert.ok(r, `${path} was fetched`);
    assert.equal(r.headers["cache-control"], "no-cache", `${path}: revalidated before use`);
    assert.equal(r.headers["content-encoding"], "br", `${path}: compressed`);
  }
  assertNoProblems([page]);
  await page.context().close();
});
