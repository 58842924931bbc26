// Issue 13's slow line, as a new user tried it: a 1.9 MB image downloaded in headless
// Chromium over a ~200 KB/s line (a throttling TCP proxy between the page and the
// relay binary), with the default 8 s request timeout. It must arrive on the
// whole-file path (a relay without media-chunks, as deployed: the request gets its
// size's worth of time) and on the chunked path (each chunk restarts the timeout).
// Needs pkg/ (scripts/build-pkg.sh) and the relay binary (RELAY_BIN or target/debug).
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { launchBrowser, makeSite, openPage, startRelay } from "./helpers.mjs";

const RATE = 200 * 1000; // bytes per second, relay -> page
const SIZE = 1_900_000;

/** A proxy to `port` that lets at most RATE bytes a second through toward the page. */
async function throttled(port) {
  const server = createServer((page) => {
    const relay = connect(port, "127.0.0.1");
    page.pipe(relay);
    relay.on("data", (d) => {
      relay.pause();
      page.write(d);
      setTimeout(() => relay.resume(), (d.length / RATE) * 1000);
    });
    const drop = () => {
      page.destroy();
      relay.destroy();
    };
    page.on("error", drop).on("close", drop);
    relay.on("error", drop).on("close", drop);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `ws://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

let site;
let browser;
before(async () => {
  site = await makeSite();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.remove();
});

/** Publishes SIZE bytes from a host page, downloads them through the slow line. */
async function slowDownload(env) {
  const relay = await startRelay({ staticDir: site.dir, env });
  const line = await throttled(relay.port);
  const host = await openPage(browser, relay.httpUrl);
  const guest = await openPage(browser, relay.httpUrl);
  try {
    const code = await host.run(async ({ url, size }) => {
      const c = t.client("host", url, {});
      const { sessionCode } = await c.hostSession({});
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
      bytes.set([0xff, 0xd8, 0xff, 0xe0]);
      await c.publishSessionMediaFile({ identity: "k:photo", name: "photo.jpg", ext: "jpg", bytes });
      return sessionCode;
    }, { url: relay.wsUrl, size: SIZE });
    return await guest.run(async ({ url, code }) => {
      const c = t.client("guest", url, {}); // requestTimeoutMs: the default 8000
      await c.joinSession({ sessionCode: code });
      const start = performance.now();
      const r = await t.settle(c.downloadSessionMedia({ cache: false }));
      return { ...r, seconds: (performance.now() - start) / 1000, md: c.getState().mediaDownload };
    }, { url: line.url, code });
  } finally {
    for (const p of [host, guest]) {
      await p.run(() => Object.values(window.clients).forEach((c) => c.free()));
      await p.close();
    }
    await line.close();
    await relay.stop();
  }
}

describe("a 1.9 MB image over a 200 KB/s line", { timeout: 120000 }, () => {
  it("arrives on the whole-file path (a relay without media-chunks)", async () => {
    const r = await slowDownload({ POSECHRONO_SYNC_DISABLE_MEDIA_CHUNKS: "1" });
    console.log(`# whole-file: ${r.seconds.toFixed(1)} s`);
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(r.value, { files: 1, bytes: SIZE });
    assert.ok(r.seconds > 8, "slower than the request timeout, and still there");
  });

  it("arrives in chunks on our relay, bytesDone moving", async () => {
    const r = await slowDownload({});
    console.log(`# chunked: ${r.seconds.toFixed(1)} s`);
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(r.value, { files: 1, bytes: SIZE });
    assert.equal(r.md.bytesFetched, SIZE);
  });
});
