// The classic-script build (issue 18) in headless Chromium: a page opened from
// file:// with only pkg/online_sync.classic.js runs a whole session on MockRelay
// and over WebSocket against the relay binary (Origin: null); the ES module,
// served over http, runs the same scenario (scenario.mjs) with the same results.
// `OnlineSync.ready` rejects with a clear error when the module cannot start, and
// the relay's Origin rules are seen from a file:// page.
// Needs pkg/ (scripts/build-pkg.sh, which runs scripts/build-classic.sh) and the
// relay binary (RELAY_BIN or target/debug).
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, afterEach, before, describe, it } from "node:test";
import { pack } from "../js/helpers.mjs";
import { launchBrowser, makeSite, openUrl, startRelay } from "./helpers.mjs";
import { wholeSession } from "./scenario.mjs";

const PAGES = ["classic.html", "module.html"];
const IDS = ["k:one", "k:two"];

let site;
let relay; // serves module.html, and is the relay of the WebSocket sessions
let browser;
const opened = [];

before(async () => {
  site = await makeSite({ pages: PAGES });
  relay = await startRelay({ staticDir: site.dir });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
  await site?.remove();
});

/** Closes what a test opened; `clean` pages must have logged no error. */
afterEach(async () => {
  for (const { page, clean } of opened.splice(0)) {
    if (clean) assert.deepEqual(page.problems(), [], "no page error, no console error");
    await page.close();
  }
});

/** Opens `url`; with `clean`, the test fails on any page or console error. */
async function open(url, { clean = true, beforeLoad } = {}) {
  const page = await openUrl(browser, url, { beforeLoad });
  opened.push({ page, clean });
  return page;
}

const fileUrl = (dir, name) => pathToFileURL(join(dir, name)).href;

/** Runs the shared scenario in `page`. */
const session = (page, transport, tag) =>
  page.run(wholeSession, { transport, url: relay.wsUrl, pack: pack(IDS), tag });

/** What the scenario must give on any page and transport. */
function assertWholeSession(r) {
  assert.deepEqual(r.hosted, { status: "hosting", role: "host", codeOk: true });
  assert.deepEqual(r.missingCode, { rejected: true, isError: true, code: "missing-session-code" });
  assert.deepEqual(r.wrongPassword, { rejected: true, isError: true, code: "invalid-password" });
  assert.deepEqual(r.joined, { status: "joined", role: "participant", sessionCode: true, count: 2 });
  assert.deepEqual(r.seen, { isPlaying: true, currentIndex: 1 });
  assert.match(r.pack.metaHash, /^[0-9a-f]{64}$/);
  assert.equal(r.pack.fetchedHash, r.pack.metaHash);
  assert.equal(r.pack.digest, r.pack.metaHash, "SHA-256 of JSON.stringify(pack) by Web Crypto");
  assert.deepEqual(r.pack.keys, IDS);
  assert.deepEqual(r.media.files, [{ identity: IDS[0], digest: r.media.png, size: r.media.size }]);
  assert.deepEqual(r.media.summary, { files: 1, bytes: r.media.size });
  assert.deepEqual(r.gate, { blocked: false, reason: "" });
  assert.deepEqual(r.ended, { status: "idle", lastError: "host-disconnected" });
  assert.deepEqual(r.statuses.at(-1), "idle");
  assert.ok(r.statuses.includes("joined"), r.statuses.join(" -> "));
}

/** Results by `<transport>`, from the classic page, for the ES module to match. */
const classicResults = {};

describe("the classic script, in a page opened from file://", () => {
  it("defines the global OnlineSync and nothing else; ready resolves with it", async () => {
    const page = await open(fileUrl(site.dir, "classic.html"), {
      beforeLoad: () => {
        window.globalsBeforeLoad = Object.getOwnPropertyNames(window);
      },
    });
    const got = await page.run(async () => {
      const readyWith = await OnlineSync.ready;
      const added = Object.getOwnPropertyNames(window).filter(
        (n) => !window.globalsBeforeLoad.includes(n) && n !== "globalsBeforeLoad",
      );
      return {
        protocol: location.protocol,
        origin: self.origin,
        added,
        same: readyWith === OnlineSync,
        keys: Object.keys(OnlineSync).sort(),
        classes: [typeof OnlineSync.SyncClient, typeof OnlineSync.MockRelay],
        noFetch: performance.getEntriesByType("resource").map((e) => e.name),
      };
    });
    // Loaded a second time (two shells' scripts on one page), the first stays.
    const again = await page.run(async () => {
      const first = OnlineSync;
      await new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = "pkg/online_sync.classic.js";
        s.onload = resolve;
        s.onerror = reject;
        document.head.append(s);
      });
      const relay = new OnlineSync.MockRelay();
      const rooms = relay.roomCount();
      relay.free();
      return { same: OnlineSync === first, rooms };
    });
    assert.deepEqual(again, { same: true, rooms: 0 });
    assert.equal(got.protocol, "file:");
    assert.equal(got.origin, "null");
    assert.deepEqual(got.added, ["OnlineSync"]);
    assert.equal(got.same, true);
    assert.deepEqual(got.keys, ["MockRelay", "SyncClient", "ready"]);
    assert.deepEqual(got.classes, ["function", "function"]);
    assert.deepEqual(
      got.noFetch.filter((n) => !n.endsWith("/online_sync.classic.js")),
      [],
      "nothing is loaded but the script itself",
    );
  });

  for (const transport of ["mock", "websocket"]) {
    it(`runs a whole session on ${transport === "mock" ? "MockRelay" : "the relay binary over WebSocket"}`, async () => {
      const page = await open(fileUrl(site.dir, "classic.html"));
      const r = await session(page, transport, `classic-${transport}`);
      assert.deepEqual(r.page, { protocol: "file:", origin: "null", classic: true });
      assertWholeSession(r);
      classicResults[transport] = r;
    });
  }
});

describe("the ES module, in the same page served over http", () => {
  for (const transport of ["mock", "websocket"]) {
    it(`runs the same session on ${transport === "mock" ? "MockRelay" : "WebSocket"}, with the same results`, async () => {
      const page = await open(`${relay.httpUrl}/module.html`);
      const r = await session(page, transport, `module-${transport}`);
      assert.deepEqual(r.page, { protocol: "http:", origin: relay.httpUrl, classic: false });
      assertWholeSession(r);
      const classic = classicResults[transport];
      assert.ok(classic, "the classic run came first");
      const { page: _a, pack: p1, ...same1 } = r;
      const { page: _b, pack: p2, ...same2 } = classic;
      assert.deepEqual(same1, same2, "same states, errors and files as the classic build");
      assert.deepEqual(p1.keys, p2.keys);
    });
  }
});

describe("OnlineSync.ready rejects with a clear error when the module cannot start", () => {
  /** How `OnlineSync.ready` settled in `page`. */
  const readyOutcome = (page) =>
    page.run(async () => {
      try {
        await OnlineSync.ready;
        return { rejected: false };
      } catch (e) {
        return {
          rejected: true,
          isError: e instanceof Error,
          code: e.code,
          message: e.message,
          hasCause: e.cause !== undefined,
          classes: typeof OnlineSync.SyncClient,
        };
      }
    });

  it("corrupt embedded bytes: module-init-failed, no classes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "online-sync-classic-corrupt-"));
    try {
      await cp(site.dir, dir, { recursive: true });
      const file = join(dir, "pkg", "online_sync.classic.js");
      const text = await readFile(file, "utf8");
      // The embedded module starts with the wasm magic "\0asm" = base64 "AGFzbQ".
      assert.equal(text.split('"AGFzbQ').length, 2, "one embedded module");
      await writeFile(file, text.replace('"AGFzbQ', '"AAAAAA'));
      const page = await open(fileUrl(dir, "classic.html"), { clean: false });
      const got = await readyOutcome(page);
      assert.equal(got.rejected, true);
      assert.equal(got.isError, true);
      assert.equal(got.code, "module-init-failed");
      assert.match(got.message, /^online-sync: the module cannot start: .*magic/);
      assert.equal(got.hasCause, true);
      assert.equal(got.classes, "undefined");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("no WebAssembly in the webview: module-init-failed, saying so", async () => {
    const page = await open(fileUrl(site.dir, "classic.html"), {
      clean: false,
      beforeLoad: () => {
        delete globalThis.WebAssembly;
      },
    });
    const got = await readyOutcome(page);
    assert.equal(got.rejected, true);
    assert.equal(got.isError, true);
    assert.equal(got.code, "module-init-failed");
    assert.match(got.message, /WebAssembly is not available/);
    assert.equal(got.classes, "undefined");
  });
});

describe("the relay's Origin rules, from a file:// page (Origin: null)", () => {
  it("an allow-list without null: closed with 1008 origin-not-allowed, logged with the origin", async () => {
    const strict = await startRelay({ env: { POSECHRONO_SYNC_ALLOWED_ORIGINS: "https://app.example" } });
    try {
      const page = await open(fileUrl(site.dir, "classic.html"));
      const got = await page.run(async (url) => {
        await OnlineSync.ready;
        const closeOf = (protocols) =>
          new Promise((resolve) => {
            const ws = new WebSocket(url, protocols);
            ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
          });
        const closed = [await closeOf([]), await closeOf(["posechrono-sync"])];
        const c = OnlineSync.SyncClient.websocket(url, { requestTimeoutMs: 1500 });
        try {
          await c.hostSession({ sessionName: "Refused" });
          return { closed, rejected: false };
        } catch (e) {
          return { closed, rejected: true, isError: e instanceof Error, code: e.code, state: c.getState() };
        } finally {
          c.free();
        }
      }, strict.wsUrl);
      const refusal = { code: 1008, reason: "origin-not-allowed" };
      assert.deepEqual(got.closed, [refusal, refusal], "with and without a subprotocol");
      assert.equal(got.rejected, true);
      assert.equal(got.isError, true);
      assert.equal(got.code, "transport-unavailable");
      assert.equal(got.state.status, "idle");
      assert.match(strict.log(), /origin-not-allowed.*origin="null"/);
    } finally {
      await strict.stop();
    }
  });

  it("an allow-list with null listed: the whole session runs", async () => {
    const listed = await startRelay({ env: { POSECHRONO_SYNC_ALLOWED_ORIGINS: "https://app.example,null" } });
    try {
      const page = await open(fileUrl(site.dir, "classic.html"));
      const r = await page.run(wholeSession, { transport: "websocket", url: listed.wsUrl, pack: pack(IDS), tag: "listed" });
      assertWholeSession(r);
      assert.doesNotMatch(listed.log(), /origin-not-allowed/);
    } finally {
      await listed.stop();
    }
  });
});
