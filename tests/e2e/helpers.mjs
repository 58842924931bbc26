// Helpers of the end-to-end tests: the served site (www + the built pkg/), the relay
// binary, headless Chromium through playwright-core, console-error collection and
// polling with deadlines.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { hashAssets, precompress } from "../../scripts/precompress.mjs";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const SHOTS = join(ROOT, "target", "e2e");

/** The bundled sample images, uploaded through the page's file input. */
export const SAMPLES = [
  "pose-1-standing.png",
  "pose-2-reaching.png",
  "pose-3-lunge.png",
].map((name) => join(ROOT, "www", "samples", name));

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A temporary copy of `www/` with the built module in `pkg/` (env `PKG_DIR`, default
 * `<root>/pkg`, the output of `scripts/build-pkg.sh`), so the test does not depend on
 * `www/pkg` existing; prepared as scripts/build-site.sh does (hashed wasm name,
 * `.br`/`.gz` siblings). Returns `{dir, remove}`.
 */
export async function prepareSite() {
  const pkg = resolve(process.env.PKG_DIR || join(ROOT, "pkg"));
  assert.ok(
    existsSync(join(pkg, "online_sync.js")) && existsSync(join(pkg, "online_sync_bg.wasm")),
    `the built module is missing in ${pkg}: run scripts/build-pkg.sh (or set PKG_DIR)`
  );
  const dir = await mkdtemp(join(tmpdir(), "online-sync-e2e-"));
  await cp(join(ROOT, "www"), dir, {
    recursive: true,
    filter: (src) => resolve(src) !== join(ROOT, "www", "pkg"),
  });
  await cp(pkg, join(dir, "pkg"), { recursive: true });
  // As scripts/build-site.sh serves it: the wasm named by its hash, files
  // precompressed (brotli at a quicker quality than the build's 11).
  await hashAssets(dir);
  await precompress(dir, { quality: 5 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts the relay binary (env `RELAY_BIN`, default `target/debug/online-sync-relay`)
 * on 127.0.0.1 with a free port (or `port`), serving `staticDir`, keeping rooms in
 * `dataDir` when given. Resolves once it printed `online-sync relay on
 * ws://127.0.0.1:PORT`, with `{wsUrl, httpUrl, port, stop, kill9, log}`.
 */
export async function startRelay(staticDir, { timeoutMs = 15000, port = 0, dataDir = "" } = {}) {
  const bin = resolve(ROOT, process.env.RELAY_BIN || "target/debug/online-sync-relay");
  assert.ok(existsSync(bin), `the relay binary is missing: ${bin} (cargo build --bin online-sync-relay)`);
  const args = ["--host", "127.0.0.1", "--port", String(port), "--static-dir", staticDir];
  if (dataDir) args.push("--data-dir", dataDir);
  const child = spawn(bin, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" },
  });
  let log = "";
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(t);
    }
  };
  // Last resort if the test process dies before its `after` hook runs.
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  exited.then(() => process.off("exit", onExit));

  const wsUrl = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the relay did not print its address within ${timeoutMs} ms; output:\n${log}`));
    }, timeoutMs);
    const onData = (chunk) => {
      log += chunk;
      const m = /online-sync relay on (ws:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", (c) => (log += c));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited (code ${code}, signal ${signal}) before listening; output:\n${log}`));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  // A crash: SIGKILL, no shutdown of any kind.
  const kill9 = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  const httpUrl = wsUrl.replace(/^ws:/, "http:") + "/";
  return { wsUrl, httpUrl, port: Number(new URL(httpUrl).port), stop, kill9, log: () => log };
}

/** Debian's chromium (or `CHROMIUM`), headless, with the flags of TOOLCHAIN.md. */
export async function launchBrowser() {
  let executablePath = process.env.CHROMIUM || "";
  if (!executablePath) {
    try {
      executablePath = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
    } catch {
      executablePath = "";
    }
  }
  assert.ok(executablePath, "chromium is not installed (apt-get install chromium, or set CHROMIUM)");
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A new context and page named `name`; every console error and uncaught page error is
 * recorded in `page.problems` (asserted empty by `assertNoProblems`), and warnings in
 * `page.warnings` (reported, not asserted).
 */
export async function openPage(browser, name, viewport = DESKTOP, extra = {}) {
  const context = await browser.newContext({ viewport, ...extra });
  const page = await context.newPage();
  page.problems = [];
  page.warnings = [];
  page.label = name;
  page.on("console", (msg) => {
    if (msg.type() === "error") page.problems.push(`${name}: console.error: ${msg.text()}`);
    if (msg.type() === "warning") page.warnings.push(`${name}: console.warn: ${msg.text()}`);
  });
  page.on("pageerror", (err) => page.problems.push(`${name}: page error: ${err && err.stack ? err.stack : err}`));
  page.on("crash", () => page.problems.push(`${name}: page crashed`));
  // Records every change of the progress bars and of the start gate, so short-lived
  // states (a download of small files on localhost) are observed, not guessed at by
  // polling. `window.__log` holds `{id, at, visible, <data-* attributes>}`.
  await page.addInitScript(() => {
    window.__log = [];
    const watch = () => {
      for (const id of ["download-progress", "upload-progress", "gate"]) {
        const el = document.getElementById(id);
        if (!el) continue;
        const note = () => {
          const entry = { id, at: performance.now(), visible: el.getClientRects().length > 0 };
          for (const a of el.getAttributeNames()) {
            if (a.startsWith("data-")) entry[a.slice(5)] = el.getAttribute(a);
          }
          window.__log.push(entry);
        };
        new MutationObserver(note).observe(el, { attributes: true });
      }
      // The speed / time-left line under the download bar, every text it showed.
      window.__rates = [];
      const rate = document.getElementById("download-rate");
      if (rate) {
        new MutationObserver(() => {
          const text = rate.textContent;
          if (text && text !== window.__rates.at(-1)) window.__rates.push(text);
        }).observe(rate, { childList: true, characterData: true, subtree: true });
      }
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
    else watch();
  });
  return page;
}

export function assertNoProblems(pages) {
  const all = pages.flatMap((p) => p.problems);
  assert.deepEqual(all, [], `console errors or page errors:\n${all.join("\n")}`);
}

/**
 * Polls `probe` (sync or async) every `interval` ms until it returns a truthy value,
 * which is returned; fails after `timeout` ms with `what` and the last value seen.
 */
export async function waitFor(what, probe, { timeout = 10000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** An attribute of the element with this id (null when missing). */
export function attr(page, id, name) {
  return page.evaluate(([i, n]) => {
    const el = document.getElementById(i);
    return el ? el.getAttribute(n) : null;
  }, [id, name]);
}

/** Whether the element with this id is rendered (not hidden, has boxes). */
export function visible(page, id) {
  return page.locator(`#${id}`).isVisible();
}

/** Waits until `#id[name] === value` (a string), returning it. */
export function waitAttr(page, id, name, value, opts) {
  return waitFor(`${page.label}: #${id}[${name}] = ${JSON.stringify(value)}`, async () => {
    const v = await attr(page, id, name);
    return v === value ? v || true : false;
  }, opts);
}

/**
 * Horizontal overflow: the page's scroll width beyond the viewport, and the visible
 * elements whose box sticks out to the right (or left).
 */
export function overflow(page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("[hidden]")) continue;
      const r = el.getBoundingClientRect();
      if (!r.width && !r.height) continue;
      // Cut off on the right, or partly cut off on the left (a skip link parked wholly
      // off-screen until focused is fine).
      if (r.right > vw + 1 || (r.left < -1 && r.right > 0)) {
        out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}.${el.className || ""} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
      }
    }
    return { viewport: vw, scrollWidth: document.documentElement.scrollWidth, offenders: out.slice(0, 10) };
  });
}

export async function assertNoOverflow(page, where) {
  const o = await overflow(page);
  assert.ok(
    o.scrollWidth <= o.viewport && o.offenders.length === 0,
    `${page.label} ${where}: content overflows horizontally (viewport ${o.viewport}, scroll width ${o.scrollWidth}): ${o.offenders.join("; ")}`
  );
}

/**
 * Writes `target/e2e/<file>`: the whole page, the viewport scrolled to `#scrollTo`, or
 * with `firstScreen` the viewport as it is (what a visitor sees before scrolling).
 */
export async function screenshot(page, file, { scrollTo = "", firstScreen = false } = {}) {
  await mkdir(SHOTS, { recursive: true });
  if (scrollTo) {
    await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: "start" }), scrollTo);
  }
  await page.screenshot({ path: join(SHOTS, file), fullPage: !scrollTo && !firstScreen });
}

/** Screenshots kept as test artefacts (git-ignored, under target/). */
export const SHOT_DIR = join(ROOT, "target", "e2e-screenshots");

/**
 * Writes `target/e2e-screenshots/<rel>` (the viewport as the person sees it, or the
 * whole page with `fullPage`) and returns its path, for the test to print.
 */
export async function keepShot(page, rel, { fullPage = false } = {}) {
  const path = join(SHOT_DIR, rel);
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * A file the relay takes as a PNG (its signature, then `size` bytes of noise): large
 * enough that a throttled download of it takes a while. Returns its path.
 */
export async function bigPng(dir, size = 1_500_000) {
  const buf = Buffer.alloc(size);
  let x = 2463534242;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 255;
  }
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(buf);
  const path = join(dir, "large-noise.png");
  await writeFile(path, buf);
  return path;
}
