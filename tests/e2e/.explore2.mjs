import { prepareSite, startRelay, launchBrowser, openPage, waitAttr, waitFor, attr, visible, SAMPLES, screenshot } from "./helpers.mjs";
const site = await prepareSite(); const relay = await startRelay(site.dir); const browser = await launchBrowser();
const snap = async (p) => p.evaluate(() => ({
  gate: document.getElementById("gate").dataset.state, gateWhy: document.getElementById("gate-why").textContent,
  dl: document.getElementById("download-text").textContent,
  pid: document.getElementById("participant-image").dataset.identity, psec: document.getElementById("participant-countdown").dataset.seconds,
  err: document.getElementById("error").dataset.code, ended: document.getElementById("session-ended").hidden ? "" : document.getElementById("session-ended").textContent,
  status: document.getElementById("join-panel").dataset.status,
}));
try {
  const host = await openPage(browser, "host"); const a = await openPage(browser, "a"); const b = await openPage(browser, "b");
  for (const p of [host, a, b]) { await p.goto(relay.httpUrl); await waitAttr(p, "module-status", "data-ready", "true"); }
  // errors: join unknown code, bad code
  await a.fill("#join-code", "ABCD-2345"); await a.click("#join-start");
  await waitFor("err", async () => await attr(a, "error", "data-code"));
  console.log("unknown code:", await attr(a, "error", "data-code"), await a.textContent("#error-text"));
  await a.fill("#join-code", "abc"); await a.click("#join-start");
  await waitFor("err2", async () => (await attr(a, "error", "data-code")) !== "session-not-found");
  console.log("bad code:", await attr(a, "error", "data-code"));
  await host.selectOption("#host-mode", "host-only");
  await host.click("#host-start"); await waitAttr(host, "host-panel", "data-status", "hosting");
  const code = await host.textContent("#session-code");
  await host.setInputFiles("#files", SAMPLES); await host.fill("#host-duration", "5");
  await waitFor("sel", () => host.evaluate(() => document.querySelectorAll("#selected-files li").length === 3));
  await host.click("#publish"); await waitAttr(host, "upload-progress", "data-state", "done");
  await host.click("#play");
  // late joiner
  await a.fill("#join-code", code.toLowerCase()); await a.click("#join-start");
  await waitAttr(a, "join-panel", "data-status", "joined");
  await waitAttr(a, "gate", "data-state", "ready", { timeout: 15000 });
  console.log("late joiner", await snap(a), await attr(host, "countdown", "data-seconds"));
  console.log("shared controls visible in host-only:", await visible(a, "shared-controls"));
  // wait for an image boundary (5 s), compare
  for (let i = 0; i < 14; i++) { const [h, s] = await Promise.all([host.evaluate(() => [document.getElementById("current-image").dataset.identity, document.getElementById("countdown").dataset.seconds]), snap(a)]); console.log("t", i, h.join(" "), s.pid, s.psec); await new Promise(r => setTimeout(r, 500)); }
  // republish with 2 files -> gate blocks and redownloads
  await host.click("#clear-files"); await host.setInputFiles("#files", SAMPLES.slice(0, 2));
  await waitFor("sel2", () => host.evaluate(() => document.querySelectorAll("#selected-files li").length === 2));
  await host.click("#publish"); await waitAttr(host, "upload-progress", "data-state", "done");
  await waitFor("a reblocked->ready", async () => { const s = await snap(a); return s.gate === "ready" && /2 of 2/.test(s.dl) ? s : false; }, { timeout: 15000 });
  console.log("after republish", await snap(a), await host.textContent("#current-index"), await attr(host, "host-playstate", "data-playing"));
  await host.click("#play"); await new Promise(r => setTimeout(r, 1500));
  console.log("after republish play", await snap(a), await attr(host, "current-image", "data-identity"));
  // leave and rejoin
  await a.click("#leave"); await waitAttr(a, "join-panel", "data-status", "idle");
  console.log("after leave", await snap(a), await host.textContent("#participants-count"));
  await a.click("#join-start"); await waitAttr(a, "join-panel", "data-status", "joined");
  await waitAttr(a, "gate", "data-state", "ready", { timeout: 15000 });
  await new Promise(r => setTimeout(r, 1000));
  console.log("rejoined", await snap(a), await attr(host, "current-image", "data-identity"));
  // change mode mid-session
  await host.selectOption("#host-mode", "shared-pause");
  await waitFor("shared visible", () => visible(a, "shared-controls"));
  console.log("mode change ok");
  // host ends
  await host.click("#host-leave");
  await waitFor("ended", async () => (await snap(a)).ended);
  console.log("ended", await snap(a));
  // host again, same tab, new session
  await host.click("#host-start"); await waitAttr(host, "host-panel", "data-status", "hosting");
  console.log("rehost", await host.textContent("#session-code"), await host.textContent("#host-stage-empty"), await attr(host, "publish", "disabled"));
  console.log("problems", host.problems, a.problems, b.problems);
} finally { await browser.close(); await relay.stop(); await site.remove(); }
