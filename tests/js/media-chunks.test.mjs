// Issue 13 through the JS API: chunked publish with uploadedBytes (0 for content the
// relay holds), byte progress per chunk, and the content-addressed download cache
// (`{get, put}`, `cache: false`, a failing cache as a miss). On MockRelay, or on the
// relay binary over WebSocket with TRANSPORT=websocket.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { client, load, oursOnly, rejectsWith, relay, session, sha256 } from "./helpers.mjs";

/** Files over 2 MiB move only by our chunked extension (the deployed relay refuses them). */
const CHUNKED = oursOnly("files over 2 MiB need our chunked transfer");

before(load);

/** A PNG-signed file of `len` bytes. */
function image(len, seed) {
  const b = new Uint8Array(len);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let x = seed | 1;
  for (let i = 8; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const MIB = 1024 * 1024;

/** A cache on a Map that counts its calls. */
function mapCache() {
  const map = new Map();
  const calls = { get: 0, put: 0 };
  return {
    map,
    calls,
    async get(sha) {
      calls.get++;
      return map.get(sha);
    },
    async put(sha, bytes) {
      calls.put++;
      map.set(sha, bytes.slice());
    },
  };
}

describe("chunked media", () => {
  it("a 3 MiB file publishes in chunks; the same bytes again upload nothing", CHUNKED, async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    const bytes = image(3 * MIB + 5, 1);
    const uploads = new Set();
    host.subscribe((s) => uploads.add(s.mediaUpload.bytesDone));
    const first = await host.publishSessionMediaFile({ identity: "k:a", name: "a.png", ext: "png", bytes });
    assert.equal(first.uploadedBytes, bytes.length);
    assert.equal(first.sha256, sha256(bytes));
    assert.equal(first.status, "hosting", "the state comes with it");
    assert.ok(uploads.size >= 4, `upload progress moved per chunk: ${[...uploads]}`);
    const again = await host.publishSessionMediaFile({ identity: "k:a", name: "a.png", ext: "png", bytes });
    assert.equal(again.uploadedBytes, 0);

    const done = new Set();
    guest.subscribe((s) => done.add(s.mediaDownload.bytesDone));
    const files = [];
    await guest.downloadSessionMedia({ onFile: (f) => files.push(f), cache: false });
    assert.equal(files.length, 1);
    assert.equal(sha256(files[0].bytes), sha256(bytes));
    const md = guest.getState().mediaDownload;
    assert.equal(md.bytesDone, bytes.length);
    assert.equal(md.bytesFetched, bytes.length);
    assert.ok(done.size >= 5, `bytesDone moved per chunk: ${[...done]}`);
  });

  it("a cache: misses are fetched and kept, hits are verified and not fetched", CHUNKED, async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    const a = image(MIB + 3, 2);
    const b = image(2 * MIB + 1, 3);
    await host.publishSessionMediaFile({ identity: "k:a", name: "a.png", ext: "png", bytes: a });
    await host.publishSessionMediaFile({ identity: "k:b", name: "b.png", ext: "png", bytes: b });
    const cache = mapCache();
    await guest.downloadSessionMedia({ cache });
    assert.equal(guest.getState().mediaDownload.bytesFetched, a.length + b.length);
    // Puts run after onFile; give them a turn.
    for (let i = 0; i < 20 && cache.map.size < 2; i++) await new Promise((ok) => setTimeout(ok, 5));
    assert.deepEqual([...cache.map.keys()].sort(), [sha256(a), sha256(b)].sort());

    const seen = [];
    await guest.downloadSessionMedia({ cache, onFile: (f) => seen.push(sha256(f.bytes)) });
    let md = guest.getState().mediaDownload;
    assert.equal(md.bytesFetched, 0);
    assert.equal(md.bytesDone, a.length + b.length);
    assert.deepEqual(seen, [sha256(a), sha256(b)]);

    // A damaged entry is not trusted; a cache that throws is a miss.
    cache.map.get(sha256(a))[100] ^= 1;
    await guest.downloadSessionMedia({ cache });
    assert.equal(guest.getState().mediaDownload.bytesFetched, a.length);
    const failing = { get: () => { throw new Error("no disk"); }, put: async () => {} };
    const errors = [];
    const orig = console.error;
    console.error = (...args) => errors.push(args);
    try {
      await guest.downloadSessionMedia({ cache: failing });
    } finally {
      console.error = orig;
    }
    md = guest.getState().mediaDownload;
    assert.equal(md.bytesFetched, a.length + b.length);
    assert.equal(errors.length, 2);
    await rejectsWith(guest.downloadSessionMedia({ cache: {} }), "invalid-argument");
  });
});
