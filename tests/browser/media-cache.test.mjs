// Issue 13 in headless Chromium against the relay binary: a 20 MiB image published
// in chunks, downloaded through a TCP proxy that cuts the connection mid-file (the
// download goes on by itself; under 1.5x the file crosses the proxy), then the page
// reloads and downloads again from the default IndexedDB cache: nothing is fetched,
// the bytes are verified and handed to onFile.
// Needs pkg/ (scripts/build-pkg.sh) and the relay binary (RELAY_BIN or target/debug).
import assert from "node:assert/strict";
import { createServer, connect } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { launchBrowser, makeSite, openPage, startRelay, waitFor } from "./helpers.mjs";

const MIB = 1024 * 1024;
const SIZE = 20 * MIB;

/** A TCP proxy to `port` that counts bytes toward the client and can cut every connection. */
async function proxy(port) {
  const sockets = new Set();
  const counted = { down: 0 };
  const server = createServer((client) => {
    const relay = connect(port, "127.0.0.1");
    sockets.add(client).add(relay);
    relay.on("data", (d) => {
      counted.down += d.length;
    });
    client.pipe(relay);
    relay.pipe(client);
    const drop = () => {
      client.destroy();
      relay.destroy();
      sockets.delete(client);
      sockets.delete(relay);
    };
    client.on("error", drop).on("close", drop);
    relay.on("error", drop).on("close", drop);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    counted,
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise((ok) => server.close(ok)),
  };
}

let site;
let web;
let browser;
let host;
let guest;
let cutter;

before(async () => {
  site = await makeSite();
  web = await startRelay({ staticDir: site.dir });
  browser = await launchBrowser();
  [host, guest] = await Promise.all([0, 1].map(() => openPage(browser, web.httpUrl)));
  cutter = await proxy(Number(new URL(web.wsUrl).port));
});

after(async () => {
  for (const p of [host, guest]) await p?.run(() => Object.values(window.clients ?? {}).forEach((c) => c.free()));
  await browser?.close();
  await cutter?.close();
  await web?.stop();
  await site?.remove();
});

afterEach(() => {
  for (const p of [host, guest]) assert.deepEqual(p.problems(), [], "no page error, no console error");
});

describe("chunked media in Chromium", { timeout: 120000 }, () => {
  let code;
  let sha;

  it("a 20 MiB image publishes in chunks", async () => {
    const hosted = await host.run(({ url }) => t.client("host", url, {}).hostSession({}), { url: web.wsUrl });
    code = hosted.sessionCode;
    const published = await host.run(async ({ size }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const r = await clients.host.publishSessionMediaFile({ identity: "k:big", name: "big.png", ext: "png", bytes });
      return { uploadedBytes: r.uploadedBytes, sha256: r.sha256, expected: await t.sha256(bytes) };
    }, { size: SIZE });
    assert.equal(published.uploadedBytes, SIZE);
    assert.equal(published.sha256, published.expected);
    sha = published.sha256;
  });

  it("a cut mid-download costs only the unfinished chunks", async () => {
    await guest.run(({ url, code }) => t.client("guest", url, {}).joinSession({ sessionCode: code }), {
      url: cutter.url,
      code,
    });
    const before = cutter.counted.down;
    await guest.run(() => {
      window.result = clients.guest.downloadSessionMedia({
        onFile: async (f) => {
          window.got = await t.sha256(f.bytes);
        },
      }).then((v) => ({ ok: true, v }), (e) => ({ ok: false, code: e.code }));
    });
    await waitFor(() => guest.run(() => clients.guest.getState().mediaDownload.bytesDone >= 10 * 1024 * 1024), 30000, "10 MiB");
    cutter.cut();
    const result = await waitFor(() => guest.run(() => window.result && Promise.resolve(window.result)), 60000, "the download");
    assert.deepEqual(result, { ok: true, v: { files: 1, bytes: SIZE } });
    await waitFor(() => guest.run(() => window.got), 5000, "onFile");
    assert.equal(await guest.run(() => window.got), sha);
    const md = await guest.run(() => clients.guest.getState().mediaDownload);
    assert.equal(md.bytesDone, SIZE);
    const crossed = cutter.counted.down - before;
    console.log(`# download through the cut: ${crossed} bytes crossed for ${SIZE}`);
    assert.ok(crossed < SIZE * 1.5, `${crossed} bytes crossed for ${SIZE}`);
    assert.ok(md.bytesFetched < SIZE * 1.5);
    // Wait until the IndexedDB put has landed before reloading.
    await waitFor(
      () =>
        guest.run(
          (sha) =>
            new Promise((ok) => {
              const r = indexedDB.open("online-sync-media", 1);
              r.onsuccess = () => {
                const q = r.result.transaction("files").objectStore("files").count(sha);
                q.onsuccess = () => ok(q.result === 1);
                q.onerror = () => ok(false);
              };
              r.onerror = () => ok(false);
            }),
          sha,
        ),
      10000,
      "the file in IndexedDB",
    );
  });

  it("after a page reload the file comes from IndexedDB: nothing fetched", async () => {
    await guest.run(() => clients.guest.free());
    await guest.page.reload();
    await guest.page.waitForFunction(() => window.ready !== undefined);
    await guest.run(() => window.ready);
    const r = await guest.run(async ({ url, code }) => {
      const c = window.SyncClient.websocket(url, {});
      window.clients = { guest: c };
      await c.joinSession({ sessionCode: code });
      let got;
      const v = await c.downloadSessionMedia({
        onFile: (f) => {
          got = f.bytes;
        },
      });
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", got));
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      return { v, md: c.getState().mediaDownload, hex };
    }, { url: web.wsUrl, code });
    assert.deepEqual(r.v, { files: 1, bytes: SIZE });
    assert.equal(r.md.bytesFetched, 0);
    assert.equal(r.md.bytesDone, SIZE);
    assert.equal(r.hex, sha);
  });
});
