// End-to-end: the demo page (www/) served by the real relay binary, driven through its
// UI only (the element ids of www/README.md) in Debian's headless Chromium via
// playwright-core.
//
//   node --test tests/e2e/        (needs pkg/ from scripts/build-pkg.sh and the relay
//                                  binary: RELAY_BIN or target/debug/online-sync-relay)
//
// "over the WebSocket relay": a host context and two participant contexts (one at
// phone width) run a whole session through the relay; the participants pick "Join a
// session" first (one of them by opening the host's invite link). "on the in-memory
// relay": the same steps on the page's single-tab MockRelay mode (host and simulated
// participant side by side, no first choice), quick.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  DESKTOP,
  PHONE,
  SAMPLES,
  assertNoOverflow,
  assertNoProblems,
  attr,
  launchBrowser,
  openPage,
  prepareSite,
  screenshot,
  startRelay,
  visible,
  waitAttr,
  waitFor,
} from "./helpers.mjs";

const PASSWORD = "figure-42";
const SECONDS_PER_IMAGE = 90; // long enough that no image changes by itself during the test
const SESSION_CODE = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;

let site;
let relay;
let browser;

before(async () => {
  site = await prepareSite();
  relay = await startRelay(site.dir);
  browser = await launchBrowser();
});

after(async () => {
  // Each on its own, so one failure does not leave the others running.
  await browser?.close().catch(() => {});
  await relay?.stop().catch(() => {});
  await site?.remove().catch(() => {});
});

/**
 * Runs the named steps of one test as subtests, in order; after a failed step the
 * rest are skipped (they would only fail for the same reason).
 */
function stepper(t) {
  let failed = "";
  return (name, fn) =>
    t.test(name, async (st) => {
      if (failed) {
        st.skip(`after the failed step “${failed}”`);
        return;
      }
      try {
        await fn(st);
      } catch (e) {
        failed = name;
        throw e;
      }
    });
}

// ---------------------------------------------------------------------------
// Steps, on pages whose host and participant panels may be the same page (mock mode).

async function load(page, url) {
  await page.goto(url);
  await waitAttr(page, "module-status", "data-ready", "true");
}

/**
 * Waits until `#panel[data-status]` is `want`, or back to idle with an error; fails
 * with the error code then. The deadline is above the client's request timeout (8 s),
 * and a debug relay spends about 2 s hashing each password (scrypt, unoptimized).
 */
async function settles(page, panel, want) {
  const got = await waitFor(`${page.label}: #${panel} ${want}`, () =>
    page.evaluate(([id, w, source]) => {
      const status = document.getElementById(id).getAttribute("data-status");
      const banner = document.getElementById("error");
      const code = banner.getAttribute("data-source") === source ? banner.getAttribute("data-code") : "";
      return status === w || (status === "idle" && code) ? { status, code } : false;
    }, [panel, want, panel === "host-panel" ? "host" : "participant"]),
  { timeout: 20000 });
  assert.equal(got.status, want, `${page.label}: ${panel} ended ${got.status} with error ${got.code}`);
}

/** The id of the focused element ("" for none or the page itself). */
function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return !a || a === document.body ? "" : a.id || a.tagName.toLowerCase();
  });
}

/**
 * On a WebSocket relay, a tab in a session shows only its own panel (and no first
 * choice); on the in-memory relay both panels stay side by side.
 */
async function assertOnePanel(page, own, { mock = false } = {}) {
  const other = own === "host-panel" ? "join-panel" : "host-panel";
  assert.equal(await visible(page, own), true, `${page.label}: #${own} is shown`);
  if (mock) {
    assert.equal(await visible(page, other), true, `${page.label}: the mock view keeps #${other} beside it`);
    assert.equal(await attr(page, "main", "data-view"), "both");
  } else {
    assert.equal(await visible(page, other), false, `${page.label}: #${other} is folded away during the session`);
    assert.equal(await visible(page, "choice"), false, `${page.label}: no host/join choice during the session`);
    assert.equal(await attr(page, "main", "data-view"), own === "host-panel" ? "host" : "join");
  }
}

/** Picks "Join a session" when the page offers the first choice (WebSocket relay). */
async function chooseJoin(page) {
  if (!(await visible(page, "choice"))) return;
  await page.click("#choose-join");
  assert.equal(await attr(page, "choose-join", "aria-pressed"), "true");
  assert.equal(await visible(page, "join-form"), true, "the Join form is shown");
  assert.equal(await visible(page, "host-panel"), false, "the host panel is not");
}

/** `#id` lies wholly inside the viewport, with the page not scrolled. */
async function inFirstScreen(page, id) {
  return page.evaluate((x) => {
    const r = document.getElementById(x).getBoundingClientRect();
    return { ok: scrollY === 0 && r.top >= 0 && r.bottom <= innerHeight && r.height > 0, bottom: Math.round(r.bottom), innerHeight, scrollY };
  }, id);
}

async function startHosting(page, { mode, mock = false }) {
  await page.fill("#host-name", "Figure drawing e2e");
  await page.fill("#host-display-name", "Hosta");
  await page.fill("#host-password", PASSWORD);
  await page.selectOption("#host-mode", mode);
  await page.click("#host-start");
  await settles(page, "host-panel", "hosting");
  const code = (await page.textContent("#session-code")).trim();
  assert.match(code, SESSION_CODE, "the host shows a session code");
  assert.equal(await visible(page, "host-leave"), true, "End session is offered");
  await waitFor(`${page.label}: the focus on the session code`, async () => (await focused(page)) === "session-code");
  await assertOnePanel(page, "host-panel", { mock });
  assert.equal(await visible(page, "invite"), !mock, mock ? "no invite link on the in-memory relay" : "the invite link is offered");
  return code;
}

async function joinWrongPassword(page, code) {
  await chooseJoin(page);
  await page.fill("#join-code", code);
  await page.fill("#join-password", "not-the-password");
  await page.fill("#join-name", "Wrongpass");
  await page.click("#join-start");
  await waitAttr(page, "error", "data-code", "invalid-password", { timeout: 20000 });
  assert.equal(await visible(page, "error"), true, "the error banner is visible");
  assert.equal(await attr(page, "error", "data-source"), "participant");
  const text = (await page.textContent("#error-text")).trim();
  assert.match(text, /^Wrong password for this session\.$/, "the banner says it in words");
  assert.equal((await page.textContent("#error-code")).trim(), "invalid-password", "the code on the details line");
  assert.equal(await visible(page, "join-error"), true, "the participant panel says it too");
  assert.equal(await attr(page, "join-error", "data-code"), "invalid-password");
  await waitAttr(page, "join-panel", "data-status", "idle");
  assert.equal(await page.isEnabled("#join-start"), true, "Join can be pressed again");
  await waitFor(`${page.label}: the focus back on the password field`, async () => (await focused(page)) === "join-password");
}

async function join(page, code, name, { mock = false } = {}) {
  await chooseJoin(page);
  await page.fill("#join-code", code);
  await page.fill("#join-password", PASSWORD);
  await page.fill("#join-name", name);
  await page.click("#join-start");
  await settles(page, "join-panel", "joined");
  assert.equal(await visible(page, "error"), false, "a successful join clears the error banner");
  assert.equal((await page.textContent("#join-session-code")).trim(), code);
  assert.equal(await visible(page, "leave"), true, "Leave session is offered");
  // The focus goes to the session view, never to Leave (a stray Enter must not leave).
  await waitFor(`${page.label}: the focus on the session view`, async () => (await focused(page)) === "join-player-title");
  await assertOnePanel(page, "join-panel", { mock });
}

/** The host's participant list shows `names` (besides the host), each in `syncState`. */
async function hostSeesParticipants(host, names, syncState) {
  return waitFor(`the host's list to show ${names.join(", ")} as ${syncState || "any state"}`, () =>
    host.evaluate(
      ([want, sync]) => {
        const rows = [...document.querySelectorAll("#participants li[data-role='participant']")];
        const got = rows.map((li) => [li.querySelector(".person-name").textContent, li.dataset.syncState]);
        const ok =
          got.length === want.length &&
          want.every((n) => got.some(([g, s]) => g === n && (!sync || s === sync)));
        return ok ? got : false;
      },
      [names, syncState]
    )
  );
}

async function pickAndPublish(host) {
  await host.setInputFiles("#files", SAMPLES);
  await waitFor("three accepted files in the selection", () =>
    host.evaluate(() => document.querySelectorAll("#selected-files li[data-accepted='true']").length === 3)
  );
  assert.match(await host.textContent("#files-summary"), /^3 files ready/);
  await host.fill("#host-duration", String(SECONDS_PER_IMAGE));
  await host.click("#publish");
  await waitAttr(host, "upload-progress", "data-state", "done");
  assert.equal(await attr(host, "upload-progress", "data-files-done"), "3");
  assert.equal(await attr(host, "upload-progress", "data-files-total"), "3");
  const steps = await host.evaluate(() =>
    window.__log.filter((e) => e.id === "upload-progress" && e.state === "uploading").map((e) => Number(e["files-done"]))
  );
  for (const n of [0, 1, 2]) assert.ok(steps.includes(n), `upload progress showed ${n} of 3 (saw ${steps})`);
  assert.match(await host.textContent("#upload-text"), /^Published 3 files/);
  // Published, paused on the first image.
  await waitFor("the host's first image", async () => (await attr(host, "current-image", "data-identity")) === "img-1-pose-1-standing_png");
  assert.equal(await attr(host, "host-playstate", "data-playing"), "false");
  assert.equal(await attr(host, "countdown", "data-seconds"), String(SECONDS_PER_IMAGE));
}

/** The participant downloads the three files with visible progress; the gate clears. */
async function downloadAndGate(page) {
  await waitFor(`${page.label}: 3 of 3 files downloaded`, async () => {
    const [done, state] = await Promise.all([
      attr(page, "download-progress", "data-files-done"),
      attr(page, "download-progress", "data-state"),
    ]);
    return done === "3" && state === "done";
  }, { timeout: 15000 });
  assert.equal(await attr(page, "download-progress", "data-files-total"), "3");
  assert.match(await page.textContent("#download-text"), /^Downloaded 3 of 3 files/);
  const log = await page.evaluate(() => window.__log);
  const dl = log.filter((e) => e.id === "download-progress");
  const midway = dl.filter((e) => e.state === "downloading" && e.visible && Number(e["files-done"]) < 3);
  assert.ok(midway.length > 0, `visible progress while downloading (log: ${JSON.stringify(dl)})`);
  const seen = new Set(dl.filter((e) => e.visible).map((e) => Number(e["files-done"])));
  for (const n of [1, 2, 3]) assert.ok(seen.has(n), `download progress showed ${n} of 3 (saw ${[...seen]})`);
  // Blocked while downloading, then cleared.
  assert.ok(
    log.some((e) => e.id === "gate" && e.blocked === "true" && e.reason === "pack-not-validated"),
    "the start gate was blocked before the download finished"
  );
  await waitAttr(page, "gate", "data-blocked", "false");
  assert.equal(await attr(page, "gate", "data-state"), "ready");
  assert.equal(await visible(page, "gate-actions"), false, "no gate actions once ready");
  const steps = dl.map((e) => `${e.state}:${e["files-done"]}/${e["files-total"]}`);
  return `${page.label}: download progress ${steps.filter((x, i) => x !== steps[i - 1]).join(" ")}`;
}

async function hostState(host) {
  return host.evaluate(() => ({
    identity: document.getElementById("current-image").getAttribute("data-identity"),
    seconds: Number(document.getElementById("countdown").getAttribute("data-seconds")),
    playing: document.getElementById("host-playstate").getAttribute("data-playing"),
  }));
}

async function participantState(page) {
  return page.evaluate(() => {
    const img = document.getElementById("participant-image");
    return {
      identity: img.getAttribute("data-identity"),
      shown: !img.hidden && img.complete && img.naturalWidth > 0,
      seconds: Number(document.getElementById("participant-countdown").getAttribute("data-seconds")),
      playing: document.getElementById("participant-playstate").getAttribute("data-playing"),
    };
  });
}

/** `WxH:<hash of the decoded pixels>` of the image `#id`, to compare what two pages show. */
function pixels(page, id) {
  return page.evaluate((x) => {
    const img = document.getElementById(x);
    if (!img.complete || !img.naturalWidth) return "";
    const c = document.createElement("canvas");
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    let h = 2166136261;
    for (const v of g.getImageData(0, 0, c.width, c.height).data) h = Math.imul(h ^ v, 16777619);
    return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`;
  }, id);
}

async function sameImage(host, parts) {
  const want = await pixels(host, "current-image");
  assert.match(want, /^300x400:/, "the host shows a decoded 300x400 sample");
  for (const p of parts) assert.equal(await pixels(p, "participant-image"), want, `${p.label} shows the host's image, pixel for pixel`);
}

/** Every participant shows the host's image (decoded) and a countdown within 1 s of it. */
async function followsHost(host, parts, { playing }) {
  const want = playing ? "true" : "false";
  await waitFor(`participants to show the host's image, ${playing ? "playing" : "paused"}`, async () => {
    const [h, ...ps] = await Promise.all([hostState(host), ...parts.map(participantState)]);
    return (
      h.identity &&
      h.playing === want &&
      ps.every((p) => p.identity === h.identity && p.shown && p.playing === want && Math.abs(p.seconds - h.seconds) <= 1)
    );
  });
  // Sampled a few times over two seconds, all at once in each sample.
  const samples = [];
  for (let i = 0; i < 5; i += 1) {
    const [h, ...ps] = await Promise.all([hostState(host), ...parts.map(participantState)]);
    samples.push({ host: h.seconds, parts: ps.map((p) => p.seconds) });
    for (const [k, p] of ps.entries()) {
      assert.equal(p.identity, h.identity, `${parts[k].label} shows the host's image`);
      assert.ok(
        Math.abs(p.seconds - h.seconds) <= 1,
        `${parts[k].label}'s countdown ${p.seconds} s is within 1 s of the host's ${h.seconds} s`
      );
    }
    await new Promise((r) => setTimeout(r, 400));
  }
  if (playing) {
    assert.ok(samples[0].host > samples.at(-1).host, `the host's countdown runs (${JSON.stringify(samples)})`);
    for (const k of parts.keys()) {
      assert.ok(samples[0].parts[k] > samples.at(-1).parts[k], `${parts[k].label}'s countdown runs`);
    }
  } else {
    assert.ok(samples.every((s) => s.host === samples[0].host), "the host's countdown stands still while paused");
  }
  return samples;
}

async function hostLeaves(host, parts, { mock = false } = {}) {
  await host.click("#host-leave");
  // Ending asks first; the focus starts on the safe answer.
  await waitFor(`${host.label}: the confirmation`, () => visible(host, "confirm"));
  assert.equal(await focused(host), "confirm-no", "the focus is on “Keep hosting”");
  await host.click("#confirm-yes");
  await waitAttr(host, "host-panel", "data-status", "idle");
  await waitFor(`${host.label}: the focus on Start hosting`, async () => (await focused(host)) === "host-start");
  if (!mock) assert.equal(await visible(host, "choice"), true, "the host/join choice is back after the session");
  for (const page of parts) {
    await waitFor(`${page.label}: the session-ended notice`, () => visible(page, "session-ended"));
    assert.equal(await attr(page, "session-ended", "data-reason"), "host-disconnected");
    assert.match(await page.textContent("#session-ended"), /^Session ended: The host ended the session/);
    await waitAttr(page, "join-panel", "data-status", "idle");
    assert.equal(await visible(page, "participant-image"), false, "the image is gone");
  }
}

/**
 * The ids of the elements Tab focuses in one full round (until one comes back), in
 * the order met from wherever the focus starts.
 */
async function tabOrder(page, max = 150) {
  const ids = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press("Tab");
    const id = await page.evaluate(() => {
      const a = document.activeElement;
      return !a || a === document.body ? "" : a.id || `${a.tagName.toLowerCase()}.${a.className}`;
    });
    if (!id) continue; // between the last control and the first
    if (ids.includes(id)) break; // went all the way round
    ids.push(id);
  }
  return ids;
}

/** Presses Tab until `#id` has the focus (fails if it never does). */
async function tabTo(page, id, max = 80) {
  await page.evaluate(() => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  });
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((x) => document.activeElement && document.activeElement.id === x, id)) return;
  }
  assert.fail(`${page.label}: Tab never reached #${id}`);
}

// ---------------------------------------------------------------------------

describe("demo page over the WebSocket relay", () => {
  test("host and two participants run a whole session", { timeout: 180000 }, async (t) => {
    const step = stepper(t);
    const host = await openPage(browser, "host");
    const alice = await openPage(browser, "participant A");
    const bob = await openPage(browser, "participant B (phone)", PHONE, { isMobile: true, hasTouch: true });
    const parts = [alice, bob];
    const pages = [host, ...parts];
    let code = "";

    await step("the relay serves the page; it loads the module in WebSocket mode", async () => {
      await Promise.all(pages.map((p) => load(p, relay.httpUrl)));
      for (const p of pages) {
        assert.equal(await attr(p, "relay-mode", "data-mode"), "websocket");
        assert.equal(await p.inputValue("#relay-url"), relay.wsUrl);
        // The first choice: host (preselected) or join.
        assert.equal(await visible(p, "choice"), true, `${p.label}: the host/join choice is offered`);
        assert.equal(await attr(p, "choose-host", "aria-pressed"), "true");
        assert.equal(await visible(p, "host-panel"), true);
        assert.equal(await visible(p, "join-panel"), false);
      }
      await assertNoOverflow(bob, "at phone width, before joining");
      await assertNoOverflow(host, "at desktop width");
    });

    await step("at phone width, “Join a session” shows the Join form in the first screen", async (st) => {
      await chooseJoin(bob);
      const got = await inFirstScreen(bob, "join-start");
      st.diagnostic(`phone: Join button bottom at ${got.bottom} px of ${got.innerHeight}`);
      assert.ok(got.ok, `the Join button is on the first screen, not below the host panel (${JSON.stringify(got)})`);
      // Keyboard: the next Tab after the choice goes into the Join form.
      await bob.keyboard.press("Tab");
      assert.equal(await focused(bob), "join-code", "Tab goes from “Join a session” to the session code");
      await assertNoOverflow(bob, "at phone width, on the Join panel");
    });

    await step("the host creates a shared-pause session with a password", async () => {
      code = await startHosting(host, { mode: "shared-pause" });
    });

    await step("the invite link opens the page on the Join panel with the code filled in", async (st) => {
      const link = await attr(host, "invite-link", "href");
      assert.equal(link, `${relay.httpUrl}#code=${code}`, "the join link is the page with #code=CODE");
      assert.equal((await host.textContent("#invite-link")).trim(), link, "the link is shown in full");
      await host.click("#copy-link");
      await waitFor("the copy status", async () => /^Copied the invite link/.test(await host.textContent("#copy-status")));
      // The phone participant opens it.
      await load(bob, link);
      assert.equal(await visible(bob, "join-panel"), true, "the Join panel is shown");
      assert.equal(await visible(bob, "host-panel"), false, "the host panel is not");
      assert.equal(await attr(bob, "choose-join", "aria-pressed"), "true");
      assert.equal(await bob.inputValue("#join-code"), code, "the code is filled in");
      assert.equal(await visible(bob, "join-invite-note"), true, "the page says where the code came from");
      const got = await inFirstScreen(bob, "join-start");
      st.diagnostic(`phone, invite link: Join button bottom at ${got.bottom} px of ${got.innerHeight}`);
      assert.ok(got.ok, `the Join button is on the first screen (${JSON.stringify(got)})`);
      await screenshot(bob, "participant-phone-invite.png", { firstScreen: true });
    });

    await step("a wrong password is refused and shown as an error in words", async () => {
      await joinWrongPassword(alice, code);
    });

    await step("both participants join with the password", async () => {
      await join(alice, code, "Alice");
      await join(bob, code, "Bob");
      await hostSeesParticipants(host, ["Alice", "Bob"]);
      for (const p of parts) {
        await waitFor(`${p.label}: three people in the session`, async () => (await p.textContent("#join-participants-count")) === "3");
      }
    });

    await step("the host uploads three images through the file input", async () => {
      await pickAndPublish(host);
    });

    await step("participants download them with visible progress and the gate clears", async (st) => {
      for (const line of await Promise.all(parts.map(downloadAndGate))) st.diagnostic(line);
      await hostSeesParticipants(host, ["Alice", "Bob"], "ready");
    });

    await step("the host plays; participants see the same image and countdown (within 1 s)", async (st) => {
      await host.click("#play");
      await waitAttr(host, "host-playstate", "data-playing", "true");
      const samples = await followsHost(host, parts, { playing: true });
      await sameImage(host, parts);
      st.diagnostic(`countdowns (host | A, B): ${samples.map((x) => `${x.host}|${x.parts.join(",")}`).join("  ")}`);
      // From the top: the stage column is sticky, so a scrolled page would shift it.
      await host.evaluate(() => scrollTo(0, 0));
      await screenshot(host, "host.png");
      await screenshot(alice, "participant.png");
      // At phone width: the viewport at the top of the participant's panel.
      await screenshot(bob, "participant-phone.png", { scrollTo: "join-panel" });
    });

    await step("a disabled Play (while playing) looks unlike an enabled primary button, light and dark", async () => {
      for (const colorScheme of ["light", "dark"]) {
        await host.emulateMedia({ colorScheme });
        const look = await host.evaluate(() => {
          const style = (id) => {
            const cs = getComputedStyle(document.getElementById(id));
            return { bg: cs.backgroundColor, color: cs.color, border: cs.borderTopStyle };
          };
          return { play: style("play"), publish: style("publish"), playDisabled: document.getElementById("play").disabled, publishDisabled: document.getElementById("publish").disabled };
        });
        assert.equal(look.playDisabled, true, "Play is disabled while playing");
        assert.equal(look.publishDisabled, false, "Publish (a primary button) is enabled");
        assert.notEqual(look.play.bg, look.publish.bg, `${colorScheme}: a disabled primary button has its own background (${JSON.stringify(look)})`);
        assert.notEqual(look.play.color, look.publish.color, `${colorScheme}: and its own text colour`);
        assert.equal(look.play.border, "dashed", `${colorScheme}: and a dashed border`);
        if (colorScheme === "dark") await screenshot(host, "host-dark.png", { scrollTo: "host-panel" });
      }
      await host.emulateMedia({ colorScheme: "light" });
    });

    await step("the host moves to the next image; participants follow", async () => {
      await host.click("#next");
      await waitFor("the host's second image", async () => (await hostState(host)).identity === "img-2-pose-2-reaching_png");
      await followsHost(host, parts, { playing: true });
      await sameImage(host, parts);
    });

    await step("a participant's shared pause pauses the host and everyone", async () => {
      assert.equal(await visible(alice, "shared-pause"), true, "the shared-pause button is offered");
      await alice.click("#shared-pause");
      await waitAttr(host, "host-playstate", "data-playing", "false");
      await waitFor("the host's notice about Alice", async () => /^Alice paused the session\.$/.test(await host.textContent("#host-notice")));
      await followsHost(host, parts, { playing: false });
    });

    await step("the other participant resumes for everyone with the keyboard", async () => {
      await tabTo(bob, "shared-play");
      await bob.keyboard.press("Enter");
      await waitAttr(host, "host-playstate", "data-playing", "true");
      await followsHost(host, parts, { playing: true });
    });

    await step("keyboard on the host: Tab reaches the controls; Space, arrows and focused buttons work", async (st) => {
      const order = await tabOrder(host);
      st.diagnostic(`host Tab order: ${order.join(" ")}`);
      for (const id of ["host-leave", "copy-code", "copy-link", "files", "use-samples", "publish", "prev", "pause", "next"]) {
        assert.ok(order.includes(id), `Tab reaches #${id} (order: ${order.join(" ")})`);
      }
      // Space with the focus on no control toggles the timer (and participants follow).
      await host.evaluate(() => document.activeElement && document.activeElement.blur());
      await host.keyboard.press("Space");
      await waitAttr(host, "host-playstate", "data-playing", "false");
      await waitFor("participants paused", async () => (await Promise.all(parts.map(participantState))).every((p) => p.playing === "false"));
      await host.keyboard.press("Space");
      await waitAttr(host, "host-playstate", "data-playing", "true");
      // Space on a focused button presses that button only (not also the shortcut).
      await tabTo(host, "next");
      await host.keyboard.press("Space");
      await waitFor("the host's third image", async () => (await hostState(host)).identity === "img-3-pose-3-lunge_png");
      assert.equal(await attr(host, "host-playstate", "data-playing"), "true", "Space on Next did not pause");
      await followsHost(host, parts, { playing: true });
      // Arrow keys step through the images; Space pauses again.
      await host.evaluate(() => document.activeElement && document.activeElement.blur());
      await host.keyboard.press("ArrowLeft");
      await waitFor("the host's second image again", async () => (await hostState(host)).identity === "img-2-pose-2-reaching_png");
      await host.keyboard.press("Space");
      await waitAttr(host, "host-playstate", "data-playing", "false");
      await followsHost(host, parts, { playing: false });
    });

    await step("the pages fit phone and desktop widths", async () => {
      await assertNoOverflow(bob, "at phone width, mid-session");
      await assertNoOverflow(alice, "at desktop width, mid-session");
      await assertNoOverflow(host, "at desktop width, mid-session");
      await host.setViewportSize(PHONE);
      await assertNoOverflow(host, "at phone width, mid-session");
      await host.setViewportSize(DESKTOP);
    });

    await step("the host leaves; participants see that the session ended", async () => {
      await hostLeaves(host, parts);
    });

    await step("no console errors and no page errors", async (st) => {
      for (const w of pages.flatMap((p) => p.warnings)) st.diagnostic(w);
      assertNoProblems(pages);
    });
  });
});

describe("demo page on the in-memory relay (single tab)", () => {
  test("host and simulated participant in one page", { timeout: 90000 }, async (t) => {
    const step = stepper(t);
    const page = await openPage(browser, "mock page");
    let code = "";

    await step("the page loads in mock mode: both panels side by side, no first choice", async () => {
      await load(page, `${relay.httpUrl}?relay=mock`);
      assert.equal(await attr(page, "relay-mode", "data-mode"), "mock");
      assert.equal(await visible(page, "choice"), false, "no host/join choice in the single-tab demo");
      assert.equal(await visible(page, "host-panel"), true);
      assert.equal(await visible(page, "join-panel"), true);
    });

    await step("host, wrong password, join", async () => {
      code = await startHosting(page, { mode: "shared-pause", mock: true });
      assert.equal(await page.inputValue("#join-code"), code, "the simulated participant gets the code");
      await joinWrongPassword(page, code);
      await join(page, code, "Simulated guest", { mock: true });
      await hostSeesParticipants(page, ["Simulated guest"]);
    });

    await step("upload, download, gate", async () => {
      await pickAndPublish(page);
      await downloadAndGate(page);
    });

    await step("play, follow, shared pause", async () => {
      await page.click("#play");
      await followsHost(page, [page], { playing: true });
      await sameImage(page, [page]);
      await page.click("#shared-pause");
      await waitAttr(page, "host-playstate", "data-playing", "false");
      await followsHost(page, [page], { playing: false });
    });

    await step("host leaves; no console errors", async () => {
      await hostLeaves(page, [page], { mock: true });
      assertNoProblems([page]);
    });
  });
});
