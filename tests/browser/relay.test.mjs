// The WebSocket transport in headless Chromium against the real relay binary:
// a full session (host + two participants, each in a browser context of its own),
// then what happens when the relay stops answering, dies, restarts or drops a
// client. Every client uses requestTimeoutMs 1500; every wait polls with a deadline.
// Needs pkg/ (scripts/build-pkg.sh) and the relay binary (RELAY_BIN or target/debug).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { pack } from "../js/helpers.mjs";
import { closedPort, launchBrowser, makeSite, openPage, startRelay, waitFor } from "./helpers.mjs";

const TIMEOUT = 1500;
const opts = (clientId) => ({ clientId, requestTimeoutMs: TIMEOUT });
const CODE_RE = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}$/;

let site;
let web; // serves the page, and is the relay of the full session
let browser;
let host;
let ana;
let ben;

before(async () => {
  site = await makeSite();
  web = await startRelay({ staticDir: site.dir });
  browser = await launchBrowser();
  [host, ana, ben] = await Promise.all([0, 1, 2].map(() => openPage(browser, web.httpUrl)));
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await site?.remove();
});

/** Frees every client a page still holds. */
function freeAll() {
  for (const [name, c] of Object.entries(window.clients)) {
    delete window.clients[name];
    c.free();
  }
}

/** Frees what the pages hold (tests end with no client left). */
async function cleanup() {
  for (const p of [host, ana, ben]) await p.run(freeAll);
}

afterEach(() => {
  for (const p of [host, ana, ben]) {
    assert.deepEqual(p.problems(), [], "no page error, no console error");
  }
});

/** Hosts on `url` in the host page and joins `ana` to it; returns the session code. */
async function twoInSession(url, { hostId, anaId, password = "pw" }) {
  const hosted = await host.run(
    ({ url, o, password }) =>
      t.client("host", url, o).hostSession({ sessionName: "Drill", password, displayName: "Host" }),
    { url, o: opts(hostId), password },
  );
  assert.equal(hosted.status, "hosting");
  const joined = await ana.run(
    ({ url, o, code, password }) =>
      t.client("ana", url, o).joinSession({ sessionCode: code, password, displayName: "Ana" }),
    { url, o: opts(anaId), code: hosted.sessionCode, password },
  );
  assert.equal(joined.status, "joined");
  return hosted.sessionCode;
}

describe("a full session over WebSocket", { timeout: 60000 }, () => {
  const IDS = ["k:red", "k:green", "k:blue"];
  let code;

  // One session across these tests, in order.
  after(cleanup);

  it("hosts with a password; a wrong password gets invalid-password; two participants join", async () => {
    const hosted = await host.run(
      ({ url, o }) =>
        t.client("host", url, o).hostSession({
          sessionName: "Figure", controlMode: "shared-pause", password: "s3cret", displayName: "Host",
        }),
      { url: web.wsUrl, o: opts("host-1") },
    );
    assert.equal(hosted.status, "hosting");
    assert.equal(hosted.role, "host");
    assert.match(hosted.sessionCode, CODE_RE);
    assert.equal(hosted.hostClientId, "host-1");
    assert.equal(hosted.controlMode, "shared-pause");
    assert.equal(hosted.participantsCount, 1);
    code = hosted.sessionCode;

    const wrong = await ana.run(async ({ url, o, code }) => {
      const c = t.client("ana", url, o);
      const r = await t.settle(c.joinSession({ sessionCode: code, password: "nope", displayName: "Ana" }));
      return { r, state: c.getState(), seen: c.seen.slice() };
    }, { url: web.wsUrl, o: opts("ana-1"), code });
    assert.equal(wrong.r.ok, false);
    assert.equal(wrong.r.isError, true);
    assert.equal(wrong.r.code, "invalid-password");
    assert.equal(wrong.state.status, "idle");
    assert.equal(wrong.state.lastError, "invalid-password");
    assert.deepEqual(wrong.seen, ["idle", "connecting", "idle"]);

    const joined = await ana.run(
      (code) => clients.ana.joinSession({ sessionCode: code.toLowerCase(), password: "s3cret", displayName: "Ana" }),
      code,
    );
    assert.equal(joined.status, "joined");
    assert.equal(joined.role, "participant");
    assert.equal(joined.sessionCode, code);
    assert.equal(joined.lastError, "");
    assert.equal(joined.participantsCount, 2);
    const benJoined = await ben.run(
      ({ url, o, code }) => t.client("ben", url, o).joinSession({ sessionCode: code, password: "s3cret", displayName: "Ben" }),
      { url: web.wsUrl, o: opts("ben-1"), code },
    );
    assert.equal(benJoined.participantsCount, 3);

    const seenByHost = await host.run(() => t.until(clients.host, (s) => s.participantsCount === 3));
    assert.deepEqual(seenByHost.participantIds, ["host-1", "ana-1", "ben-1"]);
    assert.deepEqual(seenByHost.participantProfiles, { "host-1": "Host", "ana-1": "Ana", "ben-1": "Ben" });
    await ana.run(() => t.until(clients.ana, (s) => s.participantsCount === 3));
  });

  it("a pack published by the host is fetched by a participant; its hash checked with crypto.subtle", async () => {
    const meta = await host.run((p) => clients.host.publishSessionPack(p), pack(IDS));
    assert.match(meta.hash, /^[0-9a-f]{64}$/);
    assert.equal(meta.uploadedBy, "host-1");
    assert.equal(meta.imagesCount, 3);
    const got = await ana.run(async () => {
      const fetched = await clients.ana.fetchSessionPack();
      const text = JSON.stringify(fetched.pack);
      return { fetched, digest: await t.sha256(text), length: text.length, state: clients.ana.getState() };
    });
    assert.equal(got.fetched.hash, meta.hash);
    assert.equal(got.digest, meta.hash, "SHA-256 of JSON.stringify(pack) by Web Crypto");
    assert.equal(got.length, meta.size);
    assert.equal(got.fetched.updatedAt, meta.updatedAt);
    assert.deepEqual(got.fetched.pack.session.mediaOrderKeys, IDS);
    assert.deepEqual(got.state.sessionPackMeta, meta);
  });

  it("3 browser-encoded PNGs: uploaded, downloaded with progress in state; the start gate opens", async () => {
    const uploaded = await host.run(async (ids) => {
      const c = clients.host;
      const specs = [[64, 48, "#d22"], [32, 32, "#2a2"], [20, 80, "#22d"]];
      const files = [];
      await c.setSessionMediaUploadStatus({ inProgress: true, total: 3 });
      await c.resetSessionMediaPack();
      for (const [i, [w, h, color]] of specs.entries()) {
        const bytes = await t.png(w, h, color);
        await c.publishSessionMediaFile({ identity: ids[i], name: `${ids[i]}.png`, ext: "png", mime: "image/png", bytes });
        files.push({ identity: ids[i], size: bytes.length, sha256: await t.sha256(bytes), dims: [w, h] });
      }
      await c.setSessionMediaUploadStatus({ inProgress: false });
      return files;
    }, IDS);

    const got = await ana.run(async () => {
      const c = clients.ana;
      const before = await t.until(
        c,
        (s) => s.sessionMediaMeta?.filesCount === 3 && !s.sessionMediaMeta.uploadInProgress && s.startGate.blocked,
        5000,
        "media published and the gate blocked",
      );
      const progress = [];
      const off = c.subscribe((s) => {
        const d = s.mediaDownload;
        const last = progress.at(-1);
        if (!last || last.state !== d.state || last.filesDone !== d.filesDone) progress.push({ ...d });
      });
      await c.fetchSessionPack();
      const files = [];
      const summary = await c.downloadSessionMedia({ onFile: (f) => files.push(f) });
      off();
      const checked = [];
      for (const f of files) {
        checked.push({ identity: f.identity, size: f.bytes.length, sha256: await t.sha256(f.bytes), dims: await t.size(f.bytes, f.mime) });
      }
      return { gateBefore: before.startGate, progress, summary, checked, gateAfter: c.getState().startGate };
    });
    assert.equal(got.gateBefore.blocked, true);
    assert.equal(got.gateBefore.reason, "pack-not-validated");
    assert.deepEqual(got.checked, uploaded, "same bytes (Web Crypto SHA-256), decoded at the same size");
    const total = uploaded.reduce((n, f) => n + f.size, 0);
    assert.deepEqual(got.summary, { files: 3, bytes: total });
    assert.deepEqual(got.progress.map((p) => [p.state, p.filesDone]), [
      ["idle", 0], ["manifest", 0], ["downloading", 0], ["downloading", 1], ["downloading", 2],
      ["downloading", 3], ["done", 3],
    ]);
    const done = got.progress.at(-1);
    assert.equal(done.filesTotal, 3);
    assert.equal(done.bytesDone, total);
    assert.equal(done.bytesTotal, total);
    assert.equal(got.gateAfter.blocked, false);
    assert.equal(got.gateAfter.validatedFingerprint, got.gateAfter.fingerprint);
    await host.run(() => t.until(clients.host, (s) => s.participantSyncStates["ana-1"] === "ready"));

    // A republished pack blocks the participant again.
    await host.run((p) => clients.host.publishSessionPack(p), pack(IDS.slice(0, 2)));
    const gate = await ana.run(async () => (await t.until(clients.ana, (s) => s.startGate.blocked)).startGate);
    assert.equal(gate.reason, "pack-not-validated");
    assert.notEqual(gate.fingerprint, gate.validatedFingerprint);
  });

  it("shared pause: a participant's pause and play reach the host; the host's state reaches everyone", async () => {
    const signal = await ben.run(() => clients.ben.requestSharedPause());
    assert.equal(signal.requestType, "pause");
    assert.equal(signal.isPlaying, false);
    const request = await host.run(async () =>
      (await t.until(clients.host, (s) => s.sharedPlaybackRequest?.requestType === "pause")).sharedPlaybackRequest);
    assert.equal(request.sourceClientId, "ben-1");

    const stored = await host.run(() => clients.host.publishSessionState({ isPlaying: false, timeRemaining: 42, currentIndex: 1 }));
    assert.equal(stored.sourceClientId, "host-1");
    for (const p of [ana, ben]) {
      const s = await p.run(
        ({ rev, name }) => t.until(clients[name], (st) => st.sharedSessionStateRevision >= rev),
        { rev: stored.revision, name: p === ana ? "ana" : "ben" },
      );
      assert.equal(s.sharedSessionState.timeRemaining, 42);
      assert.equal(s.sharedSessionState.isPlaying, false);
    }
    assert.equal((await ben.run(() => clients.ben.requestSharedPlayback())).isPlaying, true);
    await host.run(() => t.until(clients.host, (s) => s.sharedPlaybackRequest?.requestType === "play"));
  });

  it("a participant leaves; the host leaving sends the other one to idle with host-disconnected", async () => {
    const left = await ben.run(async () => {
      const pending = clients.ben.leaveSession();
      const at_once = clients.ben.getState().status;
      return { at_once, resolved: await pending, seen: clients.ben.seen };
    });
    assert.equal(left.at_once, "idle");
    assert.equal(left.resolved.status, "idle");
    assert.deepEqual(left.seen, ["idle", "connecting", "joined", "idle"]);
    await host.run(() => t.until(clients.host, (s) => s.participantsCount === 2));

    const hostSeen = await host.run(async () => {
      await clients.host.leaveSession();
      return clients.host.seen;
    });
    assert.deepEqual(hostSeen, ["idle", "connecting", "hosting", "idle"]);
    const s = await ana.run(() => t.until(clients.ana, (st) => st.status === "idle"));
    assert.equal(s.lastError, "host-disconnected");
    assert.equal(s.role, "none");
    assert.equal(s.sessionCode, "");
    assert.deepEqual(await ana.run(() => clients.ana.seen), ["idle", "connecting", "idle", "connecting", "joined", "idle"]);
  });
});

describe("connecting", { timeout: 30000 }, () => {
  afterEach(cleanup);

  it("a URL that is not ws:// or wss:// (or not a string) throws invalid-argument", async () => {
    const codes = await ana.run(() => [
      t.thrown(() => SyncClient.websocket("http://127.0.0.1:8787")),
      t.thrown(() => SyncClient.websocket("127.0.0.1:8787")),
      t.thrown(() => SyncClient.websocket("ws://")),
      t.thrown(() => SyncClient.websocket("ws://127.0.0.1:8787/#room")),
      t.thrown(() => SyncClient.websocket("")),
      t.thrown(() => SyncClient.websocket(8787)),
      t.thrown(() => SyncClient.websocket("ws://127.0.0.1:8787", { requestTimeoutMs: "soon" })),
    ]);
    assert.deepEqual(codes, Array(7).fill("invalid-argument"));
    const fine = await ana.run(() => [
      t.thrown(() => SyncClient.websocket("WSS://relay.example/sync?room=1").free()),
      t.thrown(() => SyncClient.websocket(" ws://[::1]:8787 ").free()),
    ]);
    assert.deepEqual(fine, ["no-throw", "no-throw"]);
  });

  it("nobody listening: calls reject with transport-unavailable at once; idle with lastError", async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const r = await ana.run(async (url) => {
      const c = t.client("dead", url, { requestTimeoutMs: 5000 });
      const hosted = await t.settle(c.hostSession({ sessionName: "x" }));
      const afterHost = c.getState();
      const joined = await t.settle(c.joinSession({ sessionCode: "ABCD-EFGH" }));
      return { hosted, afterHost, joined, seen: c.seen.slice() };
    }, url);
    for (const call of [r.hosted, r.joined]) {
      assert.equal(call.ok, false);
      assert.equal(call.code, "transport-unavailable");
      assert.ok(call.ms < 2500, `failed on the refusal (${call.ms} ms), not on the 5 s timeout`);
    }
    assert.equal(r.afterHost.status, "idle");
    assert.equal(r.afterHost.lastError, "transport-unavailable");
    assert.deepEqual(r.seen, ["idle", "connecting", "idle", "connecting", "idle"]);
  });

  it("a handshake that never completes: the call times out, the next call dials again; free() drops a connecting socket", async () => {
    const sockets = [];
    let closed = 0;
    // Accepts, reads the upgrade request, never answers it.
    const silent = createServer((s) => {
      sockets.push(s);
      s.on("close", () => (closed += 1));
      s.resume();
    });
    await new Promise((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const url = `ws://127.0.0.1:${silent.address().port}`;
      const first = await ana.run(async (url) => {
        const c = t.client("stuck", url, { requestTimeoutMs: 1000 });
        const r = await t.settle(c.hostSession({}));
        return { r, state: c.getState() };
      }, url);
      assert.equal(first.r.code, "transport-unavailable");
      assert.ok(first.r.ms >= 900 && first.r.ms < 2500, `timed out after ${first.r.ms} ms`);
      assert.equal(first.state.status, "idle");
      assert.equal(first.state.lastError, "transport-unavailable");
      assert.equal(sockets.length, 1);
      // The link gave the stuck socket up (the browser closes it), so the next call
      // opens a new one. Waiting for that close first: a call made in the same
      // instant as the give-up once found no new socket (1 run in 5, 2026-12-06).
      await waitFor(() => closed === 1, 3000, "the given-up socket closed by the browser");
      const second = await ana.run(() => t.settle(clients.stuck.joinSession({ sessionCode: "ABCD-EFGH" })));
      assert.equal(second.code, "transport-unavailable");
      assert.equal(sockets.length, 2);
      await waitFor(() => closed === 2, 3000, "both given-up sockets closed by the browser");

      // free() while connecting (8 s timeout): the call rejects and the socket closes at once.
      await ana.run((url) => {
        window.pending = t.settle(t.client("held", url, { requestTimeoutMs: 8000 }).hostSession({}));
      }, url);
      await waitFor(() => sockets.length === 3, 3000, "the third connection");
      const freedAt = Date.now();
      const held = await ana.run(() => {
        clients.held.free();
        delete clients.held;
        return window.pending;
      });
      assert.equal(held.code, "transport-unavailable");
      await waitFor(() => closed === 3, 1000, "the socket closed by free()");
      assert.ok(Date.now() - freedAt < 1000, "closed by free(), not by the 8 s connect timeout");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("free() closes the socket: a relay capped at 2 sockets per address serves 6 clients in a row", async () => {
    // Grace off: a freed host's room closes at once (with the grace, free() is a drop
    // and the room waits for the host: tests/js/resume.test.mjs).
    const relay = await startRelay({ env: { POSECHRONO_SYNC_MAX_CONNECTIONS_PER_IP: "2", POSECHRONO_SYNC_HOST_GRACE_MS: "0" } });
    try {
      const codes = await host.run(async (url) => {
        const out = [];
        for (let i = 0; i < 6; i += 1) {
          const c = SyncClient.websocket(url, { requestTimeoutMs: 1500 });
          out.push((await c.hostSession({})).status);
          const pending = c.fetchSessionMediaManifest();
          c.free();
          out.push((await t.settle(pending)).code);
        }
        return out;
      }, relay.wsUrl);
      assert.deepEqual(codes, Array(6).fill(["hosting", "transport-unavailable"]).flat());

      // A freed host's socket closes, so the relay closes its room.
      await twoInSession(relay.wsUrl, { hostId: "host-f", anaId: "ana-f" });
      await host.run(() => {
        clients.host.free();
        delete clients.host;
      });
      const s = await ana.run(() => t.until(clients.ana, (st) => st.status === "idle"));
      assert.equal(s.lastError, "host-disconnected");
    } finally {
      await relay.stop();
    }
  });
});

describe("when the relay goes away", { timeout: 60000 }, () => {
  afterEach(cleanup);

  it("no reply, then the relay dies: calls reject with transport-unavailable in time; lastError websocket-reconnecting", async () => {
    const relay = await startRelay();
    try {
      await twoInSession(relay.wsUrl, { hostId: "host-d", anaId: "ana-d" });
      relay.pause();
      // No reply within requestTimeoutMs.
      const silent = await ana.run(async () => ({
        r: await t.settle(clients.ana.fetchSessionMediaManifest()),
        state: clients.ana.getState(),
      }));
      assert.equal(silent.r.code, "transport-unavailable");
      assert.ok(silent.r.ms >= 1400 && silent.r.ms < 3000, `timed out after ${silent.r.ms} ms`);
      assert.equal(silent.state.status, "joined", "the session itself goes on");

      // Closed before the reply: pending calls reject on the close, before their timeout.
      await ana.run(() => {
        window.pending = t.settle(clients.ana.updateParticipantState("ready"));
      });
      await host.run(() => {
        window.pending = t.settle(clients.host.publishSessionState({ isPlaying: true, timeRemaining: 30 }));
      });
      await relay.kill();
      for (const [p, name] of [[ana, "ana"], [host, "host"]]) {
        const r = await p.run(() => window.pending);
        assert.equal(r.code, "transport-unavailable", name);
        assert.ok(r.ms < 1400, `${name}: rejected on the close (${r.ms} ms), before its timeout`);
        const s = await p.run((name) => t.until(clients[name], (st) => st.lastError === "websocket-reconnecting"), name);
        assert.equal(s.status, name === "ana" ? "joined" : "hosting", "still in session while reconnecting");
      }

      // Calls made while reconnecting to a dead relay fail in time too.
      const next = await ana.run(() => t.settle(clients.ana.fetchSessionPack()));
      assert.equal(next.code, "transport-unavailable");
      assert.ok(next.ms < 3000, `rejected after ${next.ms} ms`);
      assert.equal(await ana.run(() => clients.ana.getState().lastError), "websocket-reconnecting");
    } finally {
      await relay.kill();
    }
  });

  // Issue 10: our relay negotiated resume, so both try their tokens, which died with
  // the rooms (no data dir): the host ends session-expired; the participant then
  // tries a plain rejoin, as on the deployed relay, and ends session-not-found.
  it("restarted on the same port: the rooms are gone, so host and participant end idle", async () => {
    const relay = await startRelay();
    let again;
    try {
      await twoInSession(relay.wsUrl, { hostId: "host-r", anaId: "ana-r" });
      await relay.kill();
      for (const [p, name] of [[host, "host"], [ana, "ana"]]) {
        await p.run((name) => t.until(clients[name], (s) => s.lastError === "websocket-reconnecting"), name);
      }
      again = await startRelay({ port: relay.port });
      for (const [p, name, id, code] of [
        [host, "host", "host-r", "session-expired"],
        [ana, "ana", "ana-r", "session-not-found"],
      ]) {
        const s = await p.run((name) => t.until(clients[name], (st) => st.status === "idle", 10000), name);
        assert.equal(s.lastError, code, id);
        assert.equal(s.clientId, id);
        assert.equal(s.role, "none");
      }
    } finally {
      await relay.kill();
      await again?.stop();
    }
  });

  // Issue 10: the participant holds a token of the dead relay; its resume is
  // session-expired, so it rejoins as a participant would on the deployed relay
  // (same client id, the password it kept in memory) and is back in the room.
  it("restarted and re-hosted before the participant's first retry: it rejoins by itself", async () => {
    const relay = await startRelay();
    let again;
    try {
      const code = await twoInSession(relay.wsUrl, { hostId: "host-h", anaId: "ana-h", password: "pw" });
      await relay.kill();
      await ana.run(() => t.until(clients.ana, (s) => s.lastError === "websocket-reconnecting"));
      again = await startRelay({ port: relay.port });
      const rehosted = await host.run(
        ({ url, code }) =>
          t.client("host2", url, { clientId: "host-h", requestTimeoutMs: 1500 }).hostSession({
            sessionCode: code, sessionName: "Again", password: "pw", displayName: "Host",
          }),
        { url: again.wsUrl, code },
      );
      assert.equal(rehosted.sessionCode, code);
      const s = await ana.run(() =>
        t.until(clients.ana, (st) => st.status === "joined" && st.lastError === "" && st.sessionName === "Again", 8000),
      );
      assert.equal(s.clientId, "ana-h");
      assert.match(await ana.run(() => clients.ana.getResumeToken()), /^rt1\./, "a token for the new place");
      const h = await host.run(() => t.until(clients.host2, (st) => st.participantIds.includes("ana-h"), 8000));
      assert.deepEqual(h.participantIds, ["host-h", "ana-h"], "one member, not a duplicate");
    } finally {
      await relay.kill();
      await again?.stop();
    }
  });

  it("a participant dropped by the relay (message over maxPayload) reconnects and resumes by itself", async () => {
    const relay = await startRelay({ env: { POSECHRONO_SYNC_MAX_PAYLOAD: "65536" } });
    try {
      await twoInSession(relay.wsUrl, { hostId: "host-p", anaId: "ana-p", password: "pw" });
      await host.run(() => {
        window.counts = [];
        clients.host.subscribe((s) => {
          if (window.counts.at(-1) !== s.participantsCount) window.counts.push(s.participantsCount);
        });
      });
      const big = pack(Array.from({ length: 2000 }, (_, i) => `k:${i}`));
      assert.ok(JSON.stringify(big).length > 65536);
      const r = await ana.run(async (big) => {
        const c = clients.ana;
        const errors = [];
        c.subscribe((s) => {
          if (errors.at(-1) !== s.lastError) errors.push(s.lastError);
        });
        const published = await t.settle(c.publishSessionPack(big));
        const s = await t.until(c, (st) => errors.length >= 3 && st.lastError === "", 8000, "rejoined");
        return { published, errors, s };
      }, big);
      assert.equal(r.published.code, "transport-unavailable");
      assert.ok(r.published.ms < 1400, `rejected on the close (${r.published.ms} ms)`);
      assert.deepEqual(r.errors, ["", "websocket-reconnecting", ""]);
      assert.equal(r.s.status, "joined");
      assert.equal(r.s.clientId, "ana-p");
      const h = await host.run(async () => ({
        s: await t.until(clients.host, (st) => st.participantsCount === 2),
        counts: window.counts,
      }));
      assert.deepEqual(h.counts, [2], "kept for the grace, back by the resume: never left");
      assert.deepEqual(h.s.participantIds, ["host-p", "ana-p"]);
      assert.equal(h.s.participantProfiles["ana-p"], "Ana");
    } finally {
      await relay.stop();
    }
  });
});
