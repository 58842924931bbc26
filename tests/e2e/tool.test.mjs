// End-to-end, issue 14: the demo page as a tool a drawing group runs a session with,
// at 1280x800 (laptop) and 390x844 (phone; both pages as touch phones). Each size
// runs a full host + participant session over the relay binary in headless
// Chromium and asserts each point of the issue: the image box's share of the
// viewport, a large timer, the countdown overlay before a pose changes, full screen
// (button and `F`), nothing by accident (no leave on Enter/Space after joining,
// leaving and ending ask first, beforeunload while hosting), tolerant code entry and
// the `#code=` join link, readiness at a glance, republish keeping the place,
// accessibility probes; and a tablet in both orientations. The throttled gate is in
// gate.test.mjs, the headers in served.test.mjs.
//
// Screenshots are kept under target/e2e-screenshots/<size>/ and their paths printed.
//
//   node --test tests/e2e/tool.test.mjs   (pkg/ and the relay binary, as demo.test.mjs)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  SAMPLES,
  assertNoOverflow,
  assertNoProblems,
  attr,
  keepShot,
  launchBrowser,
  openPage,
  prepareSite,
  startRelay,
  visible,
  waitAttr,
  waitFor,
} from "./helpers.mjs";
import {
  SIZES,
  focused,
  hostSession,
  joinWith,
  leaveConfirmed,
  load,
  lowContrast,
  pause,
  smallTargets,
  stageBox,
  stepper,
  timerLook,
  unlabelled,
} from "./tool-helpers.mjs";

const SECONDS_PER_IMAGE = 8; // short: the overlay and the change of pose are seen in the test

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

for (const size of SIZES) {
  const { width, height } = size.viewport;
  const dir = `${size.name}-${width}x${height}`;

  describe(`the demo page as a tool at ${width}x${height}`, () => {
    test("a full host + participant session", { timeout: 180000 }, async (t) => {
      const step = stepper(t);
      const host = await openPage(browser, `host (${size.name})`, size.viewport, size.extra);
      const guest = await openPage(browser, `participant (${size.name})`, size.viewport, size.extra);
      const shots = [];
      const shot = async (page, name) => {
        const path = await keepShot(page, `${dir}/${name}.png`);
        shots.push(path);
        t.diagnostic(`screenshot: ${path}`);
        console.log(`screenshot: ${path}`);
      };
      let code = "";

      await step("the host opens a shared-pause session; closing the tab now would ask first", async () => {
        await load(host, relay.httpUrl);
        code = await hostSession(host, "shared-pause");
        assert.equal(await focused(host), "session-code", "the focus on the code to hand out, not on End session");
        const warns = await host.evaluate(() => {
          const e = new Event("beforeunload", { cancelable: true });
          window.dispatchEvent(e);
          return e.defaultPrevented;
        });
        assert.equal(warns, true, "beforeunload is cancelled (the browser asks) while hosting");
        const link = await attr(host, "invite-link", "href");
        assert.equal(link, `${relay.httpUrl}#code=${code}`, "the join link");
        assert.equal(await visible(host, "copy-link"), true, "a copy button for the join link");
      });

      await step("the join link (#code=, lower case) opens the Join panel with the code filled in", async () => {
        await load(guest, `${relay.httpUrl}#code=${code.toLowerCase()}`);
        assert.equal(await visible(guest, "join-panel"), true);
        assert.equal(await guest.inputValue("#join-code"), code, "normalised to the canonical form");
        await shot(guest, "01-join-link");
      });

      await step("code entry: abcdefgh, ABCD EFGH, ' abcd-efgh ' and a pasted link all join", async (st) => {
        const compact = code.replace("-", "");
        const variants = [
          compact.toLowerCase(),
          `${compact.slice(0, 4)} ${compact.slice(4)}`,
          ` ${code.toLowerCase()} `,
          `${relay.httpUrl}#code=${code}`,
        ];
        for (const [i, typed] of variants.entries()) {
          await joinWith(guest, typed);
          assert.equal((await guest.textContent("#join-session-code")).trim(), code);
          st.diagnostic(`joined with ${JSON.stringify(typed)}`);
          if (i < variants.length - 1) await leaveConfirmed(guest);
        }
      });

      await step("after joining, Enter and Space do not leave; Leave asks and “Stay” keeps the session", async () => {
        assert.equal(await focused(guest), "join-player-title", "the focus on the session view");
        await guest.keyboard.press("Enter");
        await guest.keyboard.press("Space");
        await pause(700);
        assert.equal(await attr(guest, "join-panel", "data-status"), "joined", "still joined after Enter and Space");
        assert.equal(await visible(guest, "confirm"), false, "no dialog opened");
        await guest.click("#leave");
        await waitFor("the confirmation", () => visible(guest, "confirm"));
        await shot(guest, "02-leave-asks");
        // Enter on the focused “Stay”, then Escape on a second ask: both keep the session.
        await guest.keyboard.press("Enter");
        await waitFor("the dialog closed", async () => !(await visible(guest, "confirm")));
        await guest.click("#leave");
        await waitFor("the confirmation again", () => visible(guest, "confirm"));
        await guest.keyboard.press("Escape");
        await waitFor("the dialog closed again", async () => !(await visible(guest, "confirm")));
        await pause(300);
        assert.equal(await attr(guest, "join-panel", "data-status"), "joined", "still joined");
        assert.equal(await focused(guest), "join-player-title", "the focus back on the session view, not on Leave");
      });

      await step("the host publishes; the participant downloads; readiness shows at a glance", async () => {
        await host.setInputFiles("#files", SAMPLES);
        await waitFor("three accepted files", () =>
          host.evaluate(() => document.querySelectorAll("#selected-files li[data-accepted='true']").length === 3)
        );
        await host.fill("#host-duration", String(SECONDS_PER_IMAGE));
        await host.click("#publish");
        await waitAttr(host, "upload-progress", "data-state", "done");
        await waitAttr(guest, "gate", "data-state", "ready", { timeout: 20000 });
        await waitAttr(host, "readiness", "data-all-ready", "true");
        assert.match(await host.textContent("#readiness"), /^All 1 participant ready\.$/);
        assert.equal(await visible(guest, "gate-confirm"), false, "no “Use my local copy” once the copy is ready");
      });

      await step("the image box fills the screen; the timer is large and on the image", async (st) => {
        await host.click("#play");
        await waitAttr(guest, "participant-playstate", "data-playing", "true");
        await waitFor("the participant's image decoded", async () => (await stageBox(guest, "participant-stage", "participant-image")).decoded);
        for (const [page, stage, img, cd] of [
          [host, "host-stage", "current-image", "countdown"],
          [guest, "participant-stage", "participant-image", "participant-countdown"],
        ]) {
          const box = await stageBox(page, stage, img);
          st.diagnostic(`${page.label}: image box ${Math.round(box.width)} px wide, ${(box.share * 100).toFixed(1)}% of the viewport`);
          assert.ok(box.share >= size.minShare, `${page.label}: the image box is ${(box.share * 100).toFixed(1)}% of the viewport (>= ${size.minShare * 100}%)`);
          assert.ok(box.imgFills, `${page.label}: the image element fills its box`);
          assert.equal(box.objectFit, "contain");
          assert.ok(box.decoded, `${page.label}: the image is shown`);
          if (size.name === "phone") {
            assert.ok(box.width >= 0.9 * box.innerWidth, `${page.label}: the full width of the phone (${box.width} of ${box.innerWidth})`);
            assert.ok(box.top >= 0 && box.bottom <= box.innerHeight, `${page.label}: the image in the first screen, no scrolling (${box.top}..${box.bottom} of ${box.innerHeight})`);
          }
          const look = await timerLook(page, cd, stage);
          assert.ok(look.px >= 36, `${page.label}: the countdown is large (${look.px} px)`);
          assert.ok(look.onStage, `${page.label}: the countdown sits on the image`);
        }
        await assertNoOverflow(host, "mid-session");
        await assertNoOverflow(guest, "mid-session");
        await shot(host, "03-host-playing");
        await shot(guest, "04-participant-playing");
      });

      await step("a countdown overlay shows the last seconds, then the pose changes on both", async () => {
        for (const [page, id] of [[guest, "participant-overlay"], [host, "host-overlay"]]) {
          await waitFor(`${page.label}: the overlay`, async () => {
            const v = Number(await attr(page, id, "data-seconds"));
            return v >= 1 && v <= 5 && (await visible(page, id));
          }, { timeout: (SECONDS_PER_IMAGE + 4) * 1000 });
        }
        await shot(guest, "05-participant-overlay");
        await waitFor("the second image on both", async () =>
          (await attr(host, "current-image", "data-identity")) === "img-2-pose-2-reaching_png" &&
          (await attr(guest, "participant-image", "data-identity")) === "img-2-pose-2-reaching_png",
        { timeout: 10000 });
        assert.equal(await visible(guest, "participant-overlay"), false, "the overlay is gone on the new pose");
        await host.click("#pause");
        await waitAttr(guest, "participant-playstate", "data-playing", "false");
      });

      await step("full screen: the button and the F key, on both sides", async () => {
        await guest.click("#participant-fullscreen");
        await waitFor("the participant's player in full screen", () =>
          guest.evaluate(() => document.fullscreenElement && document.fullscreenElement.id === "join-player")
        );
        assert.equal(await attr(guest, "participant-fullscreen", "aria-pressed"), "true");
        const fs = await guest.evaluate(() => {
          const r = document.getElementById("participant-stage").getBoundingClientRect();
          return (r.width * r.height) / (innerWidth * innerHeight);
        });
        assert.ok(fs >= 0.6, `in full screen the image box is ${(fs * 100).toFixed(0)}% of the screen`);
        await shot(guest, "06-participant-fullscreen");
        await guest.keyboard.press("f");
        await waitFor("out of full screen", () => guest.evaluate(() => !document.fullscreenElement));
        await host.evaluate(() => document.activeElement && document.activeElement.blur());
        await host.keyboard.press("f");
        await waitFor("the host's player in full screen", () =>
          host.evaluate(() => document.fullscreenElement && document.fullscreenElement.id === "host-player")
        );
        await host.keyboard.press("f");
        await waitFor("the host out of full screen", () => host.evaluate(() => !document.fullscreenElement));
        assert.match(await host.textContent("#host-shortcuts"), /Keyboard shortcuts/, "the shortcuts are in the page");
      });

      await step("republishing keeps the place: the same image, paused, on both", async () => {
        assert.equal(await attr(host, "current-image", "data-identity"), "img-2-pose-2-reaching_png");
        const before = await host.evaluate(() => window.__log.filter((e) => e.id === "upload-progress" && e.state === "done").length);
        const gateBefore = await guest.evaluate(() => window.__log.filter((e) => e.id === "gate" && e.blocked === "true").length);
        await host.click("#publish");
        await waitFor("the republish done", () =>
          host.evaluate((n) => window.__log.filter((e) => e.id === "upload-progress" && e.state === "done").length > n, before)
        );
        assert.equal(await attr(host, "current-image", "data-identity"), "img-2-pose-2-reaching_png", "the host stays on image 2");
        assert.match(await host.textContent("#current-index"), /^Image 2 of 3$/);
        assert.equal(await attr(host, "host-playstate", "data-playing"), "false");
        await waitFor("the participant blocked for the new version, then ready again", () =>
          guest.evaluate((n) => window.__log.filter((e) => e.id === "gate" && e.blocked === "true").length > n, gateBefore)
        );
        await waitAttr(guest, "gate", "data-state", "ready", { timeout: 20000 });
        await waitAttr(guest, "participant-image", "data-identity", "img-2-pose-2-reaching_png");
      });

      await step("accessible: every control named, contrast in both themes, touch-sized targets", async (st) => {
        for (const page of [host, guest]) {
          assert.deepEqual(await unlabelled(page), [], `${page.label}: controls without a name`);
          for (const theme of ["light", "dark"]) {
            await page.selectOption("#theme", theme);
            assert.deepEqual(await lowContrast(page), [], `${page.label}, ${theme}: text under AA contrast`);
          }
          await page.selectOption("#theme", "auto");
          if (size.name === "phone") {
            assert.deepEqual(await smallTargets(page), [], `${page.label}: touch targets under 44 px`);
          }
        }
        // A visible focus ring on the keyboard's way through the controls.
        await guest.keyboard.press("Tab");
        const ring = await guest.evaluate(() => {
          const cs = getComputedStyle(document.activeElement);
          return { id: document.activeElement.id, outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
        });
        st.diagnostic(`focus ring on #${ring.id}: ${ring.outline} ${ring.width}px`);
        assert.ok(ring.outline !== "none" && ring.width >= 2, `a visible focus ring (${JSON.stringify(ring)})`);
      });

      await step("the dark theme", async () => {
        await guest.selectOption("#theme", "dark");
        assert.equal(await guest.evaluate(() => document.documentElement.dataset.theme), "dark");
        const bg = await guest.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
        assert.equal(bg, "rgb(21, 23, 28)", "the dark background");
        await shot(guest, "07-participant-dark");
        await guest.selectOption("#theme", "auto");
      });

      await step("ending asks first (Escape keeps hosting); then the participant sees it ended", async () => {
        await host.click("#host-leave");
        await waitFor("the confirmation", () => visible(host, "confirm"));
        assert.equal(await focused(host), "confirm-no");
        await host.keyboard.press("Escape");
        await pause(300);
        assert.equal(await attr(host, "host-panel", "data-status"), "hosting", "Escape keeps the session");
        await host.click("#host-leave");
        await waitFor("the confirmation again", () => visible(host, "confirm"));
        await host.click("#confirm-yes");
        await waitAttr(host, "host-panel", "data-status", "idle");
        await waitAttr(guest, "session-ended", "data-reason", "host-disconnected");
        await shot(guest, "08-participant-ended");
      });

      await step("no console errors and no page errors", async () => {
        assertNoProblems([host, guest]);
        t.diagnostic(`${shots.length} screenshots under target/e2e-screenshots/${dir}/`);
      });
      await host.context().close();
      await guest.context().close();
    });
  });
}

describe("the demo page on a tablet, both orientations", () => {
  test("portrait 768x1024, then landscape 1024x768", { timeout: 120000 }, async (t) => {
    const host = await openPage(browser, "host (desktop)", { width: 1280, height: 800 });
    const tab = await openPage(browser, "participant (tablet)", { width: 768, height: 1024 }, { isMobile: true, hasTouch: true });
    try {
      await Promise.all([load(host, relay.httpUrl), load(tab, relay.httpUrl)]);
      const code = await hostSession(host, "host-only");
      await joinWith(tab, code);
      await host.setInputFiles("#files", SAMPLES);
      await waitFor("three accepted files", () =>
        host.evaluate(() => document.querySelectorAll("#selected-files li[data-accepted='true']").length === 3)
      );
      await host.click("#publish");
      await waitAttr(tab, "gate", "data-state", "ready", { timeout: 20000 });
      await waitFor("the image decoded", async () => (await stageBox(tab, "participant-stage", "participant-image")).decoded);
      for (const [name, viewport] of [["portrait", { width: 768, height: 1024 }], ["landscape", { width: 1024, height: 768 }]]) {
        await tab.setViewportSize(viewport);
        await pause(300);
        const box = await stageBox(tab, "participant-stage", "participant-image");
        t.diagnostic(`tablet ${name}: image box ${(box.share * 100).toFixed(1)}% of the viewport`);
        assert.ok(box.share >= 0.5, `${name}: the image box is ${(box.share * 100).toFixed(1)}% of the viewport`);
        assert.ok(box.top >= 0 && box.bottom <= box.innerHeight, `${name}: the image in the first screen (${box.top}..${box.bottom})`);
        await assertNoOverflow(tab, `tablet ${name}`);
        assert.deepEqual(await smallTargets(tab), [], `${name}: touch targets under 44 px`);
        const path = await keepShot(tab, `tablet/participant-${name}.png`);
        t.diagnostic(`screenshot: ${path}`);
        console.log(`screenshot: ${path}`);
      }
      assertNoProblems([host, tab]);
    } finally {
      await host.context().close();
      await tab.context().close();
    }
  });
});
