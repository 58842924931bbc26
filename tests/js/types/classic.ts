// Type-checked (never run) by types.test.mjs: pkg/online_sync.classic.d.ts declares
// the global `OnlineSync` of the classic-script build with the ES module's classes
// and types, and rejects misuse (each @ts-expect-error must be an error).
/// <reference path="../../../pkg/online_sync.classic.d.ts" />

export async function classicDemo(): Promise<void> {
  try {
    const api = await OnlineSync.ready;
    const relay: OnlineSync.MockRelay = new api.MockRelay({ passwordHashLogN: 4 });
    const host: OnlineSync.SyncClient = OnlineSync.SyncClient.mock(relay, { clientId: "host-1" });
    const guest = window.OnlineSync.SyncClient.websocket("ws://127.0.0.1:8787", { requestTimeoutMs: 5000 });
    const state: OnlineSync.SyncState = host.getState();
    const err: OnlineSync.SyncErrorCode | "" = state.lastError;
    const hosted = await host.hostSession({ sessionName: "Figure" });
    await guest.joinSession({ sessionCode: hosted.sessionCode, displayName: "Ana" });
    void err;
  } catch (e) {
    const failed = e as OnlineSync.ModuleInitError;
    const code: "module-init-failed" = failed.code;
    void code;
  }
  // @ts-expect-error ready is read-only
  OnlineSync.ready = Promise.resolve(OnlineSync);
  // @ts-expect-error the classic build initialises itself: no init or initSync
  OnlineSync.initSync(new Uint8Array());
  // @ts-expect-error the classes keep the module's signatures
  OnlineSync.SyncClient.mock("not a relay");
  // @ts-expect-error ready resolves with OnlineSync, not a state
  const wrong: OnlineSync.SyncState = await OnlineSync.ready;
  void wrong;
}
