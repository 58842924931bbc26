// Sessions through the JS API on MockRelay: states in order, leave, host leave,
// meta and state updates, shared pause, subscribers, free().
import assert from "node:assert/strict";
import { before, describe, it, mock } from "node:test";
import { client, load, rejectsWith, relay, session, SyncClient, until } from "./helpers.mjs";

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
    const r = relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    const hostSeen = statuses(host);
    const guestSeen = statuses(guest);
    await session(r, host, guest);
    await guest.leaveSession();
    await host.leaveSession();
    assert.deepEqual(hostSeen, ["idle", "connecting", "hosting", "idle"]);
    assert.deepEqual(guestSeen, ["idle", "connecting", "joined", "idle"]);
    assert.equal(host.getState().lastError, "");
    assert.equal(r.roomCount(), 0);
  });

  it("a failed connect goes connecting -> idle with lastError", async () => {
    const c = SyncClient.websocket("ws://127.0.0.1:9");
    const seen = statuses(c);
    await rejectsWith(c.hostSession({ sessionName: "x" }), "transport-unavailable");
    assert.deepEqual(seen, ["idle", "connecting", "idle"]);
    assert.equal(c.getState().lastError, "transport-unavailable");
    c.free();
  });

  it("hosting resolves with the state: role, generated code, participants", async () => {
    const r = relay();
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
    const r = relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await host.hostSession({ sessionCode: "abcd-2345" });
    const joined = await guest.joinSession({ sessionCode: "  abcd-2345 " });
    assert.equal(joined.sessionCode, "ABCD-2345");
    assert.equal(joined.role, "participant");
    assert.equal(joined.participantsCount, 2);
  });

  it("client ids: given, or generated as client-<16 hex>", () => {
    const r = relay();
    assert.equal(SyncClient.mock(r, { clientId: "me-1" }).getClientId(), "me-1");
    const a = SyncClient.mock(r).getClientId();
    const b = SyncClient.mock(r).getClientId();
    assert.match(a, /^client-[0-9a-f]{16}$/);
    assert.notEqual(a, b);
  });
});

describe("in a session", () => {
  it("a participant leaving is idle at once; the host sees one member less", async () => {
    const r = relay();
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
    const r = relay();
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
    const r = relay();
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
    const r = relay();
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
    const r = relay();
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
    const r = relay();
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
    const r = relay();
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
    const r = relay();
    const host = client(r, "host");
    const inner = [];
    let left = false;
    host.subscribe((s) => {
      inner.push(host.getState().status);
      if (s.status === "hosting" && !left) {
        left = true;
        host.leaveSession();
      }
    });
    await host.hostSession({});
    await until(host, (s) => s.status === "idle");
    assert.deepEqual(inner, ["idle", "connecting", "hosting", "idle"]);
  });
});

describe("free()", () => {
  it("rejects pending calls with transport-unavailable and closes the connection", async () => {
    const r = relay();
    const host = client(r, "host");
    const guest = client(r, "guest");
    await session(r, host, guest);
    assert.equal(r.connectionCount(), 2);
    const pending = guest.fetchSessionMediaManifest();
    const off = guest.subscribe(() => {});
    guest.free();
    await rejectsWith(pending, "transport-unavailable");
    off();
    assert.throws(() => guest.getState());
    await until(host, (s) => s.participantsCount === 1);
    assert.equal(r.connectionCount(), 1);
    host.free();
    await new Promise((res) => setTimeout(res, 5));
    assert.equal(r.connectionCount(), 0);
    assert.equal(r.roomCount(), 0);
  });
});
