// Every contract error code the JS API can produce, and invalid-argument for bad
// JS arguments: each rejects with an Error whose `code` is the code. On MockRelay,
// or on the relay binary over WebSocket with TRANSPORT=websocket.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  client, connect, connectionCount, connectNowhere, DEPLOYED, JPEG, load, MockRelay, mockOnly, NOWHERE, pack, PNG,
  rejectsWith, relay, session, SyncClient, throwsWith, until, WEBSOCKET,
} from "./helpers.mjs";

before(load);

describe("contract error codes", () => {
  it("missing-session-code, before any transport call", async () => {
    const r = await relay({}, { fresh: true });
    const c = client(r, "guest");
    const seen = [];
    c.subscribe((s) => seen.push(s.status));
    await rejectsWith(c.joinSession({ password: "x" }), "missing-session-code");
    await rejectsWith(c.joinSession({ sessionCode: "   " }), "missing-session-code");
    assert.equal(c.getState().status, "idle");
    assert.equal(c.getState().lastError, "missing-session-code");
    assert.equal(await connectionCount(r), 0);
    await rejectsWith(c.joinSession({ sessionCode: "ABC" }), "invalid-session-code");
    assert.equal(await connectionCount(r), 0);
    assert.ok(!seen.includes("connecting"), `never connecting: ${seen}`);
  });

  it("session-not-found", async () => {
    const c = client(await relay(), "guest");
    await rejectsWith(c.joinSession({ sessionCode: "ZZZZ-9999" }), "session-not-found");
    assert.equal(c.getState().status, "idle");
    assert.equal(c.getState().lastError, "session-not-found");
  });

  it("invalid-password", async () => {
    const r = await relay();
    const host = client(r, "host");
    const { sessionCode } = await host.hostSession({ password: "secret" });
    await rejectsWith(client(r, "g").joinSession({ sessionCode, password: "wrong" }), "invalid-password");
    await rejectsWith(client(r, "g").joinSession({ sessionCode }), "invalid-password");
    const ok = await client(r, "g").joinSession({ sessionCode, password: "secret" });
    assert.equal(ok.status, "joined");
  });

  it("session-already-exists", async () => {
    const r = await relay();
    await client(r, "a").hostSession({ sessionCode: "SAME-CODE" });
    await rejectsWith(client(r, "b").hostSession({ sessionCode: "same-code" }), "session-already-exists");
  });

  it("transport-unavailable: no transport or no relay, a freed client, a full relay", async () => {
    const ws = SyncClient.websocket("ws://127.0.0.1:9", { requestTimeoutMs: 1000 });
    const started = Date.now();
    await rejectsWith(ws.hostSession({}), "transport-unavailable");
    await rejectsWith(ws.joinSession({ sessionCode: "ABCD-EFGH" }), "transport-unavailable");
    assert.ok(Date.now() - started < 2 * 1000 + 500, "never hangs: each call ends within its request timeout");
    ws.free();

    const c = client(await relay(), "c");
    const pending = c.hostSession({});
    c.free();
    await rejectsWith(pending, "transport-unavailable");

    const full = await relay({ maxConnections: 1 });
    await client(full, "host").hostSession({});
    const refused = client(full, "late");
    await rejectsWith(refused.hostSession({}), "transport-unavailable");
    assert.equal(refused.getState().lastError, "transport-unavailable");
  });

  it("transport-unavailable: no transport or a refused connect fails at once, not at the request timeout", async () => {
    const ws = connectNowhere({ requestTimeoutMs: 1000 });
    const started = Date.now();
    await rejectsWith(ws.hostSession({}), "transport-unavailable");
    await rejectsWith(ws.joinSession({ sessionCode: "ABCD-EFGH" }), "transport-unavailable");
    assert.ok(Date.now() - started < 500, `fails fast: ${Date.now() - started} ms`);
  });

  it("forbidden-not-host", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await rejectsWith(guest.publishSessionState({ isPlaying: true }), "forbidden-not-host");
    await rejectsWith(guest.publishSessionPack(pack()), "forbidden-not-host");
    await rejectsWith(guest.resetSessionMediaPack(), "forbidden-not-host");
    await rejectsWith(guest.updateSessionMeta({ sessionName: "mine" }), "forbidden-not-host");
    await rejectsWith(guest.requestSharedPause(), "forbidden-not-host"); // host-only room
    await rejectsWith(
      guest.publishSessionMediaFile({ identity: "k:a", name: "a.png", ext: "png", bytes: PNG }),
      "forbidden-not-host",
    );
  });

  it("invalid-session-pack", async () => {
    const r = await relay();
    const host = client(r, "host");
    await host.hostSession({});
    await rejectsWith(host.publishSessionPack({ schema: "other", version: 1 }), "invalid-session-pack");
    await rejectsWith(host.publishSessionPack({ ...pack(), version: 2 }), "invalid-session-pack");
    await rejectsWith(host.publishSessionPack("not a pack"), "invalid-session-pack");
    await rejectsWith(host.publishSessionPack(undefined), "invalid-session-pack");
  });

  it("session-pack-too-large: over the relay's limit, and over the client's", async () => {
    // 4096: the deployed relay's floor for this setting, so the test runs there too.
    const r = await relay({ maxSessionPackBytes: 4096 });
    const host = client(r, "host");
    await host.hostSession({});
    const keys = Array.from({ length: 500 }, (_, i) => `key:${i}`);
    const big = pack([], { mediaOrderKeys: keys, imagesCount: keys.length });
    assert.ok(JSON.stringify(big).length > 4096);
    await rejectsWith(host.publishSessionPack(big), "session-pack-too-large");

    const host2 = client(await relay(), "host");
    await host2.hostSession({});
    const huge = { ...pack(), padding: "x".repeat(16 * 1024 * 1024) };
    await rejectsWith(host2.publishSessionPack(huge), "session-pack-too-large");
  });

  it("session-pack-not-found", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await rejectsWith(guest.fetchSessionPack(), "session-pack-not-found");
  });

  it("invalid-session-media", async () => {
    const r = await relay();
    const host = client(r, "host");
    await host.hostSession({});
    const file = { identity: "k:a", name: "a.png", ext: "png", bytes: PNG };
    await rejectsWith(host.publishSessionMediaFile({ ...file, identity: "bad identity!" }), "invalid-session-media");
    await rejectsWith(host.publishSessionMediaFile({ ...file, bytes: new Uint8Array() }), "invalid-session-media");
  });

  it("session-media-too-large: over the relay's limit, and over the client's (whole-file and chunked)", async () => {
    const file = { identity: "k:a", name: "a.png", ext: "png", bytes: PNG };
    // The whole-file path (a relay without media-chunks, as deployed). 1024: the
    // deployed relay's floor for this setting, so the test runs there too.
    const r = await relay({ maxSessionMediaFileBytes: 1024, disableMediaChunks: true });
    const host = client(r, "host");
    await host.hostSession({});
    const over = new Uint8Array(1025);
    over.set(PNG);
    await rejectsWith(host.publishSessionMediaFile({ ...file, bytes: over }), "session-media-too-large");
    await host.publishSessionMediaFile({ ...file, bytes: over.subarray(0, 1024) });
    const host2 = client(await relay({ disableMediaChunks: true }), "host");
    await host2.hostSession({});
    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(PNG);
    await rejectsWith(host2.publishSessionMediaFile({ ...file, bytes: big }), "session-media-too-large");
    // Chunked: the relay's chunked limit (a relay of ours), and the client's 64 MiB.
    if (!DEPLOYED) {
      const host3 = client(await relay({ maxChunkedMediaFileBytes: 32 }), "host");
      await host3.hostSession({});
      await rejectsWith(host3.publishSessionMediaFile(file), "session-media-too-large");
    }
    const host4 = client(await relay(), "host");
    await host4.hostSession({});
    const huge = new Uint8Array(64 * 1024 * 1024 + 1);
    huge.set(PNG);
    await rejectsWith(host4.publishSessionMediaFile({ ...file, bytes: huge }), "session-media-too-large");
  });

  it("session-media-not-found (a session without media; the manifest and download treat it as none)", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await rejectsWith(guest.fetchSessionMediaFile("k:a"), "session-media-not-found");
    const manifest = await guest.fetchSessionMediaManifest();
    assert.deepEqual(manifest.files, []);
    assert.equal(manifest.filesCount, 0);
    const summary = await guest.downloadSessionMedia();
    assert.deepEqual(summary, { files: 0, bytes: 0 });
    assert.equal(guest.getState().mediaDownload.state, "done");
  });

  it("session-media-file-not-found", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await host.publishSessionMediaFile({ identity: "k:a", name: "a.png", ext: "png", bytes: PNG });
    await rejectsWith(guest.fetchSessionMediaFile("k:other"), "session-media-file-not-found");
  });

  it("session-media-unsupported-type", async () => {
    const r = await relay();
    const host = client(r, "host");
    await host.hostSession({});
    const file = { identity: "k:a", name: "a.gif", ext: "gif", bytes: PNG };
    await rejectsWith(host.publishSessionMediaFile(file), "session-media-unsupported-type");
    const lying = { identity: "k:a", name: "a.jpg", ext: "jpg", bytes: PNG };
    await rejectsWith(host.publishSessionMediaFile(lying), "session-media-unsupported-type");
    const wrongMime = { identity: "k:a", name: "a.jpg", ext: "jpg", mime: "image/png", bytes: JPEG };
    await rejectsWith(host.publishSessionMediaFile(wrongMime), "session-media-unsupported-type");
  });

  it("not-joined for session calls outside a session", async () => {
    const c = client(await relay(), "c");
    await rejectsWith(c.fetchSessionPack(), "not-joined");
    await rejectsWith(c.publishSessionState({ isPlaying: true }), "not-joined");
    await rejectsWith(c.downloadSessionMedia({}), "not-joined");
  });
});

describe("invalid-argument", () => {
  it("rejects calls whose JS arguments have the wrong type", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    const png = { identity: "k:a", name: "a.png", ext: "png", bytes: PNG };
    const bad = [
      () => host.hostSession("ABCD-EFGH"),
      () => host.hostSession({ sessionCode: 1234 }),
      () => guest.joinSession({ sessionCode: ["ABCD-EFGH"] }),
      () => host.updateSessionMeta(),
      () => host.updateSessionMeta({ sessionName: 5 }),
      () => host.publishSessionState(),
      () => host.publishSessionState([1, 2]),
      () => host.publishSessionState({ big: 10n }),
      () => guest.updateParticipantState(),
      () => guest.updateParticipantState("sleeping"),
      () => guest.updateParticipantProfile("Ana"),
      () => host.setSessionMediaUploadStatus({ total: 3 }),
      () => host.setSessionMediaUploadStatus({ inProgress: "yes" }),
      () => host.setSessionMediaUploadStatus({ inProgress: true, total: -1 }),
      () => host.publishSessionMediaFile(),
      () => host.publishSessionMediaFile({ ...png, bytes: Array.from(PNG) }),
      () => host.publishSessionMediaFile({ ...png, bytes: PNG.buffer }),
      () => host.publishSessionMediaFile({ ...png, bytes: "iVBORw0KGgo=" }),
      () => host.publishSessionMediaFile({ ...png, name: 7 }),
      () => guest.fetchSessionMediaFile(),
      () => guest.fetchSessionMediaFile(42),
      () => guest.downloadSessionMedia({ onFile: "log" }),
      () => guest.downloadSessionMedia(true),
    ];
    for (const call of bad) {
      await rejectsWith(call(), "invalid-argument");
    }
    assert.equal(host.getState().status, "hosting");
    assert.equal(guest.getState().status, "joined");
  });

  it("MockRelay's constructor throws on unknown options and wrong types", mockOnly(
    "MockRelay's own options; the relay binary takes POSECHRONO_SYNC_* env vars",
  ), () => {
    throwsWith(() => new MockRelay({ maxSessionPackByte: 1 }), "invalid-argument");
    throwsWith(() => new MockRelay({ maxParticipants: "8" }), "invalid-argument");
    throwsWith(() => new MockRelay({ maxParticipants: -1 }), "invalid-argument");
    throwsWith(() => new MockRelay(7), "invalid-argument");
  });

  it("throws from client constructors and subscribe", async () => {
    const r = await relay();
    throwsWith(() => connect(r, { clientID: "x" }), "invalid-argument");
    throwsWith(() => connect(r, { requestTimeoutMs: "fast" }), "invalid-argument");
    throwsWith(() => SyncClient.websocket(), "invalid-argument");
    throwsWith(() => SyncClient.websocket(new URL("ws://127.0.0.1:9")), "invalid-argument");
    throwsWith(() => client(r, "c").subscribe("not a function"), "invalid-argument");
  });

  it("SyncClient.websocket takes one URL or a list of 1 to 16, each checked", () => {
    const urls = (n) => Array.from({ length: n }, (_, i) => `ws://127.0.0.1:${9000 + i}/sync`);
    // No call, no connect: constructing a client only checks its arguments.
    for (const ok of [NOWHERE, [NOWHERE], urls(2), urls(16), ["wss://a.example", " WS://b.example/x?y=1 "]]) {
      SyncClient.websocket(ok, { requestTimeoutMs: 1000 }).free();
    }
    const evilProxy = new Proxy([NOWHERE], {
      get() {
        throw new Error("nope");
      },
    });
    const evilItem = [NOWHERE];
    Object.defineProperty(evilItem, 0, {
      get() {
        throw new Error("nope");
      },
    });
    const bad = [
      [], // empty
      urls(17), // one past MAX_RELAY_URLS
      urls(1000),
      [NOWHERE, 8787], // not a string
      [NOWHERE, null],
      [NOWHERE, new URL(NOWHERE)],
      [[NOWHERE]], // nested
      [, NOWHERE], // a hole
      [NOWHERE, "http://127.0.0.1:8787"], // any bad URL fails the list
      [NOWHERE, "ws://"],
      [NOWHERE, "ws://127.0.0.1:8787/#room"],
      [NOWHERE, ""],
      { 0: NOWHERE, length: 1 }, // array-like, not an array
      evilProxy,
      evilItem,
    ];
    for (const arg of bad) {
      throwsWith(() => SyncClient.websocket(arg), "invalid-argument");
    }
    // The options are still checked with a list.
    throwsWith(() => SyncClient.websocket([NOWHERE], { requestTimeoutMs: "soon" }), "invalid-argument");
  });

  it("a throwing getter is a bad argument, not a crash", async () => {
    const r = await relay();
    const host = client(r, "host");
    const evil = {
      get sessionName() {
        throw new Error("nope");
      },
    };
    await rejectsWith(host.hostSession(evil), "invalid-argument");
    const s = await host.hostSession({});
    assert.equal(s.status, "hosting");
    await until(host, (st) => st.status === "hosting");
  });
});
