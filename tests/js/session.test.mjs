// Sessions through the JS API (on MockRelay, or on the relay binary over
// WebSocket with TRANSPORT=websocket): states in order, leave, host leave, meta
// and state updates, shared pause, subscribers, free().
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe, it, mock } from "node:test";
import {
  assertRoomClosed, client, connect, connectionCount, connectNowhere, eventually, load,
  rejectsWith, relay, session, until, WEBSOCKET,
} from "./helpers.mjs";

before(load);

/** Subscribes and records each distinct `status` in order. */
function statuses(c) {
  const seen = [];
  c.subscribe((s) => {
    if (seen.at(-1) !== s.status) seen.push(s.status);
  });
  return seen;
}

describe("state transitions", () => {
  it("host: idle -> connecting -> hosting -> idle; participant: idle -> connecting -> joined -> idle", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    const hostSeen = statuses(host);
    const guestSeen = statuses(guest);
    const code = await session(r, host, guest);
    await guest.leaveSession();
    await host.leaveSession();
    assert.deepEqual(hostSeen, ["idle", "connecting", "hosting", "idle"]);
    assert.deepEqual(guestSeen, ["idle", "connecting", "joined", "idle"]);
    assert.equal(host.getState().lastError, "");
    await assertRoomClosed(r, code);
  });

  it("a failed connect goes connecting -> idle with lastError", async () => {
    const c = connectNowhere({ requestTimeoutMs: 1000 });
    const seen = statuses(c);
    await rejectsWith(c.hostSession({ sessionName: "x" }), "transport-unavailable");
    assert.deepEqual(seen, ["idle", "connecting", "idle"]);
    assert.equal(c.getState().lastError, "transport-unavailable");
    c.free();
  });

  it("hosting resolves with the state: role, generated code, participants", async () => {
    const r = await relay();
    const host = client(r, "host");
    const state = await host.hostSession({ sessionName: "Figure", displayName: "Host" });
    assert.equal(state.status, "hosting");
    assert.equal(state.role, "host");
    assert.match(state.sessionCode, /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}$/);
    assert.equal(state.sessionName, "Figure");
    assert.equal(state.controlMode, "host-only");
    assert.equal(state.hostClientId, host.getClientId());
    assert.equal(state.participantsCount, 1);
    assert.deepEqual(state.participantIds, [host.getClientId()]);
    assert.deepEqual(state.participantProfiles, { [host.getClientId()]: "Host" });
    assert.deepEqual(host.getState(), state);
  });

  it("a code given in lowercase with spaces is normalized", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await host.hostSession({ sessionCode: "abcd-2345" });
    const joined = await guest.joinSession({ sessionCode: "  abcd-2345 " });
    assert.equal(joined.sessionCode, "ABCD-2345");
    assert.equal(joined.role, "participant");
    assert.equal(joined.participantsCount, 2);
  });

  it("client ids: given, or generated as client-<16 hex>", async () => {
    const r = await relay();
    assert.equal(connect(r, { clientId: "me-1" }).getClientId(), "me-1");
    const a = connect(r).getClientId();
    const b = connect(r).getClientId();
    assert.match(a, /^client-[0-9a-f]{16}$/);
    assert.notEqual(a, b);
  });
});

describe("in a session", () => {
  it("a participant leaving is idle at once; the host sees one member less", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    assert.equal(host.getState().participantsCount, 2);
    const leaving = guest.leaveSession();
    assert.equal(guest.getState().status, "idle");
    assert.equal((await leaving).status, "idle");
    await until(host, (s) => s.participantsCount === 1);
  });

  it("the host leaving sends participants to idle with host-disconnected", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await host.leaveSession();
    const s = await until(guest, (st) => st.status === "idle");
    assert.equal(s.lastError, "host-disconnected");
    assert.equal(s.role, "none");
    assert.equal(s.sessionCode, "");
  });

  it("meta and session state reach the participant", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await host.updateSessionMeta({ sessionName: "Renamed", controlMode: "shared-pause" });
    await until(guest, (s) => s.sessionName === "Renamed" && s.controlMode === "shared-pause");
    const stored = await host.publishSessionState({ isPlaying: true, timeRemaining: 59.6, currentIndex: 2, junk: 1 });
    assert.equal(stored.revision, 1);
    assert.equal(stored.timeRemaining, 59);
    assert.equal(stored.sourceClientId, host.getClientId());
    assert.equal("junk" in stored, false);
    const s = await until(guest, (st) => st.sharedSessionStateRevision === 1);
    assert.equal(s.sharedSessionState.isPlaying, true);
    assert.equal(s.sharedSessionState.currentIndex, 2);
  });

  it("shared pause: a participant's request reaches the host", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest, { controlMode: "shared-pause" });
    const signal = await guest.requestSharedPause();
    assert.equal(signal.requestType, "pause");
    assert.equal(signal.isPlaying, false);
    const s = await until(host, (st) => st.sharedPlaybackRequest !== null);
    assert.equal(s.sharedPlaybackRequest.sourceClientId, guest.getClientId());
    assert.equal((await guest.requestSharedPlayback()).isPlaying, true);
    await until(host, (st) => st.sharedPlaybackRequest.requestType === "play");
  });

  it("participant sync state and profile reach the host", async () => {
    const r = await relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    await guest.updateParticipantState("ready");
    await guest.updateParticipantProfile({ displayName: "Bea" });
    const s = await until(host, (st) => st.participantProfiles[guest.getClientId()] === "Bea");
    assert.equal(s.participantSyncStates[guest.getClientId()], "ready");
  });
});

describe("subscribers", () => {
  it("are called at once, then on changes, and stop after unsubscribe", async () => {
    const r = await relay();
    const host = client(r, "host");
    const calls = [];
    const off = host.subscribe((s) => calls.push(s.status));
    assert.deepEqual(calls, ["idle"]);
    await host.hostSession({});
    assert.ok(calls.includes("hosting"));
    off();
    off();
    const n = calls.length;
    await host.leaveSession();
    assert.equal(calls.length, n);
  });

  it("a throwing subscriber is reported and does not stop the others", async (t) => {
    const errors = t.mock.method(console, "error", () => {});
    const r = await relay();
    const host = client(r, "host");
    const seen = [];
    host.subscribe(() => {
      throw new Error("boom");
    });
    host.subscribe((s) => seen.push(s.status));
    await host.hostSession({});
    assert.deepEqual(seen, ["idle", "connecting", "hosting"]);
    assert.ok(errors.mock.callCount() >= 3);
    assert.match(String(errors.mock.calls[0].arguments[0]), /subscriber/);
    assert.equal(errors.mock.calls[0].arguments[1].message, "boom");
    mock.restoreAll();
  });

  it("may call back into the client", async () => {
    const r = await relay();
    const host = client(r, "host");
    const inner = [];
    let leaving = null;
    host.subscribe((s) => {
      inner.push(host.getState().status);
      if (s.status === "hosting" && !leaving) {
        leaving = host.leaveSession();
      }
    });
    await host.hostSession({});
    await until(host, (s) => s.status === "idle");
    assert.equal((await leaving).status, "idle");
    assert.deepEqual(inner, ["idle", "connecting", "hosting", "idle"]);
  });
});

describe("free()", () => {
  // With the grace off (hostGraceMs 0) a drop leaves at once, as on the deployed relay;
  // with it, free() is a drop too: see tests/js/resume.test.mjs.
  it("rejects pending calls with transport-unavailable and closes the connection", async () => {
    const r = await relay({ hostGraceMs: 0 }, { fresh: true });
    const host = client(r, "host");
    const guest = client(r, "guest");
    const code = await session(r, host, guest);
    assert.equal(await connectionCount(r), 2);
    const pending = guest.fetchSessionMediaManifest();
    const off = guest.subscribe(() => {});
    guest.free();
    await rejectsWith(pending, "transport-unavailable");
    off();
    assert.throws(() => guest.getState());
    await until(host, (s) => s.participantsCount === 1);
    await eventually(async () => (await connectionCount(r)) === 1, "the guest's connection closed");
    host.free();
    await eventually(async () => (await connectionCount(r)) === 0, "the host's connection closed");
    await assertRoomClosed(r, code);
  });

  // A process of its own: a socket handler outliving its closure after free()
  // (as gloo-net's close listener once did on hosts without a global CloseEvent,
  // node < 23) throws from the event loop and would end the test process.
  it(
    "free() of a connected client does not crash a host without a global CloseEvent",
    {
      skip: !WEBSOCKET && "websocket-only: about the WebSocket transport",
    },
    async () => {
      const r = await relay();
      const pkg = (file) => JSON.stringify(new URL(`../../pkg/${file}`, import.meta.url).href);
      const script = `
        import { readFile } from "node:fs/promises";
        import init, { SyncClient } from ${pkg("online_sync.js")};
        await init({ module_or_path: await readFile(new URL(${pkg("online_sync_bg.wasm")})) });
        const sockets = [];
        globalThis.WebSocket = class extends WebSocket {
          constructor(...args) { super(...args); sockets.push(this); }
        };
        const c = SyncClient.websocket(${JSON.stringify(r.url)}, { clientId: "free-probe" });
        await c.hostSession({});
        c.free();
        const deadline = Date.now() + 5000;
        while (!sockets.every((s) => s.readyState === WebSocket.CLOSED)) {
          if (Date.now() > deadline) throw new Error("the socket never closed after free()");
          await new Promise((res) => setTimeout(res, 5));
        }
        await new Promise((res) => setImmediate(res)); // what the close listeners threw surfaces by now
        console.log("survived", sockets.length);
      `;
      const flags = Number(process.versions.node.split(".")[0]) < 22 ? ["--experimental-websocket"] : [];
      const child = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script], {
        encoding: "utf8",
        timeout: 20000,
      });
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), "survived 1");
    },
  );
});
