// Session pack and media through the JS API: round trips checked with node's own
// crypto, download progress in state, the upload lock, and the start gate. On
// MockRelay, or on the relay binary over WebSocket with TRANSPORT=websocket.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  client, JPEG, load, pack, PNG, PNG2, rejectsWith, relay, session, sha256, until,
} from "./helpers.mjs";

before(load);

const FILES = [
  { identity: "k:one", name: "one.png", ext: "png", bytes: PNG },
  { identity: "k:two", name: "two.PNG", ext: "PNG", mime: "", bytes: PNG2 },
  { identity: "k:three", name: "three.jpg", ext: "jpg", mime: "image/jpeg", bytes: JPEG },
];

/** Publishes a pack and FILES the way the desktop host does (lock, reset, upload, unlock). */
async function publishMedia(host) {
  const meta = await host.publishSessionPack(pack(FILES.map((f) => f.identity)));
  await host.setSessionMediaUploadStatus({ inProgress: true, total: FILES.length });
  await host.resetSessionMediaPack();
  for (const f of FILES) await host.publishSessionMediaFile(f);
  await host.setSessionMediaUploadStatus({ inProgress: false });
  return meta;
}

async function hostWithMedia(r, host, guest) {
  await session(r, host, guest);
  return publishMedia(host);
}

describe("session pack", () => {
  it("round trip: the hash is node's SHA-256 of JSON.stringify(pack)", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    const meta = await host.publishSessionPack(pack(["k:a", "k:b"], { mode: "classic", timeRemaining: "45.9" }));
    assert.match(meta.hash, /^[0-9a-f]{64}$/);
    assert.equal(meta.uploadedBy, host.getClientId());
    assert.equal(meta.imagesCount, 2);
    assert.equal(meta.mediaRefsCount, 2);

    const fetched = await guest.fetchSessionPack();
    assert.equal(fetched.hash, meta.hash);
    assert.equal(fetched.updatedAt, meta.updatedAt);
    assert.equal(fetched.size, meta.size);
    const text = JSON.stringify(fetched.pack);
    assert.equal(sha256(text), meta.hash);
    assert.equal(text.length, meta.size);
    assert.equal(fetched.pack.session.mode, "classique");
    assert.equal(fetched.pack.session.timeRemaining, 45);
    assert.deepEqual(fetched.pack.session.mediaOrderKeys, ["k:a", "k:b"]);
    assert.deepEqual(guest.getState().sessionPackMeta, meta);
    assert.deepEqual(host.getState().sessionPackMeta, meta);
  });
});

describe("session media", () => {
  it("round trip: manifest and files match node's SHA-256 of the bytes", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await hostWithMedia(r, host, guest);

    const manifest = await guest.fetchSessionMediaManifest();
    assert.equal(manifest.filesCount, 3);
    assert.equal(manifest.totalBytes, PNG.length + PNG2.length + JPEG.length);
    assert.equal(manifest.uploadedBy, host.getClientId());
    assert.deepEqual(manifest.files.map((f) => f.identity), ["k:one", "k:two", "k:three"]);
    for (const [i, entry] of manifest.files.entries()) {
      assert.equal(entry.sha256, sha256(FILES[i].bytes));
      assert.equal(entry.size, FILES[i].bytes.length);
    }
    assert.deepEqual(manifest.files.map((f) => [f.ext, f.mime]), [
      ["png", "image/png"], ["png", "image/png"], ["jpg", "image/jpeg"],
    ]);

    for (const f of FILES) {
      const got = await guest.fetchSessionMediaFile(f.identity);
      assert.ok(got.bytes instanceof Uint8Array);
      assert.deepEqual(got.bytes, f.bytes);
      assert.equal(got.sha256, sha256(got.bytes));
      assert.equal(got.size, f.bytes.length);
    }
    assert.equal(guest.getState().sessionMediaMeta.filesCount, 3);
  });

  it("download: onFile per verified file, progress in state, then done", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await hostWithMedia(r, host, guest);
    const progress = [];
    guest.subscribe((s) => {
      const d = s.mediaDownload;
      const last = progress.at(-1);
      if (!last || last.state !== d.state || last.filesDone !== d.filesDone) progress.push({ ...d });
    });
    const seen = [];
    const summary = await guest.downloadSessionMedia({
      onFile: (f) => seen.push([f.identity, sha256(f.bytes), guest.getState().mediaDownload.filesDone]),
    });
    const total = PNG.length + PNG2.length + JPEG.length;
    assert.deepEqual(summary, { files: 3, bytes: total });
    assert.deepEqual(seen, FILES.map((f, i) => [f.identity, sha256(f.bytes), i + 1]));
    assert.deepEqual(progress.map((p) => [p.state, p.filesDone]), [
      ["idle", 0], ["manifest", 0], ["downloading", 0], ["downloading", 1], ["downloading", 2],
      ["downloading", 3], ["done", 3],
    ]);
    const done = progress.at(-1);
    assert.equal(done.filesTotal, 3);
    assert.equal(done.bytesDone, total);
    assert.equal(done.bytesTotal, total);
    assert.equal(done.currentIdentity, "");
    await until(host, (s) => s.participantSyncStates[guest.getClientId()] === "ready");
  });

  it("a throwing onFile is reported and the download goes on", async (t) => {
    const errors = t.mock.method(console, "error", () => {});
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await hostWithMedia(r, host, guest);
    const summary = await guest.downloadSessionMedia({
      onFile: () => {
        throw new Error("disk full");
      },
    });
    assert.equal(summary.files, 3);
    assert.equal(errors.mock.callCount(), 3);
  });

  it("the upload lock holds reads until released; reset empties the media", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await hostWithMedia(r, host, guest);
    await host.setSessionMediaUploadStatus({ inProgress: true, total: 1 });
    await rejectsWith(guest.fetchSessionMediaManifest(), "session-media-upload-in-progress");
    await host.resetSessionMediaPack();
    await host.setSessionMediaUploadStatus({ inProgress: false });
    const manifest = await guest.fetchSessionMediaManifest();
    assert.deepEqual(manifest.files, []);
  });
});

describe("start gate", () => {
  it("blocked -> validated by download -> blocked after republish -> confirmLocalCopy", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    assert.equal(guest.getState().startGate.blocked, false, "nothing published");

    await publishMedia(host);
    let gate = (await until(guest, (s) => s.startGate.blocked)).startGate;
    assert.equal(gate.reason, "pack-not-validated");
    assert.equal(gate.validatedFingerprint, "");
    const s = guest.getState();
    assert.equal(
      gate.fingerprint,
      `${s.sessionCode}|${s.sessionPackMeta.hash}|${s.sessionPackMeta.updatedAt}|${s.sessionMediaMeta.updatedAt}`,
    );

    await guest.fetchSessionPack();
    await guest.downloadSessionMedia();
    gate = guest.getState().startGate;
    assert.equal(gate.blocked, false);
    assert.equal(gate.reason, "");
    assert.equal(gate.validatedFingerprint, gate.fingerprint);

    await host.publishSessionPack(pack(["k:one"]));
    gate = (await until(guest, (st) => st.startGate.blocked)).startGate;
    assert.notEqual(gate.fingerprint, gate.validatedFingerprint);

    guest.confirmLocalCopy();
    gate = guest.getState().startGate;
    assert.equal(gate.blocked, false);
    assert.equal(gate.validatedFingerprint, gate.fingerprint);
    assert.equal(host.getState().startGate.blocked, false, "the host is never blocked");
  });
});
