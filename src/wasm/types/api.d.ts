
// ---- online-sync: the classes, their options and the data they take and give ----

/** What `publishSessionState` takes: the relay coerces values and drops unknown keys. */
export interface SessionStateInput extends Omit<SessionState, "mode"> {
  mode?: SessionMode | "classic";
  [key: string]: unknown;
}

/** What `requestSharedPause` / `requestSharedPlayback` resolve with. */
export interface SharedPlaybackSignal {
  requestType: "pause" | "play";
  isPlaying: boolean;
  reason: string;
  ts: number;
  revision: number;
  updatedAt: number;
  sourceClientId: string;
}

/** A media ref of a session pack. */
export interface SessionPackMediaRef {
  identity: string;
  index: number;
  name: string;
  ext: string;
}

/** The `session` of a session pack, as stored. */
export interface SessionPackSession {
  mode: SessionMode;
  selectedDuration: number;
  timeRemaining: number;
  memoryType: MemoryType;
  memoryDuration: number;
  memoryPosesCount: number;
  memoryDrawingTime: number;
  memoryNoPressure: boolean;
  customQueue: CustomQueueStep[];
  mediaOrderKeys: string[];
  imagesCount: number;
}

/** A session pack (`posechrono-session-pack` v1) in canonical form, as fetched. */
export interface SessionPack {
  schema: "posechrono-session-pack";
  version: 1;
  createdAt: string;
  source: { runtime: string; language: string };
  session: SessionPackSession;
  mediaRefs: SessionPackMediaRef[];
}

/** What `publishSessionPack` takes: validated and canonicalized by the client and the relay. */
export interface SessionPackInput {
  schema: "posechrono-session-pack";
  version: 1 | "1";
  createdAt?: string;
  source?: { runtime?: string; language?: string };
  session: {
    mode: SessionMode | "classic";
    selectedDuration: number;
    timeRemaining: number;
    memoryType: MemoryType;
    memoryDuration: number;
    memoryPosesCount: number;
    memoryDrawingTime: number;
    imagesCount: number;
    memoryNoPressure?: boolean;
    customQueue?: Array<{ type: "pause" | "pose"; duration: number; count?: number; id?: number }>;
    mediaOrderKeys?: string[];
    [key: string]: unknown;
  };
  mediaRefs?: Array<{ identity: string; index: number; name?: string; ext?: string }>;
  [key: string]: unknown;
}

/** A fetched pack, its hash verified. */
export interface FetchedSessionPack {
  pack: SessionPack;
  hash: string;
  updatedAt: number;
  size: number;
}

/** One line of the media manifest. */
export interface SessionMediaManifestEntry {
  identity: string;
  name: string;
  ext: string;
  mime: string;
  size: number;
  sha256: string;
  updatedAt: number;
}

/** The media manifest: `files: []` when the session has no media. */
export interface SessionMediaManifest {
  files: SessionMediaManifestEntry[];
  filesCount: number;
  totalBytes: number;
  updatedAt: number;
  uploadedBy: string | null;
}

/** A media file, verified (size, SHA-256, type). */
export interface SessionMediaFile {
  identity: string;
  name: string;
  ext: MediaExtension;
  mime: MediaMime;
  size: number;
  sha256: string;
  bytes: Uint8Array;
}

/** A local file to publish; size, SHA-256 and base64 are computed by the client. */
export interface LocalMediaFileInput {
  /** `^[A-Za-z0-9:_-]{1,128}$`. */
  identity: string;
  name?: string;
  /** `jpg jpeg png webp mp4 webm`, any case. */
  ext: string;
  /** Empty or absent: the extension's. */
  mime?: string;
  bytes: Uint8Array;
}

/** A content-addressed media cache: keys are SHA-256, 64 lowercase hex. */
export interface MediaCache {
  get(sha256: string): Promise<Uint8Array | undefined | null> | Uint8Array | undefined | null;
  put(sha256: string, bytes: Uint8Array): Promise<void> | void;
}

/** Options of `downloadSessionMedia`. */
export interface DownloadOptions {
  /** Called with each verified file (cached ones too). */
  onFile?: (file: SessionMediaFile) => void;
  /**
   * Files whose SHA-256 the cache holds are not fetched (their bytes are still verified);
   * fetched files are put into it. Default: IndexedDB (`online-sync-media`) where the host
   * has it, none elsewhere; `false`: no cache. A cache that throws or rejects counts as a miss.
   */
  cache?: MediaCache | false;
}

/** What `publishSessionMediaFile` resolves with: the state, and what moved. */
export interface PublishedMediaFile extends SyncState {
  /** File bytes sent by this call: 0 when the relay already held this content for the session. */
  uploadedBytes: number;
  size: number;
  /** SHA-256 of the file, 64 lowercase hex. */
  sha256: string;
}

/** What a finished download resolves with. */
export interface DownloadSummary {
  files: number;
  bytes: number;
}

/** Options of `hostSession`; a code is generated when none is given. */
export interface HostOptions {
  sessionCode?: string;
  sessionName?: string;
  controlMode?: ControlMode;
  password?: string;
  displayName?: string;
}

/** Options of `joinSession`. */
export interface JoinOptions {
  sessionCode: string;
  password?: string;
  displayName?: string;
}

/** Changes of `updateSessionMeta`. */
export interface SessionMetaPatch {
  sessionName?: string;
  controlMode?: ControlMode;
}

/** Options of `SyncClient.mock` and `SyncClient.websocket`. */
export interface ClientOptions {
  /** Default: `"client-" + 16 random hex`. */
  clientId?: string;
  /** Default 8000, at least 1000. */
  requestTimeoutMs?: number;
}

/** Limits of a `MockRelay`: the `POSECHRONO_SYNC_*` settings in camelCase, read like those variables (floored, raised to their minimum); absent ones keep the relay's defaults (`tests/typescript-declarations.rs` keeps the list in sync). */
export interface MockRelayOptions {
  maxPayload?: number;
  maxParticipants?: number;
  maxRooms?: number;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
  rateWindowMs?: number;
  rateMaxMessages?: number;
  stateRateWindowMs?: number;
  stateRateMaxMessages?: number;
  rtcRateWindowMs?: number;
  rtcRateMaxMessages?: number;
  drawingRateWindowMs?: number;
  drawingRateMaxMessages?: number;
  roomIdleTtlMs?: number;
  roomCleanupIntervalMs?: number;
  maxSessionName?: number;
  maxPassword?: number;
  maxClientId?: number;
  maxReason?: number;
  maxStateBytes?: number;
  maxCustomSteps?: number;
  maxMediaOrderKeys?: number;
  maxSessionSeconds?: number;
  maxTimestamp?: number;
  maxIndex?: number;
  maxSessionPackBytes?: number;
  maxSessionMediaFiles?: number;
  maxSessionMediaFileBytes?: number;
  maxSessionMediaTotalBytes?: number;
  maxRtcSignalBytes?: number;
  maxDrawingBytes?: number;
  disableMediaTransfer?: boolean;
  joinAttemptsMax?: number;
  joinAttemptsWindowMs?: number;
  /** How long a dropped member keeps its place and may resume, ms; default 60000, 0 = none. */
  hostGraceMs?: number;
  resumeAttemptsPerIpMax?: number;
  resumeTrackedIpsMax?: number;
  /** Wrong passwords per room and address in any window, across reconnects (30). */
  passwordLockoutMax?: number;
  /** The password lockout's sliding window, ms (20000). */
  passwordLockoutWindowMs?: number;
  /** (room, address) pairs the lockout tracks at once (4096). */
  passwordLockoutTrackedMax?: number;
  uploadLockStaleMs?: number;
  maxDisplayName?: number;
  /**
   * The relay server's scrypt cost for room passwords, as log2(N); default 14. Accepted
   * for the settings' sake and without effect here: MockRelay hashes room passwords
   * with salted SHA-256 (the page already holds them in plaintext).
   */
  passwordHashLogN?: number;
  /** Leaves `media-chunks` out of `relay-features`: every client uses whole-file messages. */
  disableMediaChunks?: boolean;
  /** One media file sent in chunks, bytes (64 MiB). */
  maxChunkedMediaFileBytes?: number;
  /** A session's media once files come in chunks, bytes (2 GiB). */
  maxChunkedMediaTotalBytes?: number;
  /** Announced bytes of unfinished chunked uploads held at once (512 MiB). */
  maxPartialUploadBytes?: number;
  /** Media bytes held at once, every room's files and unfinished uploads (4 GiB). */
  maxMediaHeldBytes?: number;
  /** Chunk bytes per second per client address, each way (32 MiB/s; at least 1 MiB). */
  mediaRateIpBytesPerSec?: number;
  /** Chunk bytes per second per room (64 MiB/s; at least 1 MiB). */
  mediaRateRoomBytesPerSec?: number;
}

/** An in-memory relay with the same rules as the real one. */
export class MockRelay {
  /** Throws a `SyncError` (`invalid-argument`) for unknown options or wrong types. */
  constructor(options?: MockRelayOptions);
  /** Number of open rooms. */
  roomCount(): number;
  /** Number of open client connections. */
  connectionCount(): number;
  /** Releases the relay (clients still connected keep it alive until freed). */
  free(): void;
  [Symbol.dispose](): void;
}

/**
 * One online-sync client. Every promise rejects with a {@link SyncError};
 * calls without a value of their own resolve with the state snapshot.
 */
export class SyncClient {
  private constructor();
  /** A client of an in-memory relay. Throws `invalid-argument` for bad options. */
  static mock(relay: MockRelay, options?: ClientOptions): SyncClient;
  /**
   * A client of the relay at `url` (`ws://` or `wss://`; anything else throws `invalid-argument`),
   * over the host's `WebSocket`. It connects on the first call that needs the relay and reconnects
   * after a drop; a refused or stalled connect, a close before the reply or no reply within
   * `requestTimeoutMs` rejects with `transport-unavailable` (as does every call where the host
   * has no `WebSocket`, e.g. Node.js 20).
   *
   * `url` may be a list of 1 to 16 URLs (the nodes of a relay cluster), tried in turn: the first
   * connect dials the first, and each connect after a failed connect or a lost connection dials
   * the next, wrapping around. An empty list, a longer one or any bad URL in it throws
   * `invalid-argument`.
   */
  static websocket(url: string | readonly string[], options?: ClientOptions): SyncClient;
  /** Calls `callback` at once, then after every change; returns the unsubscribe function. */
  subscribe(callback: (state: SyncState) => void): () => void;
  getState(): SyncState;
  getClientId(): string;
  hostSession(options?: HostOptions): Promise<SyncState>;
  joinSession(options: JoinOptions): Promise<SyncState>;
  /** The current session's resume token (`""` outside a session or when the relay issued none); keep it, e.g. in `sessionStorage`. */
  getResumeToken(): string;
  /**
   * On a new client (e.g. after a reload): back into the session of `token`, same client id and
   * role. Rejects with `session-expired` for an unknown, used-up, expired or malformed token (no
   * network call for a malformed one) or a relay without the extension.
   */
  resumeSession(token: string): Promise<SyncState>;
  /** The state is `idle` at once; resolves when the relay has been told. */
  leaveSession(): Promise<SyncState>;
  updateSessionMeta(patch: SessionMetaPatch): Promise<SyncState>;
  publishSessionState(state: SessionStateInput): Promise<SharedSessionState>;
  requestSharedPause(): Promise<SharedPlaybackSignal>;
  requestSharedPlayback(): Promise<SharedPlaybackSignal>;
  updateParticipantState(syncState: ParticipantSyncState): Promise<SyncState>;
  updateParticipantProfile(profile: { displayName: string }): Promise<SyncState>;
  publishSessionPack(pack: SessionPackInput): Promise<SessionPackMeta>;
  fetchSessionPack(): Promise<FetchedSessionPack>;
  resetSessionMediaPack(): Promise<SyncState>;
  setSessionMediaUploadStatus(status: { inProgress: boolean; total?: number }): Promise<SyncState>;
  /**
   * On our relay the file moves in 1 MiB binary chunks (up to 64 MiB; an upload cut
   * off goes on from what the relay holds); elsewhere as one whole-file message (2 MiB).
   */
  publishSessionMediaFile(file: LocalMediaFileInput): Promise<PublishedMediaFile>;
  fetchSessionMediaManifest(): Promise<SessionMediaManifest>;
  fetchSessionMediaFile(identity: string): Promise<SessionMediaFile>;
  downloadSessionMedia(options?: DownloadOptions): Promise<DownloadSummary>;
  /** Validates the current pack and media as the local copy (clears the start gate). */
  confirmLocalCopy(): void;
  /** Closes the connection and releases callbacks; pending calls reject with `transport-unavailable`. */
  free(): void;
  [Symbol.dispose](): void;
}
