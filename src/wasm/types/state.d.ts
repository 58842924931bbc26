
// ---- online-sync: hand-written declarations (src/wasm/types/*.d.ts) ----
// State, errors and the data they carry.

/** Every error code a call rejects with, or `state.lastError` holds (`tests/typescript-declarations.rs` keeps it in sync). */
export type SyncErrorCode =
  // The contract's codes.
  | "missing-session-code"
  | "session-not-found"
  | "invalid-password"
  | "session-already-exists"
  | "transport-unavailable"
  | "forbidden-not-host"
  | "invalid-session-pack"
  | "session-pack-too-large"
  | "session-pack-not-found"
  | "invalid-session-media"
  | "session-media-too-large"
  | "session-media-not-found"
  | "session-media-file-not-found"
  | "session-media-unsupported-type"
  // The relay's further codes.
  | "invalid-session-code"
  | "invalid-client-id"
  | "invalid-host-client-id"
  | "forbidden-host-impersonation"
  | "duplicate-client-id"
  | "room-full"
  | "server-room-limit"
  | "not-joined"
  | "already-joined"
  | "too-many-password-attempts"
  | "invalid-request"
  | "request-failed"
  | "rate-limited"
  | "state-rate-limited"
  | "profile-rate-limited"
  | "rtc-rate-limited"
  | "drawing-rate-limited"
  | "invalid-session-state"
  | "session-state-too-large"
  | "session-media-upload-in-progress"
  | "media-transfer-disabled"
  | "invalid-display-name"
  | "invalid-rtc-signal"
  | "invalid-drawing-sync"
  | "drawing-sync-too-large"
  // Our chunked media extension (media-chunks).
  | "media-chunk-corrupt"
  | "media-chunk-out-of-order"
  | "media-upload-not-found"
  | "media-rate-limited"
  // Client-side codes.
  | "host-disconnected"
  | "session-expired"
  | "session-closed"
  | "session-pack-integrity-failed"
  | "transfer-cancelled"
  | "websocket-reconnecting"
  | "websocket-disconnected"
  | "invalid-argument"
  // Codes that carry data.
  | `unknown-action:${string}`
  | `session-media-incomplete:${number}/${number}`;

/** What every failed call rejects with: an `Error` with a stable `code`. */
export interface SyncError extends Error {
  /** The relay's or client's error code. */
  readonly code: SyncErrorCode;
}

/** `idle -> connecting -> hosting | joined -> idle`. */
export type SyncStatus = "idle" | "connecting" | "hosting" | "joined";
/** This client's role in the session. */
export type SyncRole = "none" | "host" | "participant";
/** Who controls the timer. */
export type ControlMode = "host-only" | "shared-pause";
/** A member's local copy of the session media. */
export type ParticipantSyncState = "connecting" | "downloading" | "ready" | "missing";
/** Where a media download stands. */
export type MediaDownloadStage = "idle" | "manifest" | "downloading" | "done" | "error";
/** Session mode, as stored (`classic` is accepted on input and stored as `classique`). */
export type SessionMode = "classique" | "custom" | "relax" | "memory";
/** Memory-session variant. */
export type MemoryType = "flash" | "progressive";
/** Whitelisted media extensions, as stored. */
export type MediaExtension = "jpg" | "jpeg" | "png" | "webp" | "mp4" | "webm";
/** Canonical MIME types of the whitelisted extensions. */
export type MediaMime = "image/jpeg" | "image/png" | "image/webp" | "video/mp4" | "video/webm";

/** Metadata of the published session pack. */
export interface SessionPackMeta {
  /** SHA-256 hex of the canonical pack text. */
  hash: string;
  /** Length of the canonical pack text (UTF-16 units). */
  size: number;
  /** Publish time, relay ms. */
  updatedAt: number;
  /** The host's client id. */
  uploadedBy: string;
  /** `session.imagesCount` of the pack. */
  imagesCount: number;
  /** Number of media refs in the pack. */
  mediaRefsCount: number;
}

/** The session's online media. */
export interface SessionMediaMeta {
  filesCount: number;
  totalBytes: number;
  /** Last media change, relay ms (0 when never). */
  updatedAt: number;
  uploadedBy: string | null;
  /** The host holds the upload lock: media reads wait until it is released. */
  uploadInProgress: boolean;
}

/** Media download progress; changes with every chunk on our relay, at least once per file on a deployed one. */
export interface MediaDownloadProgress {
  state: MediaDownloadStage;
  filesDone: number;
  filesTotal: number;
  /** Bytes verified so far, cache hits and resumed bytes included. */
  bytesDone: number;
  bytesTotal: number;
  /** File bytes received over the network in this download (not framing). */
  bytesFetched: number;
  /** Files that failed verification and were skipped. */
  filesSkipped: number;
  /** The file being fetched, `""` when none. */
  currentIdentity: string;
}

/** The host's current media upload (`publishSessionMediaFile`). */
export interface MediaUploadProgress {
  /** The file being published, `""` when none. */
  identity: string;
  /** Bytes the relay holds of it; moves with every chunk on our relay. */
  bytesDone: number;
  bytesTotal: number;
}

/** Whether a participant may start: blocked until its local copy matches what the host published. */
export interface StartGate {
  blocked: boolean;
  reason: "" | "pack-not-validated";
  /** `sessionCode|packHash|packUpdatedAt|mediaUpdatedAt`, `""` when no pack is published. */
  fingerprint: string;
  /** The fingerprint last validated, `""` when none. */
  validatedFingerprint: string;
}

/** The last shared pause/play request a participant sent (shared-pause rooms). */
export interface SharedPlaybackRequest {
  requestType: "pause" | "play";
  isPlaying: boolean;
  sourceClientId: string;
  updatedAt: number;
}

/** One step of a custom queue. */
export interface CustomQueueStep {
  type: "pause" | "pose";
  /** Seconds, 1..86400. */
  duration: number;
  /** Poses, 1..10000 (1 for a pause). */
  count: number;
  id: number;
}

/** The host's timer/image state: the keys the relay keeps. */
export interface SessionState {
  sessionActive?: boolean;
  reviewActive?: boolean;
  isPlaying?: boolean;
  memoryNoPressure?: boolean;
  memoryHidden?: boolean;
  mediaOrderTruncated?: boolean;
  mediaOrderSkipped?: boolean;
  mode?: SessionMode;
  memoryType?: MemoryType;
  requestType?: "pause" | "play";
  reason?: string;
  currentMediaKey?: string;
  selectedDuration?: number;
  timeRemaining?: number;
  memoryDuration?: number;
  memoryDrawingTime?: number;
  totalSessionTime?: number;
  currentIndex?: number;
  currentStepIndex?: number;
  currentPoseInStep?: number;
  memoryPosesCount?: number;
  imagesCount?: number;
  customQueue?: CustomQueueStep[];
  customQueueLength?: number;
  mediaOrderKeys?: string[];
  mediaOrderCount?: number;
  ts?: number;
  updatedAt?: number;
}

/** A session state as the relay stored it. */
export interface SharedSessionState extends SessionState {
  revision: number;
  updatedAt: number;
  sourceClientId: string;
}

/** Everything the host app renders. */
export interface SyncState {
  status: SyncStatus;
  role: SyncRole;
  clientId: string;
  /** Normalized `XXXX-XXXX`, `""` when idle. */
  sessionCode: string;
  sessionName: string;
  /** `""` when idle. */
  controlMode: ControlMode | "";
  hostClientId: string;
  /** Members, host included. */
  participantsCount: number;
  /** Host first, then join order. */
  participantIds: string[];
  participantProfiles: Record<string, string>;
  participantSyncStates: Record<string, ParticipantSyncState>;
  sharedSessionState: SharedSessionState | null;
  sharedSessionStateRevision: number;
  sharedPlaybackRequest: SharedPlaybackRequest | null;
  sessionPackMeta: SessionPackMeta | null;
  sessionMediaMeta: SessionMediaMeta | null;
  /** The last error code, `""` when none. */
  lastError: SyncErrorCode | "";
  mediaDownload: MediaDownloadProgress;
  mediaUpload: MediaUploadProgress;
  startGate: StartGate;
  /** `false` while the relay reports the host away (within its grace); `true` otherwise and outside a session. */
  hostConnected: boolean;
}

