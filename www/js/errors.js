// Errors in words: every code a call can reject with (or `state.lastError` can hold)
// as a plain sentence, and where the page shows it (the banner `#error` and the
// panel's inline line `#host-error` / `#join-error`).
import { $, setAttr, setText, show } from "./dom.js";

/** Every error code in plain words. */
export const ERROR_TEXT = {
  // The contract's codes.
  "missing-session-code": "Enter a session code.",
  "session-not-found":
    "No session with this code is open on this relay. Check the code, or ask the host whether the session is still running.",
  "invalid-password": "Wrong password for this session.",
  "session-already-exists":
    "A session with this code is already open. Choose another code, or leave the field empty to get a new one.",
  "transport-unavailable":
    "Cannot reach the relay. Check the relay address and your connection, then try again.",
  "forbidden-not-host":
    "Only the host can do that. (In a host-only session participants cannot pause.)",
  "invalid-session-pack": "The relay rejected the session description as malformed.",
  "session-pack-too-large": "The session description is too large for the relay.",
  "session-pack-not-found": "The host has not published the session yet.",
  "invalid-session-media":
    "A media file was rejected: its data is damaged or does not match its size or checksum.",
  "session-media-too-large":
    "Too much media: a file is over the relay's limit (2 MiB on relays without chunked transfer, 64 MiB on ours), or the session is over its total size or 300 files.",
  "session-media-not-found": "The host has not uploaded any media yet.",
  "session-media-file-not-found":
    "A file is no longer on the relay (the host may have republished). Download again.",
  "session-media-unsupported-type":
    "This file type is not accepted: use JPG, PNG, WebP, MP4 or WebM, with content that matches the extension.",
  // Chunked media (our relay's extension).
  "media-chunk-corrupt": "A piece of a file arrived damaged; it is fetched again.",
  "media-chunk-out-of-order": "A piece of a file arrived out of order; the transfer picks up where it was.",
  "media-upload-not-found": "The relay no longer has this unfinished upload. Publish the file again.",
  "media-rate-limited": "The relay is moving other sessions' files; this transfer waits a moment and goes on.",
  // The relay's further codes.
  "invalid-session-code":
    "This session code is not valid. It looks like ABCD-2345: four letters or digits, a dash, four more.",
  "invalid-client-id": "The relay rejected this client's identifier.",
  "invalid-host-client-id": "The relay rejected the host's identifier.",
  "forbidden-host-impersonation": "You cannot join a session with the host's own identity.",
  "duplicate-client-id":
    "This client is already in the session (is the page open twice with the same identity?).",
  "room-full": "This session is full.",
  "server-room-limit": "The relay has too many open sessions right now. Try again later.",
  "not-joined": "You are not in this session (any more). Join again.",
  "already-joined": "You are already in this session.",
  "too-many-password-attempts": "Too many attempts to join. Wait a minute, then try again.",
  "invalid-request": "The relay did not understand a request (is it a different version?).",
  "request-failed": "The relay could not process the request. Try again.",
  "rate-limited": "Too many messages in a short time. Wait a moment and try again.",
  "state-rate-limited": "Timer updates were too frequent; the relay dropped some.",
  "profile-rate-limited": "Name changes were too frequent. Try again in a moment.",
  "rtc-rate-limited": "Too many connection messages. Wait a moment.",
  "drawing-rate-limited": "Too many drawing messages. Wait a moment.",
  "invalid-session-state": "The relay rejected the timer state as invalid.",
  "session-state-too-large": "The timer state is too large for the relay.",
  "session-media-upload-in-progress":
    "The host is still uploading media; the download starts when the upload finishes.",
  "media-transfer-disabled":
    "Media transfer is turned off on this relay: participants need their own copy of the images.",
  "invalid-display-name": "This name is not accepted: use 1 to 32 characters.",
  "invalid-rtc-signal": "The relay rejected a connection message.",
  "invalid-drawing-sync": "The relay rejected a drawing message.",
  "drawing-sync-too-large": "A drawing message is too large for the relay.",
  // Client-side codes.
  "host-disconnected": "The host ended the session or lost the connection.",
  "session-expired": "The session expired after a long time without activity.",
  "session-closed": "The session was closed.",
  "session-pack-integrity-failed":
    "The downloaded session description does not match its checksum. Download again.",
  "transfer-cancelled": "The download was cancelled because a newer one started.",
  "websocket-reconnecting": "The connection to the relay was lost. Reconnecting…",
  "websocket-disconnected":
    "The connection to the relay was lost and could not be restored. Join or host again when the relay is reachable.",
  "websocket-unavailable": "This browser cannot open WebSocket connections.",
  "websocket-url-missing": "Enter the relay address (ws://… or wss://…).",
  "websocket-tls-required": "This page is served over HTTPS, so the relay address must start with wss://.",
  "websocket-connect-failed": "Could not connect to the relay. Check the address and that the relay is running.",
  "websocket-connect-closed": "The relay closed the connection while connecting.",
  "websocket-not-open": "The connection to the relay is not open.",
  "websocket-request-timeout": "The relay did not answer in time. Try again.",
  "invalid-argument": "A value was rejected before sending. Check the fields and try again.",
};

/** Where a code means something else for the host. */
const HOST_ERROR_TEXT = {
  "invalid-password": "This password is not accepted: use at most 128 characters.",
};

/** A plain sentence for an error code, including the ones that carry data. */
export function describeError(code, source = "") {
  const c = String(code || "");
  if (source === "host" && HOST_ERROR_TEXT[c]) return HOST_ERROR_TEXT[c];
  if (ERROR_TEXT[c]) return ERROR_TEXT[c];
  let m = /^session-media-incomplete:(\d+)\/(\d+)$/.exec(c);
  if (m) {
    return `Only ${m[1]} of ${m[2]} files could be downloaded (the others failed verification). Download again, or use your local copy.`;
  }
  m = /^unknown-action:(.*)$/.exec(c);
  if (m) return `The relay does not support the action “${m[1]}” (it may be an older version).`;
  return `Something went wrong (code: ${c || "unknown"}).`;
}

export function errorCode(err) {
  if (err && typeof err === "object" && typeof err.code === "string" && err.code) return err.code;
  return "request-failed";
}

/**
 * A sentence for a failed join that knows what the person typed: an empty password
 * refused by a password room is "this session needs a password", not "wrong password".
 */
export function describeJoinError(code, { passwordGiven }) {
  if (code === "invalid-password" && !passwordGiven) {
    return "This session needs a password: enter the one the host gave you.";
  }
  return describeError(code, "participant");
}

/**
 * Shows an error in words: in the page banner (the sentence, and the code on a
 * details line) and in the panel it came from. `text` overrides the sentence.
 */
export function showError(source, code, { text = describeError(code, source) } = {}) {
  const banner = $("error");
  setAttr(banner, "data-code", code);
  setAttr(banner, "data-source", source);
  setText($("error-title"), source === "host" ? "Host:" : source === "participant" ? "Participant:" : "Problem:");
  setText($("error-text"), text);
  setText($("error-code"), code);
  show(banner, true);
  const inline = source === "host" ? $("host-error") : source === "participant" ? $("join-error") : null;
  if (inline) {
    setAttr(inline, "data-code", code);
    setText(inline, text);
    show(inline, true);
  }
}

export function clearError(source) {
  const inline = source === "host" ? $("host-error") : $("join-error");
  setAttr(inline, "data-code", "");
  setText(inline, "");
  show(inline, false);
  const banner = $("error");
  if (banner.getAttribute("data-source") === source) dismissError();
}

export function dismissError() {
  const banner = $("error");
  setAttr(banner, "data-code", "");
  setAttr(banner, "data-source", "");
  show(banner, false);
}
