// online-sync: the global `OnlineSync` of the classic-script build
// (online_sync.classic.js). scripts/build-classic.sh copies this file into pkg/ as
// online_sync.classic.d.ts, next to online_sync.d.ts, whose classes it reuses.
//
// Use it from a script-only TypeScript project with
//   /// <reference path="pkg/online_sync.classic.d.ts" />
// or by listing it in tsconfig's "files".
import type * as Module from "./online_sync.js";

/** What `<script src="online_sync.classic.js">` defines on the global object. */
export interface OnlineSyncGlobal {
  /**
   * Settles once the embedded module is initialised: resolves with `OnlineSync`
   * itself, or rejects with an `Error` whose `code` is `"module-init-failed"`
   * (its `cause` the underlying error) when it cannot start (no WebAssembly,
   * corrupt bytes, a failed instantiation).
   */
  readonly ready: Promise<OnlineSyncGlobal>;
  /** The ES module's `SyncClient`; defined once `ready` has resolved. */
  readonly SyncClient: typeof Module.SyncClient;
  /** The ES module's `MockRelay`; defined once `ready` has resolved. */
  readonly MockRelay: typeof Module.MockRelay;
}

/** The error `OnlineSync.ready` rejects with. */
export interface OnlineSyncInitError extends Error {
  /** Always `"module-init-failed"`. */
  code: "module-init-failed";
}

declare global {
  /** The classic-script build of online-sync: `await OnlineSync.ready`, then use its classes. */
  var OnlineSync: OnlineSyncGlobal;
  /** The types of the ES module, for code that only has the global. */
  namespace OnlineSync {
    type SyncClient = Module.SyncClient;
    type MockRelay = Module.MockRelay;
    type SyncState = Module.SyncState;
    type SyncError = Module.SyncError;
    type SyncErrorCode = Module.SyncErrorCode;
    type ClientOptions = Module.ClientOptions;
    type MockRelayOptions = Module.MockRelayOptions;
    type ModuleInitError = OnlineSyncInitError;
  }
}
