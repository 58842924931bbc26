// Type-checked (never run) by types.test.mjs: the declarations of pkg/online_sync.d.ts
// accept the documented API and reject misuse (each @ts-expect-error must be an error).
import init, {
  MockRelay,
  SyncClient,
  type SessionMediaFile,
  type SyncError,
  type SyncErrorCode,
  type SyncState,
} from "../../../pkg/online_sync.js";

export async function demo(wasm: Uint8Array): Promise<void> {
  await init({ module_or_path: wasm });
  const relay = new MockRelay({ maxSessionPackBytes: 4096, passwordHashLogN: 4, disableMediaTransfer: false });
  const host = SyncClient.mock(relay, { clientId: "host-1" });
  const guest = SyncClient.websocket("ws://127.0.0.1:8787", { requestTimeoutMs: 5000 });
  const nodes: readonly string[] = ["wss://a.example/sync", "wss://b.example/sync"];
  SyncClient.websocket(nodes).free();
  const off: () => void = host.subscribe((state: SyncState) => {
    const status: "idle" | "connecting" | "hosting" | "joined" = state.status;
    const err: SyncErrorCode | "" = state.lastError;
    const gate: boolean = state.startGate.blocked;
    const done: number = state.mediaDownload.filesDone;
    const names: string | undefined = state.participantProfiles["x"];
    void [status, err, gate, done, names];
  });
  off();
  const hosted = await host.hostSession({ sessionName: "Figure", controlMode: "shared-pause", password: "pw" });
  const code: string = hosted.sessionCode;
  await guest.joinSession({ sessionCode: code, password: "pw", displayName: "Ana" });
  await host.updateSessionMeta({ sessionName: "Renamed" });
  const stored = await host.publishSessionState({ isPlaying: true, timeRemaining: 60, currentIndex: 0, extra: 1 });
  const revision: number = stored.revision;
  const signal = await guest.requestSharedPause();
  const paused: boolean = signal.isPlaying;
  await guest.requestSharedPlayback();
  await guest.updateParticipantState("ready");
  await guest.updateParticipantProfile({ displayName: "Ana" });
  const meta = await host.publishSessionPack({
    schema: "posechrono-session-pack",
    version: 1,
    session: {
      mode: "classic", selectedDuration: 60, timeRemaining: 60, memoryType: "flash",
      memoryDuration: 0, memoryPosesCount: 1, memoryDrawingTime: 0, imagesCount: 0,
    },
  });
  const { pack, hash, updatedAt, size } = await guest.fetchSessionPack();
  const keys: string[] = pack.session.mediaOrderKeys;
  await host.setSessionMediaUploadStatus({ inProgress: true, total: 1 });
  await host.resetSessionMediaPack();
  const published = await host.publishSessionMediaFile({ identity: "k:a", name: "a.png", ext: "png", bytes: new Uint8Array(8) });
  const sent: number = published.uploadedBytes;
  const hostStatus: string = published.status;
  const uploading: number = host.getState().mediaUpload.bytesDone;
  const manifest = await guest.fetchSessionMediaManifest();
  const first: string | undefined = manifest.files[0]?.sha256;
  const file: SessionMediaFile = await guest.fetchSessionMediaFile("k:a");
  const bytes: Uint8Array = file.bytes;
  const mime: "image/jpeg" | "image/png" | "image/webp" | "video/mp4" | "video/webm" = file.mime;
  const summary = await guest.downloadSessionMedia({ onFile: (f) => void f.bytes.length });
  const kept = new Map<string, Uint8Array>();
  await guest.downloadSessionMedia({
    cache: { get: async (sha) => kept.get(sha), put: async (sha, b) => void kept.set(sha, b) },
  });
  await guest.downloadSessionMedia({ cache: false });
  const fetched: number = guest.getState().mediaDownload.bytesFetched;
  guest.confirmLocalCopy();
  await guest.leaveSession();
  try {
    await guest.fetchSessionPack();
  } catch (e) {
    const code2: SyncErrorCode = (e as SyncError).code;
    void code2;
  }
  const count: number = relay.roomCount() + relay.connectionCount();
  void [code, revision, paused, meta.hash, hash, updatedAt, size, keys, first, bytes, mime, summary.files, count, sent, hostStatus, uploading, fetched];
  host.free();
  guest[Symbol.dispose]();
  relay.free();

  // @ts-expect-error: not a sync state
  await guest.updateParticipantState("sleeping");
  // @ts-expect-error: a cache needs get and put
  await guest.downloadSessionMedia({ cache: { get: async () => undefined } });
  // @ts-expect-error: bytes must be a Uint8Array
  await host.publishSessionMediaFile({ identity: "k:a", ext: "png", bytes: [1, 2, 3] });
  // @ts-expect-error: joinSession needs a code
  await guest.joinSession({ password: "pw" });
  // @ts-expect-error: unknown relay option
  new MockRelay({ maxSessionPackByte: 1 });
  // @ts-expect-error: a list of URLs holds strings only
  SyncClient.websocket(["ws://127.0.0.1:8787", new URL("ws://127.0.0.1:8788")]);
  // @ts-expect-error: no public constructor
  new SyncClient();
  // @ts-expect-error: not an error code
  const wrong: SyncErrorCode = "no-such-code";
  void wrong;
}
