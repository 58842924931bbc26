// End-to-end, issue 10: the demo page survives a host reload. The host's page keeps
// its resume token in sessionStorage; after a reload it resumes by itself (no click),
// hosting the same session, and the participant stays in it (it saw the host away
// meanwhile, `#participant-link[data-link=host-away]`, if the reload took that long).
//
//   node --test tests/e2e/resume.test.mjs   (pkg/ and the relay binary, as demo.test.mjs)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertNoProblems, attr, launchBrowser, openPage, prepareSite, startRelay, waitAttr, waitFor } from "./helpers.mjs";

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

  await host.reload();
  await waitAttr(host, "module-status", "data-ready", "true");
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
