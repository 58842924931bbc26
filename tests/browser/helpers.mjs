// Helpers of the browser transport tests: the relay binary (start, pause, kill,
// restart on the same port), the served test page, headless Chromium through
// playwright-core, and in-page helpers. They build nothing: `pkg/` comes from
// scripts/build-pkg.sh and the relay from `cargo build --bin online-sync-relay`.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, cp, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The relay binary: env `RELAY_BIN`, else the debug build, else the release build. */
export function relayBin() {
  const candidates = process.env.RELAY_BIN
    ? [resolve(ROOT, process.env.RELAY_BIN)]
    : ["debug", "release"].map((p) => join(ROOT, "target", p, "online-sync-relay"));
  const bin = candidates.find((c) => existsSync(c));
  assert.ok(bin, `no relay binary at ${candidates.join(" or ")}: cargo build --bin online-sync-relay`);
  return bin;
}

/**
 * A temporary directory with `pkg/` (env `PKG_DIR`, default `<root>/pkg`) and test
 * pages from `page/` (default: the transport tests' `index.html`).
 */
export async function makeSite({ pages = ["index.html"] } = {}) {
  const pkg = resolve(process.env.PKG_DIR || join(ROOT, "pkg"));
  assert.ok(
    existsSync(join(pkg, "online_sync.js")) && existsSync(join(pkg, "online_sync_bg.wasm")),
    `the built module is missing in ${pkg}: run scripts/build-pkg.sh`,
  );
  const dir = await mkdtemp(join(tmpdir(), "online-sync-browser-"));
  await cp(pkg, join(dir, "pkg"), { recursive: true });
  for (const name of pages) await copyFile(new URL(`page/${name}`, import.meta.url), join(dir, name));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A port nobody listens on (bound, then released). */
export async function closedPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Starts the relay on 127.0.0.1 (`port` 0: a free one) with a cheap password hash
 * (tests only); `env` adds `POSECHRONO_SYNC_*` settings. Resolves once it printed its
 * address, with `{port, wsUrl, httpUrl, pause, resume, kill, stop, log}`.
 */
export async function startRelay({ port = 0, staticDir, env = {}, timeoutMs = 10000 } = {}) {
  const args = ["--host", "127.0.0.1", "--port", String(port)];
  if (staticDir) args.push("--static-dir", staticDir);
  const child = spawn(relayBin(), args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      RUST_LOG: process.env.RUST_LOG || "warn",
      POSECHRONO_SYNC_PASSWORD_HASH_LOG_N: "4",
      ...env,
    },
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise((r) => child.once("exit", r));
  // Last resort if the test process dies before its `after` hook runs.
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  exited.then(() => process.off("exit", onExit));

  const wsUrl = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`relay silent for ${timeoutMs} ms:\n${log}`)), timeoutMs);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /online-sync relay on (ws:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`relay exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const relay = {
    port: Number(new URL(wsUrl).port),
    wsUrl,
    httpUrl: wsUrl.replace(/^ws:/, "http:"),
    log: () => log,
    /** SIGSTOP: sockets stay open, nothing is answered. */
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    /** SIGKILL: the kernel drops every socket at once (no close frame). */
    async kill() {
      if (running()) {
        child.kill("SIGKILL");
        await exited;
      }
    },
    /** SIGTERM (graceful), SIGKILL after 3 s. */
    async stop() {
      if (running()) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
  return relay;
}

/** Debian's chromium with the flags it needs as root in a container. */
export function launchBrowser() {
  const executablePath = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
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

/** Messages Chromium itself logs for a refused or aborted WebSocket: expected here. */
const EXPECTED_CONSOLE = [/^WebSocket connection to '.*' failed/, /WebSocket is closed before the connection is established/];

/**
 * The test page in a browser context of its own: `{page, run, problems, close}`.
 * `run(fn, arg)` evaluates `fn` in the page; `problems()` takes the page errors and
 * console errors (other than Chromium's own WebSocket failure messages) seen so far.
 */
export async function openPage(browser, httpUrl) {
  const opened = await openUrl(browser, `${httpUrl}/index.html`);
  await opened.page.waitForFunction(() => window.ready !== undefined);
  await opened.run(() => window.ready);
  await opened.run(installPageHelpers);
  return opened;
}

/**
 * Any page (`http:` or `file:`) in a browser context of its own, as `openPage`
 * returns it but without waiting for anything or installing helpers;
 * `beforeLoad`, if given, runs in the page before its own scripts.
 */
export async function openUrl(browser, url, { beforeLoad } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !EXPECTED_CONSOLE.some((re) => re.test(m.text()))) {
      problems.push(`console.error: ${m.text()}`);
    }
  });
  if (beforeLoad) await page.addInitScript(beforeLoad);
  await page.goto(url);
  return {
    page,
    run: (fn, arg) => page.evaluate(fn, arg),
    /** Page errors and unexpected console errors since the last call. */
    problems: () => problems.splice(0),
    close: () => context.close(),
  };
}

/** Defines `window.t` (helpers) and `window.clients` (clients by name) in the page. */
function installPageHelpers() {
  window.clients = {};
  window.t = {
    /** A WebSocket client stored as `clients[name]`, its statuses recorded in order. */
    client(name, url, options) {
      const c = window.SyncClient.websocket(url, options);
      c.seen = [];
      c.subscribe((s) => {
        if (c.seen.at(-1) !== s.status) c.seen.push(s.status);
      });
      window.clients[name] = c;
      return c;
    },
    /** Resolves with the state once `predicate(state)` holds; throws after `ms`. */
    async until(c, predicate, ms = 5000, what = "state") {
      const deadline = performance.now() + ms;
      while (!predicate(c.getState())) {
        if (performance.now() > deadline) {
          throw new Error(`${what} never matched in ${ms} ms: ${JSON.stringify(c.getState())}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return c.getState();
    },
    /** How a promise settles, and after how many ms: `{ok, value?, code?, ms}`. */
    async settle(promise) {
      const start = performance.now();
      try {
        const value = await promise;
        return { ok: true, value, ms: performance.now() - start };
      } catch (e) {
        return { ok: false, code: e?.code ?? String(e), isError: e instanceof Error, ms: performance.now() - start };
      }
    },
    /** The error code a synchronous call throws (`"no-throw"` when it does not). */
    thrown(fn) {
      try {
        fn();
        return "no-throw";
      } catch (e) {
        return e?.code ?? String(e);
      }
    },
    /** SHA-256 hex by Web Crypto, of a string (as UTF-8) or bytes. */
    async sha256(data) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    },
    /** A real PNG encoded by the browser: `w`x`h`, filled with `color`. */
    async png(w, h, color) {
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext("2d");
      g.fillStyle = color;
      g.fillRect(0, 0, w, h);
      const blob = await canvas.convertToBlob({ type: "image/png" });
      return new Uint8Array(await blob.arrayBuffer());
    },
    /** `[width, height]` of image bytes, decoded by the browser. */
    async size(bytes, mime) {
      const bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
      return [bitmap.width, bitmap.height];
    },
  };
}

/** Polls `probe()` (sync or async) until it returns a truthy value; fails after `ms`. */
export async function waitFor(probe, ms = 5000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
