// Issue 15 from JS over real sockets: `SyncClient.websocket([url, ...])` tries the
// URLs of a list in turn, for the nodes of a relay cluster. The first connect dials
// the first URL; each connect after a failed connect or a lost connection dials the
// next one (wrapping around); a link the client released itself (idle) keeps its URL.
//
// WebSocket only (`TRANSPORT=websocket`): relay processes to refuse, kill and start.
// The cluster tests also need `redis-server` (scripts/setup.sh installs it); the
// last one restarts the cluster's Redis mid-session.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  connect, connectionCount, eventually, load, NOWHERE, rejectsWith, relay, relayEnv, relayWithDataDir, TRANSPORT, until,
} from "./helpers.mjs";

before(load);

/** How long clients may take to come back: the first reconnect waits 1 s, then 2 s. */
const BACK_MS = 15000;

const dirs = [];
const relays = [];

after(async () => {
  await Promise.all(relays.map((r) => r.kill()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A client of the relay at `urls` (a list), freed after the test (`connect` reads a relay's `url`). */
function connectTo(urls, options) {
  return connect({ url: urls }, options);
}

/**
 * Resolves once `c` has lost its connection (`websocket-reconnecting`) and then is
 * back in its session (`status`, no error, the host connected).
 */
async function backAfterLoss(c, status) {
  let lost = false;
  const off = c.subscribe((s) => (lost ||= s.lastError === "websocket-reconnecting"));
  try {
    return await until(
      c,
      (s) => lost && s.status === status && s.lastError === "" && s.hostConnected === true,
      BACK_MS,
    );
  } finally {
    off();
  }
}

/** The relay binary on `port` (0: any) with this data dir, stopped after the file. */
async function start(dataDir, port = 0) {
  const r = await relayWithDataDir(dataDir, port);
  relays.push(r);
  return r;
}


describe("a list of relay URLs", { skip: TRANSPORT === "websocket" ? false : "our relay binary only: processes to refuse, kill and start" }, () => {
  it("a dead first URL: the refused call fails, the next call dials the second URL and hosts", async () => {
    const r = await relay({}, { fresh: true });
    const host = connectTo([NOWHERE, r.url], { clientId: "host-list", requestTimeoutMs: 3000 });

    // The first connect goes to the first URL, where nothing listens.
    await rejectsWith(host.hostSession({ sessionName: "Cluster" }), "transport-unavailable");
    assert.equal(await connectionCount(r), 0, "the first connect did not go to the second URL");

    // The failed connect moved the link on: this call reaches the relay.
    const hosted = await host.hostSession({ sessionName: "Cluster" });
    assert.equal(hosted.status, "hosting");
    assert.equal(await connectionCount(r), 1);

    // Leaving releases the idle link (the client's own close): the URL stays, so
    // the next call dials the relay again, not the dead first URL.
    await host.leaveSession();
    await eventually(async () => (await connectionCount(r)) === 0, "the idle link released");
    const again = await host.hostSession({ sessionName: "Cluster again" });
    assert.equal(again.status, "hosting");
  });

  it("the relay is killed: the reconnect dials the next URL, where the session resumes", async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), "online-sync-url-list-"));
    dirs.push(dataDir);
    const first = await start(dataDir);
    // The second node's port, free until it starts with the first node's data (a
    // stand-in for a cluster's shared store: only one process holds the data dir).
    const { closedPort } = await import("../browser/helpers.mjs");
    const secondPort = await closedPort();
    const urls = [first.url, `ws://127.0.0.1:${secondPort}`];

    const host = connectTo(urls, { clientId: "host-node-a" });
    const guest = connectTo(urls, { clientId: "guest-node-a" });
    const { sessionCode } = await host.hostSession({ sessionName: "Two nodes", password: "pose-secret", displayName: "Host" });
    await guest.joinSession({ sessionCode, password: "pose-secret", displayName: "Ana" });
    await until(host, (s) => s.participantIds.includes("guest-node-a"));
    await host.publishSessionState({ isPlaying: true, timeRemaining: 42, currentIndex: 2 });
    const before = await until(guest, (s) => s.sharedSessionState?.currentIndex === 2);
    assert.ok(guest.getResumeToken(), "the relay issued a resume token");
    // Past the data dir's write-behind window (DESIGN 13: on disk within 500 ms).
    await new Promise((res) => setTimeout(res, 600));

    // The first node dies for good; the second comes up on its own port.
    const hostBack = backAfterLoss(host, "hosting");
    const guestBack = backAfterLoss(guest, "joined");
    await first.kill();
    const second = await start(dataDir, secondPort);
    const [hostState, guestState] = await Promise.all([hostBack, guestBack]);
    t.diagnostic(`both back on the second node (port ${secondPort})`);
    await eventually(async () => (await connectionCount(second)) === 2, "both clients on the second node");
    assert.equal(hostState.sessionCode, sessionCode);
    assert.equal(guestState.sessionCode, sessionCode);
    assert.equal(guestState.sharedSessionStateRevision, before.sharedSessionStateRevision, "the same room, resumed");
    assert.equal(guest.getClientId(), "guest-node-a", "the same member, not a new one");

    // The session goes on over the second node.
    await host.publishSessionState({ isPlaying: false, timeRemaining: 30, currentIndex: 3 });
    const moved = await until(guest, (s) => s.sharedSessionState?.currentIndex === 3);
    assert.equal(moved.sharedSessionStateRevision, before.sharedSessionStateRevision + 1);
  });

  it("a cluster on one Redis: the owner node dies; its client and a client of another node move on and resume", async (t) => {
    // Three nodes on one Redis (tests/js/cluster.mjs), with a short lease: a dead
    // node's rooms move on within 1.5 s.
    const { startCluster } = await import("./cluster.mjs");
    const cluster = await startCluster(relayEnv({ passwordHashLogN: 4, maxConnectionsPerIp: 100000, leaseMs: 1500 }));
    relays.push(cluster);
    const [a, b, c] = cluster.nodes;
    const [ua, ub, uc] = cluster.urls;

    // The host on node-0 (the room's owner), the guest on node-1: its messages
    // cross to node-0 and back.
    const host = connectTo([ua, ub, uc], { clientId: "host-cluster" });
    const guest = connectTo([ub, uc, ua], { clientId: "guest-cluster" });
    const { sessionCode } = await host.hostSession({ sessionName: "Cluster", password: "pose-secret", displayName: "Host" });
    await guest.joinSession({ sessionCode, password: "pose-secret", displayName: "Ana" });
    await until(host, (s) => s.participantIds.includes("guest-cluster"));
    await host.publishSessionState({ isPlaying: true, timeRemaining: 42, currentIndex: 2 });
    const before = await until(guest, (s) => s.sharedSessionState?.currentIndex === 2);
    assert.equal(await connectionCount(c), 0, "nobody on node-2 yet");
    // Past the cluster's write-behind window (each room change in Redis within ~100 ms).
    await new Promise((res) => setTimeout(res, 300));

    // The owner dies: the host's socket drops and it dials node-1; node-1 closes
    // the guest (1012 room-moved) once it sees node-0 gone, and the guest dials
    // node-2; the first to resume takes the room over from Redis.
    const hostBack = backAfterLoss(host, "hosting");
    const guestBack = backAfterLoss(guest, "joined");
    await a.kill();
    const [hostState, guestState] = await Promise.all([hostBack, guestBack]);
    // Which live node each ends on depends on timing: a resume that reaches
    // node-1 before it sees node-0's heartbeat gone waits for the dead owner and
    // may time out, and the client then dials the next URL.
    await eventually(async () => (await connectionCount(b)) + (await connectionCount(c)) === 2, "both clients on live nodes");
    t.diagnostic(`back on live nodes: ${await connectionCount(b)} on node-1, ${await connectionCount(c)} on node-2`);
    assert.equal(hostState.sessionCode, sessionCode);
    assert.equal(guestState.sharedSessionStateRevision, before.sharedSessionStateRevision, "the same room, resumed");

    await host.publishSessionState({ isPlaying: false, timeRemaining: 30, currentIndex: 3 });
    const moved = await until(guest, (s) => s.sharedSessionState?.currentIndex === 3);
    assert.equal(moved.sharedSessionStateRevision, before.sharedSessionStateRevision + 1);
  });
  it("a cluster's Redis restarts mid-session: the crossed client resumes and the session goes on", async (t) => {
    // Redis with its append-only file (as in production): a restart keeps the
    // leases and rooms. The host on node-0 (the owner), the guest on node-1.
    const { startCluster } = await import("./cluster.mjs");
    const cluster = await startCluster(relayEnv({ passwordHashLogN: 4, maxConnectionsPerIp: 100000 }), { persist: true });
    relays.push(cluster);
    const [ua, ub] = cluster.urls;
    const host = connectTo([ua], { clientId: "host-redis" });
    const guest = connectTo([ub], { clientId: "guest-redis" });
    const { sessionCode } = await host.hostSession({ sessionName: "Redis restart", displayName: "Host" });
    await guest.joinSession({ sessionCode, displayName: "Ana" });
    await host.publishSessionState({ isPlaying: true, timeRemaining: 42, currentIndex: 2 });
    const before = await until(guest, (s) => s.sharedSessionState?.currentIndex === 2);

    // Letters published while node-1's subscription was down are lost: node-1
    // closes the guest (1012), which resumes with its token.
    const guestBack = backAfterLoss(guest, "joined");
    await cluster.redis.restart();
    const back = await guestBack;
    t.diagnostic("the guest resumed after the restart");
    assert.equal(back.sessionCode, sessionCode);
    assert.equal(back.sharedSessionStateRevision, before.sharedSessionStateRevision, "the same room, resumed");

    await host.publishSessionState({ isPlaying: false, timeRemaining: 30, currentIndex: 3 });
    const moved = await until(guest, (s) => s.sharedSessionState?.currentIndex === 3);
    assert.equal(moved.sharedSessionStateRevision, before.sharedSessionStateRevision + 1);
    assert.equal(host.getState().status, "hosting");
  });
});
