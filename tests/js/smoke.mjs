// Smoke test of the built module: a full host + participant session on MockRelay.
// Run after scripts/build-pkg.sh: `node tests/js/smoke.mjs` (exit code 0 = pass).
import { readFile } from "node:fs/promises";
import init, { MockRelay, SyncClient } from "../../pkg/online_sync.js";

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
  0x42, 0x60, 0x82,
]);

function check(condition, what) {
  if (!condition) throw new Error(`smoke: ${what}`);
}

async function main() {
  const wasm = await readFile(new URL("../../pkg/online_sync_bg.wasm", import.meta.url));
  await init({ module_or_path: wasm });

  const relay = new MockRelay({ passwordHashLogN: 4 });
  const host = SyncClient.mock(relay, { clientId: "smoke-host" });
  const guest = SyncClient.mock(relay, { clientId: "smoke-guest" });

  const hosted = await host.hostSession({ sessionName: "Smoke", password: "pw", displayName: "Host" });
  check(hosted.status === "hosting", `host status ${hosted.status}`);
  const joined = await guest.joinSession({ sessionCode: hosted.sessionCode, password: "pw", displayName: "Guest" });
  check(joined.status === "joined" && joined.participantsCount === 2, "guest joined");

  await host.publishSessionState({ isPlaying: true, timeRemaining: 60, currentIndex: 0 });
  const meta = await host.publishSessionPack({
    schema: "posechrono-session-pack",
    version: 1,
    session: {
      mode: "classique", selectedDuration: 60, timeRemaining: 60, memoryType: "flash",
      memoryDuration: 0, memoryPosesCount: 1, memoryDrawingTime: 0, imagesCount: 1, mediaOrderKeys: ["k:one"],
    },
    mediaRefs: [{ identity: "k:one", index: 0, name: "one.png", ext: "png" }],
  });
  await host.publishSessionMediaFile({ identity: "k:one", name: "one.png", ext: "png", bytes: PNG });

  const fetched = await guest.fetchSessionPack();
  check(fetched.hash === meta.hash, "pack hash");
  const files = [];
  const summary = await guest.downloadSessionMedia({ onFile: (f) => files.push(f) });
  check(summary.files === 1 && files[0].bytes.length === PNG.length, "media downloaded");
  check(guest.getState().startGate.blocked === false, "start gate open");

  await host.leaveSession();
  await new Promise((r) => setTimeout(r, 20));
  check(guest.getState().lastError === "host-disconnected", `guest lastError ${guest.getState().lastError}`);
  host.free();
  guest.free();
  relay.free();
  console.log("smoke: ok");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
