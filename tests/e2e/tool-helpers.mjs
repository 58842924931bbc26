// Shared steps and probes of the issue-14 suites (tool, gate, served): the sizes,
// joining and leaving through the page, the image box's share of the viewport, the
// timer's look, and the accessibility probes (names, contrast, touch targets).
import assert from "node:assert/strict";
import { PHONE, attr, visible, waitAttr, waitFor } from "./helpers.mjs";

/** The two sizes every issue-14 scenario runs at. */
export const SIZES = [
  { name: "desktop", viewport: { width: 1280, height: 800 }, extra: {}, minShare: 0.5 },
  { name: "phone", viewport: PHONE, extra: { isMobile: true, hasTouch: true }, minShare: 0.5 },
];

/** Runs named steps as subtests; after a failed step the rest are skipped. */
export function stepper(t) {
  let failed = "";
  return (name, fn) =>
    t.test(name, async (st) => {
      if (failed) return st.skip(`after the failed step “${failed}”`);
      try {
        await fn(st);
      } catch (e) {
        failed = name;
        throw e;
      }
    });
}

export async function load(page, url) {
  await page.goto(url);
  await waitAttr(page, "module-status", "data-ready", "true");
}

export function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return !a || a === document.body ? "" : a.id || a.tagName.toLowerCase();
  });
}

export const pause = (ms) => new Promise((r) => setTimeout(r, ms));

export async function hostSession(host, mode) {
  await host.selectOption("#host-mode", mode);
  await host.click("#host-start");
  await waitAttr(host, "host-panel", "data-status", "hosting", { timeout: 20000 });
  return (await host.textContent("#session-code")).trim();
}

export async function joinWith(page, typed) {
  if (await visible(page, "choice")) await page.click("#choose-join");
  await page.fill("#join-code", typed);
  await page.fill("#join-name", "Ana");
  await page.click("#join-start");
  await waitFor(`${page.label}: joined with ${JSON.stringify(typed)}`, async () => {
    const [status, code] = await Promise.all([attr(page, "join-panel", "data-status"), attr(page, "error", "data-code")]);
    if (status === "idle" && code) throw new Error(`join refused: ${code}`);
    return status === "joined";
  }, { timeout: 20000 });
}

/** Leaves through the confirmation (its focus starts on “Stay”). */
export async function leaveConfirmed(page) {
  await page.click("#leave");
  await waitFor(`${page.label}: the confirmation`, () => visible(page, "confirm"));
  assert.equal(await focused(page), "confirm-no", "the focus starts on the safe answer");
  await page.click("#confirm-yes");
  await waitAttr(page, "join-panel", "data-status", "idle");
}

/**
 * The stage's box (the image's available space) as a share of the viewport, counting
 * only what is on screen with the page scrolled to the top; and the image's own box.
 */
export function stageBox(page, stageId, imgId) {
  return page.evaluate(([s, i]) => {
    scrollTo(0, 0);
    const r = document.getElementById(s).getBoundingClientRect();
    const img = document.getElementById(i);
    const ir = img.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
    const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    return {
      share: (w * h) / (innerWidth * innerHeight),
      width: r.width,
      top: r.top,
      bottom: r.bottom,
      innerWidth,
      innerHeight,
      imgFills: Math.abs(ir.width - r.width) < 2 && Math.abs(ir.height - r.height) < 2,
      objectFit: getComputedStyle(img).objectFit,
      decoded: img.complete && img.naturalWidth > 0 && !img.hidden,
    };
  }, [stageId, imgId]);
}

/** The countdown: its font size (px) and whether it sits on the stage. */
export function timerLook(page, id, stageId) {
  return page.evaluate(([c, s]) => {
    const el = document.getElementById(c);
    const r = el.getBoundingClientRect();
    const sr = document.getElementById(s).getBoundingClientRect();
    return {
      px: parseFloat(getComputedStyle(el).fontSize),
      onStage: r.left >= sr.left && r.right <= sr.right && r.top >= sr.top && r.bottom <= sr.bottom,
      text: el.textContent,
    };
  }, [id, stageId]);
}

/** Visible controls without an accessible name (label, text, aria-label/-labelledby, title). */
export function unlabelled(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, a[href], summary, output")]
      .filter((el) => el.getClientRects().length && !el.closest("[hidden]"))
      .filter((el) => {
        const by = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
        const named =
          (el.getAttribute("aria-label") || "").trim() ||
          by.map((id) => (document.getElementById(id) || {}).textContent || "").join("").trim() ||
          (el.labels && [...el.labels].map((l) => l.textContent).join("").trim()) ||
          (el.tagName !== "INPUT" && el.tagName !== "SELECT" && el.textContent.trim()) ||
          (el.getAttribute("title") || "").trim();
        return !named;
      })
      .map((el) => el.id || `${el.tagName.toLowerCase()}.${el.className}`)
  );
}

/**
 * Text whose colour contrast with its background is under WCAG AA (4.5:1, 3:1 for
 * large text); disabled controls and text over the image are left out.
 */
export function lowContrast(page) {
  return page.evaluate(() => {
    const rgba = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c && c.a >= 0.99) return c;
      }
      return rgba(getComputedStyle(document.documentElement).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 };
    };
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (!el.getClientRects().length || el.closest("[hidden], .stage, :disabled, dialog:not([open])")) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own) continue;
      const cs = getComputedStyle(el);
      const fg = rgba(cs.color);
      const bg = background(el);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push(`${el.id || el.tagName.toLowerCase() + "." + el.className}: ${ratio.toFixed(2)}`);
    }
    return out;
  });
}

/** Visible buttons, fields and summaries smaller than a finger (44 px high). */
export function smallTargets(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("button, select, summary, input:not([type=checkbox]):not([type=file])")]
      .filter((el) => el.getClientRects().length && !el.closest("[hidden]"))
      .filter((el) => el.getBoundingClientRect().height < 43.5)
      .map((el) => `${el.id || el.tagName.toLowerCase()}: ${Math.round(el.getBoundingClientRect().height)} px`)
  );
}
