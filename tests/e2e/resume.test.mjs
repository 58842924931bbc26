// End-to-end, issue 10: the demo page survives a host reload and a relay restart.
// Host reload: the host's page keeps its resume token in sessionStorage; after a
// reload (which the page warns about first: `beforeunload` while hosting) it resumes
// by itself (no click), hosting the same session, and the participant stays in it (it
// saw the host away meanwhile, `#participant-link[data-link=host-away]`, if the reload
// took that long). Relay restart: a relay with a data dir killed with SIGKILL mid-
// session and started again on the same port and dir; both pages show that they are
// reconnecting, then come back by themselves to the same session, images and gate.
//
//   node --test tests/e2e/resume.test.mjs   (pkg/ and the relay binary, as demo.test.mjs)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SAMPLES,
  assertNoProblems,
  attr,
  keepShot,
  launchBrowser,
  openPage,
  prepareSite,
  startRelay,
  waitAttr,
  waitFor,
} from "./helpers.mjs";

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

async function load(page, url) {
  await page.goto(url);
  await waitAttr(page, "module-status", "data-ready", "true");
}

test("the demo page survives a host reload without the person doing anything", async () => {
  const host = await openPage(browser, "host");
  const guest = await openPage(browser, "participant");
  await Promise.all([load(host, relay.httpUrl), load(guest, relay.httpUrl)]);

  await host.fill("#host-display-name", "Hosta");
  await host.click("#host-start");
  await waitAttr(host, "host-panel", "data-status", "hosting", { timeout: 20000 });
  const code = (await host.textContent("#session-code")).trim();

  await guest.click("#choose-join");
  await guest.fill("#join-code", code);
  await guest.fill("#join-name", "Ana");
  await guest.click("#join-start");
  await waitAttr(guest, "join-panel", "data-status", "joined", { timeout: 20000 });
  await waitFor("the host sees the participant", () =>
    host.evaluate(() => document.querySelectorAll("#participants li").length === 2),
  );
  const hostId = await host.evaluate(() => document.querySelector("#participants li[data-self]")?.dataset.clientId);
  assert.ok(hostId, "the host is listed as itself");

  // The reload asks first (the page is hosting); the person confirms.
  const dialogs = [];
  host.on("dialog", (d) => {
    dialogs.push(d.type());
    d.accept().catch(() => {});
  });
  await host.reload();
  await waitAttr(host, "module-status", "data-ready", "true");
  assert.deepEqual(dialogs, ["beforeunload"], "the host was asked before the reload");
  await waitAttr(host, "host-panel", "data-status", "hosting", { timeout: 20000 });
  assert.equal((await host.textContent("#session-code")).trim(), code, "the same session");
  await waitFor("the resumed host lists the participant again", () =>
    host.evaluate(() => document.querySelectorAll("#participants li").length === 2),
  );
  const again = await host.evaluate(() => document.querySelector("#participants li[data-self]")?.dataset.clientId);
  assert.equal(again, hostId, "the same client id, no second host");
  assert.equal(await attr(guest, "join-panel", "data-status"), "joined", "the participant never left");
  await waitAttr(guest, "participant-link", "data-link", "", { timeout: 10000 });
  assertNoProblems([host, guest]);
  await host.context().close();
  await guest.context().close();
});

test("the demo page survives a relay kill -9 and restart (same port, same data dir) without the person doing anything", { timeout: 120000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "online-sync-e2e-data-"));
  let durable = await startRelay(site.dir, { dataDir });
  const host = await openPage(browser, "host");
  const guest = await openPage(browser, "participant");
  try {
    await Promise.all([load(host, durable.httpUrl), load(guest, durable.httpUrl)]);
    await host.click("#host-start");
    await waitAttr(host, "host-panel", "data-status", "hosting", { timeout: 20000 });
    const code = (await host.textContent("#session-code")).trim();
    await guest.click("#choose-join");
    await guest.fill("#join-code", code);
    await guest.click("#join-start");
    await waitAttr(guest, "join-panel", "data-status", "joined", { timeout: 20000 });
    await host.setInputFiles("#files", SAMPLES);
    await waitFor("three files picked", () => host.evaluate(() => document.querySelectorAll("#selected-files li[data-accepted='true']").length === 3));
    await host.click("#publish");
    await waitAttr(host, "upload-progress", "data-state", "done");
    await waitAttr(guest, "gate", "data-state", "ready", { timeout: 20000 });
    await host.click("#next");
    await waitAttr(guest, "participant-image", "data-identity", "img-2-pose-2-reaching_png");
    // Let the write-behind store the last change (at most ~100 ms behind).
    await new Promise((r) => setTimeout(r, 500));

    await durable.kill9();
    for (const [page, id] of [[host, "host-link"], [guest, "participant-link"]]) {
      await waitAttr(page, id, "data-link", "reconnecting", { timeout: 15000 });
    }
    const shot = await keepShot(guest, "relay-restart/participant-reconnecting.png");
    t.diagnostic(`screenshot: ${shot}`);
    console.log(`screenshot: ${shot}`);

    durable = await startRelay(site.dir, { dataDir, port: durable.port });
    for (const [page, id] of [[host, "host-link"], [guest, "participant-link"]]) {
      await waitAttr(page, id, "data-link", "", { timeout: 30000 });
    }
    assert.equal(await attr(host, "host-panel", "data-status"), "hosting", "the host still hosts");
    assert.equal((await host.textContent("#session-code")).trim(), code, "the same session");
    assert.equal(await attr(guest, "join-panel", "data-status"), "joined", "the participant is still in it");
    assert.equal(await attr(guest, "gate", "data-state"), "ready", "the copy still matches: no download again");
    assert.equal(await attr(guest, "participant-image", "data-identity"), "img-2-pose-2-reaching_png", "the same image");
    // And the session goes on.
    await host.click("#next");
    await waitAttr(guest, "participant-image", "data-identity", "img-3-pose-3-lunge_png", { timeout: 15000 });
    assertNoProblems([host, guest]);
  } finally {
    await host.context().close();
    await guest.context().close();
    await durable.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  }
});
