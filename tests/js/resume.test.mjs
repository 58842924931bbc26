// Issue 10 from JS (MockRelay, or the relay binary with TRANSPORT=websocket):
// free() without leaveSession() is a drop, a reload is a new client calling
// resumeSession(token), the token is used up by a resume, a wrong or malformed
// one is session-expired, and a host away longer than the grace closes the room.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { client, DEPLOYED, load, oursOnly, rejectsWith, relay, session, until } from "./helpers.mjs";

before(load);

/** A host and a guest in a room of a relay with this grace. */
async function room(hostGraceMs = 60000) {
  const r = await relay({ hostGraceMs });
  const host = client(r, "host");
  const guest = client(r, "guest");
  const code = await session(r, host, guest);
  return { r, host, guest, code };
}

describe("resume", () => {
  it("a relay of ours issues a token to host and guest; none outside a session", oursOnly("resume is our extension"), async () => {
    const { r, host, guest } = await room();
    assert.match(host.getResumeToken(), /^rt1\.[A-Z0-9-]+\.[A-Za-z0-9_-]{43}$/);
    assert.match(guest.getResumeToken(), /^rt1\./);
    assert.notEqual(host.getResumeToken(), guest.getResumeToken());
    assert.equal(host.getState().hostConnected, true);
    assert.equal(client(r, "idle").getResumeToken(), "");
    await guest.leaveSession();
    assert.equal(guest.getResumeToken(), "");
  });

  it("a host reload (free, then a new client with the token) keeps room and role", oursOnly("resume is our extension"), async () => {
    const { r, host, guest, code } = await room();
    const token = host.getResumeToken();
    const hostId = host.getClientId();
    host.free();
    await until(guest, (s) => s.hostConnected === false);
    assert.equal(guest.getState().status, "joined", "the room waits for its host");
    const reloaded = client(r, "reloaded");
    const st = await reloaded.resumeSession(token);
    assert.equal(st.status, "hosting");
    assert.equal(st.role, "host");
    assert.equal(st.sessionCode, code);
    assert.equal(reloaded.getClientId(), hostId);
    assert.equal(st.clientId, hostId);
    assert.notEqual(reloaded.getResumeToken(), token, "a new token");
    await until(guest, (s) => s.hostConnected === true);
    await reloaded.publishSessionState({ isPlaying: true });
    await until(guest, (s) => s.sharedSessionState?.isPlaying === true);
  });

  it("a participant reload keeps its id and place, no duplicate member", oursOnly("resume is our extension"), async () => {
    const { r, host, guest } = await room();
    const token = guest.getResumeToken();
    const guestId = guest.getClientId();
    const before = host.getState().participantIds;
    guest.free();
    const reloaded = client(r, "reloaded");
    const st = await reloaded.resumeSession(token);
    assert.equal(st.status, "joined");
    assert.equal(st.role, "participant");
    assert.equal(reloaded.getClientId(), guestId);
    await until(host, (s) => s.participantsCount === 2);
    assert.deepEqual(host.getState().participantIds, before);
  });

  it("a used-up, wrong or malformed token is session-expired", oursOnly("resume is our extension"), async () => {
    const { r, host, code } = await room();
    const token = host.getResumeToken();
    host.free();
    await client(r, "first").resumeSession(token);
    const again = client(r, "again");
    await rejectsWith(again.resumeSession(token), "session-expired");
    assert.equal(again.getState().status, "idle");
    assert.equal(again.getState().lastError, "session-expired");
    const wrong = `rt1.${code}.${"A".repeat(43)}`;
    await rejectsWith(client(r, "wrong").resumeSession(wrong), "session-expired");
    for (const bad of ["", "rt1.", "nonsense", 42, null]) {
      await rejectsWith(client(r, "bad").resumeSession(bad), "session-expired");
    }
  });

  it("a host away longer than the grace: participants go idle with host-disconnected", async () => {
    const { r, host, guest } = await room(300);
    const token = host.getResumeToken();
    host.free();
    const st = await until(guest, (s) => s.status === "idle", 5000);
    assert.equal(st.lastError, "host-disconnected");
    await rejectsWith(client(r, "late").resumeSession(token), "session-expired");
  });

  it(
    "on the deployed relay: no token, resumeSession is session-expired, a dropped host closes the room",
    { skip: DEPLOYED ? false : "the deployed relay only (TRANSPORT=deployed)" },
    async () => {
      const { r, host, guest, code } = await room();
      assert.equal(host.getResumeToken(), "", "the deployed relay issues none");
      assert.equal(guest.getResumeToken(), "");
      assert.equal(guest.getState().hostConnected, true);
      await rejectsWith(client(r, "reload").resumeSession(`rt1.${code}.${"A".repeat(43)}`), "session-expired");
      await host.publishSessionState({ isPlaying: true, timeRemaining: 30 });
      await until(guest, (s) => s.sharedSessionState?.isPlaying === true);
      host.free();
      const st = await until(guest, (s) => s.status === "idle", 5000);
      assert.equal(st.lastError, "host-disconnected", "today's behaviour: the room closes with its host");
    },
  );
});
