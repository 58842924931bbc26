// End-to-end, issue 14, honest state at 1280x800 and 390x844: with the participant's
// network throttled (CDP Network.emulateNetworkConditions, WebSocket frames
// included), the start gate holds "Resume for everyone" while the download runs
// (disabled, says why, a scripted press changes nothing), no "Use my local copy"
// during a normal download, progress by bytes (within a file too) with speed and
// time left, a stall warning when no byte arrives for a while, the host's
// readiness line; and "Use my local copy" offered only when it is true.
//
//   node --test tests/e2e/gate.test.mjs   (pkg/ and the relay binary, as demo.test.mjs)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SAMPLES,
  assertNoProblems,
  attr,
  bigPng,
  keepShot,
  launchBrowser,
  openPage,
  prepareSite,
  startRelay,
  visible,
  waitAttr,
  waitFor,
} from "./helpers.mjs";
import { SIZES, hostSession, joinWith, load, pause, stepper } from "./tool-helpers.mjs";

let site;
let relay;
let browser;
let scratch;

before(async () => {
  site = await prepareSite();
  relay = await startRelay(site.dir);
  browser = await launchBrowser();
  scratch = await mkdtemp(join(tmpdir(), "online-sync-e2e-files-"));
});

after(async () => {
  await browser?.close().catch(() => {});
  await relay?.stop().catch(() => {});
  await site?.remove().catch(() => {});
  if (scratch) await rm(scratch, { recursive: true, force: true }).catch(() => {});
});

for (const size of SIZES) {
  const { width, height } = size.viewport;
  const dir = `${size.name}-${width}x${height}`;

  describe(`honest state at ${width}x${height}`, () => {
    test("the start gate holds “Resume for everyone” while a throttled download runs", { timeout: 180000 }, async (t) => {
      const step = stepper(t);
      const host = await openPage(browser, `host (${size.name})`, size.viewport, size.extra);
      const guest = await openPage(browser, `participant (${size.name})`, size.viewport, size.extra);
      let cdp;

      await step("host and participant in a shared-pause session; the participant's network throttled", async () => {
        await Promise.all([load(host, relay.httpUrl), load(guest, relay.httpUrl)]);
        const code = await hostSession(host, "shared-pause");
        await joinWith(guest, code);
        cdp = await guest.context().newCDPSession(guest);
        await cdp.send("Network.enable");
        await cdp.send("Network.emulateNetworkConditions", {
          offline: false,
          latency: 40,
          // Slow enough that the large file (four 1 MiB chunks of our media-chunks
          // extension) takes seconds.
          downloadThroughput: 512 * 1024,
          uploadThroughput: 512 * 1024,
        });
      });

      await step("while the participant downloads, Resume for everyone is disabled and says why", async (st) => {
        const big = await bigPng(scratch, 3_500_000);
        await host.setInputFiles("#files", [...SAMPLES, big]);
        await waitFor("four accepted files", () =>
          host.evaluate(() => document.querySelectorAll("#selected-files li[data-accepted='true']").length === 4)
        );
        await host.click("#publish");
        await waitAttr(host, "upload-progress", "data-state", "done", { timeout: 30000 });
        await waitAttr(guest, "download-progress", "data-state", "downloading", { timeout: 20000 });
        assert.equal(await attr(guest, "gate", "data-blocked"), "true", "blocked while downloading");
        assert.equal(await visible(guest, "shared-controls"), true, "shared controls are offered in this room");
        assert.equal(await guest.isDisabled("#shared-play"), true, "Resume for everyone is disabled");
        assert.equal(await visible(guest, "shared-play-why"), true, "and the page says why");
        assert.equal(await visible(guest, "gate-confirm"), false, "no “Use my local copy” during a normal download");
        // The host sees who is not ready yet.
        await waitFor("the host's readiness", async () => (await attr(host, "readiness", "data-all-ready")) === "false");
        st.diagnostic(`host: ${await host.textContent("#readiness")}`);
        // A press anyway (scripted) changes nothing for everyone.
        await guest.evaluate(() => document.getElementById("shared-play").click());
        await pause(500);
        assert.equal(await attr(host, "host-playstate", "data-playing"), "false", "the host was not resumed");
        await keepShot(guest, `${dir}/09-participant-downloading-gated.png`).then((p) => {
          st.diagnostic(`screenshot: ${p}`);
          console.log(`screenshot: ${p}`);
        });
      });

      await step("when no byte arrives for a while, the page says the download is stalled; it clears when bytes come back", async (st) => {
        const now = await attr(guest, "download-progress", "data-state");
        assert.equal(now, "downloading", "the throttled download is still under way");
        // About 1 KB/s: the chunk under way cannot finish, so no byte is counted.
        await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 40, downloadThroughput: 1024, uploadThroughput: 1024 });
        await waitAttr(guest, "download-stall", "data-stalled", "true", { timeout: 30000 });
        assert.equal(await visible(guest, "download-stall"), true, "the stall warning is shown");
        const text = await guest.textContent("#download-stall");
        st.diagnostic(`stall warning: ${text}`);
        assert.match(text, /Nothing received for/);
        await keepShot(guest, `${dir}/10-participant-download-stalled.png`).then((p) => st.diagnostic(`screenshot: ${p}`));
        await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 40, downloadThroughput: 512 * 1024, uploadThroughput: 512 * 1024 });
        await waitAttr(guest, "download-stall", "data-stalled", "false", { timeout: 60000 });
      });

      await step("progress moves by bytes, with speed and time left, until the gate clears", async (st) => {
        await waitAttr(guest, "download-progress", "data-state", "done", { timeout: 120000 });
        await waitAttr(guest, "gate", "data-blocked", "false");
        assert.equal(await guest.isDisabled("#shared-play"), false, "Resume for everyone once ready (paused session)");
        const log = await guest.evaluate(() => window.__log.filter((e) => e.id === "download-progress" && e.state === "downloading"));
        const bytes = [...new Set(log.map((e) => Number(e["bytes-done"])))];
        st.diagnostic(`bytes-done values seen while downloading: ${bytes.join(", ")}`);
        assert.ok(bytes.length >= 3, `progress moved several times during the download (${bytes.join(", ")})`);
        // Within one file: while the count of finished files stays the same, the bytes
        // move (chunk by chunk), so a large file does not sit at 0 until it is whole.
        const within = new Map();
        for (const e of log) {
          const seen = within.get(e["files-done"]) || new Set();
          seen.add(Number(e["bytes-done"]));
          within.set(e["files-done"], seen);
        }
        const moving = [...within.values()].filter((v) => v.size >= 3).length;
        st.diagnostic(`bytes-done per files-done: ${[...within].map(([k, v]) => `${k}: ${[...v].join("/")}`).join("; ")}`);
        assert.ok(moving >= 1, "progress moved at least three times within one file");
        const total = Number(await attr(guest, "download-progress", "data-bytes-total"));
        assert.ok(total > 3_500_000, `bytesTotal counts the large file (${total})`);
        const rates = await guest.evaluate(() => window.__rates || []);
        st.diagnostic(`speed / time left seen: ${rates.slice(0, 6).join(" | ")}`);
        assert.ok(rates.some((r) => /\/s/.test(r)), "a speed was shown");
        assert.ok(rates.some((r) => /left/.test(r)), "a time left was shown");
        await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        assertNoProblems([host, guest]);
      });
      await host.context().close();
      await guest.context().close();
    });
  });
}

test("“Use my local copy” is offered only when it is true, and says what it means", { timeout: 60000 }, async () => {
  // The in-memory relay with media transfer off: the pack lists files the relay
  // does not carry, so the only way to follow is a copy the person has elsewhere.
  const page = await openPage(browser, "mock, media off");
  try {
    await load(page, `${relay.httpUrl}?relay=mock&media=off`);
    await page.click("#host-start");
    await waitAttr(page, "host-panel", "data-status", "hosting");
    await page.click("#join-start");
    await waitAttr(page, "join-panel", "data-status", "joined");
    assert.equal(await visible(page, "gate-confirm"), false, "nothing to confirm before anything is published");
    await page.setInputFiles("#files", SAMPLES);
    await waitFor("three accepted files", () =>
      page.evaluate(() => document.querySelectorAll("#selected-files li[data-accepted='true']").length === 3)
    );
    await page.click("#publish");
    await waitAttr(page, "gate", "data-local-copy", "elsewhere", { timeout: 15000 });
    assert.equal(await visible(page, "gate-confirm"), true);
    assert.match(await page.textContent("#gate-why"), /does not carry the images.*cannot show the images/);
    await page.click("#gate-confirm");
    await waitAttr(page, "gate", "data-state", "ready");
    assert.match(await page.textContent("#gate-why"), /follow the host's timer/);
    assertNoProblems([page]);
  } finally {
    await page.context().close();
  }
});

