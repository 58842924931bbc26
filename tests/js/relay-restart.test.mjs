// Issue 10 from JS over real sockets: the relay binary with a data dir is killed
// (SIGKILL, no close frame, no shutdown code) in the middle of a participant's
// media download and started again on the same port with the same data dir. Both
// clients come back by themselves (no app call): the same room, password, state
// revision, pack hash, media bytes and start-gate fingerprint; the download ends
// with every byte verified.
//
// WebSocket only (`TRANSPORT=websocket`): a MockRelay has no process to kill.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect, load, pack, rejectsWith, relayWithDataDir, sha256, TRANSPORT, until } from "./helpers.mjs";

before(load);

/** How long clients may take to come back: the first reconnect waits 1 s, then 2 s. */
const BACK_MS = 15000;

/** A PNG of `size` bytes: the signature and header, then random bytes (checks are by magic bytes). */
function bigPng(size) {
  const head = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52];
  const bytes = new Uint8Array(size);
  bytes.set(randomBytes(size));
  bytes.set(head);
  return bytes;
}

const FILES = [1, 2, 3, 4].map((n) => ({
  identity: `k:photo-${n}`,
  name: `photo-${n}.png`,
  ext: "png",
  bytes: bigPng(1_500_000 + n),
}));

const dirs = [];
const relays = [];

after(async () => {
  await Promise.all(relays.map((r) => r.kill()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The relay binary on `port` (0: any) with this data dir, stopped after the file. */
async function start(dataDir, port = 0) {
  const r = await relayWithDataDir(dataDir, port);
  relays.push(r);
  return r;
}

describe("relay kill -9 and restart with its data dir", { skip: TRANSPORT === "websocket" ? false : "our relay binary only: a MockRelay has no process to kill, the deployed relay no data dir" }, () => {
  it("mid media download: both clients come back by themselves, nothing is lost", async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), "online-sync-restart-"));
    dirs.push(dataDir);
    const first = await start(dataDir);

    const host = connect(first, { clientId: "host-restart" });
    const guest = connect(first, { clientId: "guest-restart" });
    const { sessionCode } = await host.hostSession({
      sessionName: "Hour of poses",
      controlMode: "host-only",
      password: "pose-secret",
      displayName: "Host",
    });
    await guest.joinSession({ sessionCode, password: "pose-secret", displayName: "Ana" });
    await until(host, (s) => s.participantIds.includes("guest-restart"));

    const meta = await host.publishSessionPack(pack(FILES.map((f) => f.identity)));
    await host.setSessionMediaUploadStatus({ inProgress: true, total: FILES.length });
    await host.resetSessionMediaPack();
    for (const f of FILES) await host.publishSessionMediaFile(f);
    await host.setSessionMediaUploadStatus({ inProgress: false });
    await host.publishSessionState({ isPlaying: true, timeRemaining: 42, currentIndex: 2 });
    const before = await until(guest, (s) => s.sharedSessionState?.currentIndex === 2 && s.sessionMediaMeta?.updatedAt > 0);
    const revision = before.sharedSessionStateRevision;
    const fingerprint = before.startGate.fingerprint;
    assert.equal((await guest.fetchSessionPack()).hash, meta.hash);

    // Past the data dir's write-behind window (DESIGN 13: on disk within 500 ms).
    await new Promise((res) => setTimeout(res, 600));

    // The download: the relay dies after the first file and comes back on its port.
    let second;
    const got = new Map();
    const download = guest.downloadSessionMedia({
      onFile: (f) => {
        got.set(f.identity, sha256(f.bytes));
        if (got.size === 1 && !second) {
          second = first.kill().then(() => start(dataDir, first.port));
        }
      },
    });
    const outcome = await download.then(
      () => "done",
      (e) => e.code,
    );
    assert.ok(second, "the relay was killed during the download");
    const restarted = await second;
    t.diagnostic(`the download across the restart: ${outcome}`);

    // Both back without any call: hosting/joined, no error, the host connected.
    const hostBack = await until(host, (s) => s.status === "hosting" && s.lastError === "", BACK_MS);
    const guestBack = await until(
      guest,
      (s) => s.status === "joined" && s.lastError === "" && s.hostConnected === true,
      BACK_MS,
    );
    assert.equal(hostBack.sessionCode, sessionCode);
    assert.equal(guestBack.sessionCode, sessionCode);
    assert.equal(guest.getClientId(), "guest-restart", "the same member, not a new one");
    assert.deepEqual(hostBack.participantIds.filter((id) => id === "guest-restart"), ["guest-restart"]);
    assert.equal(guestBack.sharedSessionStateRevision, revision, "the revision carried over");
    assert.equal(guestBack.sharedSessionState.currentIndex, 2);
    assert.equal(guestBack.sharedSessionState.timeRemaining, 42);
    assert.equal(guestBack.sessionPackMeta.hash, meta.hash);
    assert.equal(guestBack.startGate.fingerprint, fingerprint, "the start gate's fingerprint is unchanged");

    // The download (chunked, our relay) went on by itself from its last verified chunk.
    assert.equal(outcome, "done", "the download finished across the restart without a new call");
    assert.deepEqual(
      [...got.entries()].sort(),
      FILES.map((f) => [f.identity, sha256(f.bytes)]).sort(),
      "every file, byte for byte",
    );
    const after = await until(guest, (s) => s.mediaDownload.state === "done");
    assert.equal(after.startGate.blocked, false, "the complete download validates the gate");

    // The password survived: a plain join still needs it.
    const stranger = connect(restarted, { clientId: "stranger" });
    await rejectsWith(stranger.joinSession({ sessionCode, password: "not-the-password", displayName: "Xavi" }), "invalid-password");
    const friend = connect(restarted, { clientId: "friend" });
    await friend.joinSession({ sessionCode, password: "pose-secret", displayName: "Bea" });
    await until(host, (s) => s.participantIds.includes("friend"));

    // The state still moves both ways on the restarted relay.
    await host.publishSessionState({ isPlaying: false, timeRemaining: 30, currentIndex: 3 });
    const moved = await until(guest, (s) => s.sharedSessionState?.currentIndex === 3);
    assert.equal(moved.sharedSessionStateRevision, revision + 1);
  });
});
