// online-sync demo page: a host and a participant of a timed drawing session.
//
// Plain ES module, no framework, no build step. It uses only the JS API of the wasm
// module (`pkg/online_sync.js`, see /work/shared/DESIGN.md and src/wasm/types.d.ts):
//   import init, { SyncClient, MockRelay } from "./pkg/online_sync.js";
// The module is imported dynamically so that a missing `pkg/` is shown in words on
// the page instead of leaving a blank page.

const MODULE_URL = "./pkg/online_sync.js";

// ---------------------------------------------------------------------------
// Constants

/** Extensions the relay accepts, with their canonical MIME types. */
const MEDIA_TYPES = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  mp4: "video/mp4",
  webm: "video/webm",
};
const MAX_FILE_BYTES = 2 * 1024 * 1024; // relay default, per file
const MAX_TOTAL_BYTES = 256 * 1024 * 1024; // relay default, per session
const MAX_FILES = 300; // relay default, per session
const SAMPLES = [
  "pose-1-standing.png",
  "pose-2-reaching.png",
  "pose-3-lunge.png",
  "pose-4-seated.png",
];
const SYNC_STATE_LABELS = {
  connecting: "Connecting",
  downloading: "Downloading",
  ready: "Ready",
  missing: "Missing media",
};
/** Codes after which a participant's session is over. */
const SESSION_END_CODES = new Set([
  "host-disconnected",
  "session-expired",
  "session-closed",
  "websocket-disconnected",
]);
/** `state.lastError` values that are shown in context (gate, download) rather than as an error. */
const QUIET_STATE_CODES = new Set(["transfer-cancelled", "session-media-upload-in-progress"]);
/** Upload errors worth a retry (as the deployed host does). */
const RETRYABLE = new Set(["rate-limited", "state-rate-limited", "request-failed"]);

/** Every error code in plain words. */
const ERROR_TEXT = {
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
    "Too much media: a file is over 2 MiB, or the session is over its total size (256 MiB) or 300 files.",
  "session-media-not-found": "The host has not uploaded any media yet.",
  "session-media-file-not-found":
    "A file is no longer on the relay (the host may have republished). Download again.",
  "session-media-unsupported-type":
    "This file type is not accepted: use JPG, PNG, WebP, MP4 or WebM, with content that matches the extension.",
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

function errorCode(err) {
  if (err && typeof err === "object" && typeof err.code === "string" && err.code) return err.code;
  return "request-failed";
}

// ---------------------------------------------------------------------------
// Small helpers

const $ = (id) => document.getElementById(id);

function show(el, visible) {
  el.hidden = !visible;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el, name, value) {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

function fmtBytes(n) {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, n | 0)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function fmtClock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function extOf(name) {
  const m = /\.([A-Za-z0-9]+)$/.exec(name || "");
  return m ? m[1].toLowerCase() : "";
}

/** `img-<n>-<name>` restricted to `^[A-Za-z0-9:_-]{1,128}$`. */
function identityFor(index, name) {
  const clean = String(name || "file").replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 100) || "file";
  return `img-${index + 1}-${clean}`;
}

function magicOk(ext, b) {
  const at = (i, bytes) => bytes.every((v, k) => b[i + k] === v);
  switch (ext) {
    case "jpg":
    case "jpeg":
      return b.length >= 3 && at(0, [0xff, 0xd8, 0xff]);
    case "png":
      return b.length >= 8 && at(0, [0x89, 0x50, 0x4e, 0x47]);
    case "webp":
      return b.length >= 12 && at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50]);
    case "mp4":
      return b.length >= 12 && at(4, [0x66, 0x74, 0x79, 0x70]);
    case "webm":
      return b.length >= 4 && at(0, [0x1a, 0x45, 0xdf, 0xa3]);
    default:
      return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Errors and notices

let lastErrorShownAt = 0;

/** Shows an error code in words: in the page banner and in the panel it came from. */
function showError(source, code) {
  const text = describeError(code, source);
  const banner = $("error");
  setAttr(banner, "data-code", code);
  setAttr(banner, "data-source", source);
  setText($("error-title"), source === "host" ? "Host:" : source === "participant" ? "Participant:" : "Problem:");
  setText($("error-text"), `${text} (${code})`);
  show(banner, true);
  lastErrorShownAt = Date.now();
  const inline = source === "host" ? $("host-error") : source === "participant" ? $("join-error") : null;
  if (inline) {
    setAttr(inline, "data-code", code);
    setText(inline, text);
    show(inline, true);
  }
}

function clearError(source) {
  const inline = source === "host" ? $("host-error") : $("join-error");
  setAttr(inline, "data-code", "");
  setText(inline, "");
  show(inline, false);
  const banner = $("error");
  if (banner.getAttribute("data-source") === source) dismissError();
}

function dismissError() {
  const banner = $("error");
  setAttr(banner, "data-code", "");
  setAttr(banner, "data-source", "");
  show(banner, false);
}

// ---------------------------------------------------------------------------
// Relay selection and clients

let mod = null; // the wasm module's exports once loaded
let relayMode = "websocket"; // "websocket" | "mock"
let mockRelay = null;

function defaultRelayUrl() {
  if (!location.host) return "ws://127.0.0.1:8787";
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}

function relayUrl() {
  return $("relay-url").value.trim() || defaultRelayUrl();
}

/** One side of the page (host or participant) and its client. */
function makeSide(name) {
  return { name, client: null, off: null, key: "", state: null, prevLastError: "" };
}

const hostSide = Object.assign(makeSide("host"), {
  selection: [], // local picks: {key, name, ext, mime, size, file, url, error}
  media: [], // published: {identity, name, ext, mime, size, url}
  play: { sessionActive: false, isPlaying: false, currentIndex: 0, remaining: 30, duration: 30, lastTick: 0 },
  publishing: false,
  pub: { inFlight: false, pending: false },
  lastRequestKey: "",
});

const guestSide = Object.assign(makeSide("participant"), {
  files: new Map(), // identity -> {url, mime, name}
  rx: { key: "", at: 0 }, // receipt of the last shared session state
  dl: { running: false, fp: "", pendingFp: "", failedFp: "", failCode: "", waiting: false, timer: 0 },
  wasJoined: false,
  advertised: false,
});

function isActive(side) {
  const s = side.state;
  return !!s && s.status !== "idle";
}

/** The side's client for the current relay choice, created (or re-created) as needed. */
function ensureClient(side) {
  const key = relayMode === "mock" ? "mock" : `ws:${relayUrl()}`;
  if (side.client && side.key === key) return side.client;
  dropClient(side);
  let client;
  if (relayMode === "mock") {
    if (!mockRelay) mockRelay = new mod.MockRelay(mockRelayOptions());
    client = mod.SyncClient.mock(mockRelay);
  } else {
    client = mod.SyncClient.websocket(relayUrl());
  }
  side.client = client;
  side.key = key;
  side.prevLastError = "";
  side.off = client.subscribe((state) => onState(side, state));
  return client;
}

function dropClient(side) {
  if (side.off) {
    try {
      side.off();
    } catch {
      /* already released */
    }
  }
  if (side.client) side.client.free();
  side.client = null;
  side.off = null;
  side.key = "";
  side.state = null;
}

/** `?media=off` turns the in-memory relay's media transfer off (to see the start gate hold). */
function mockRelayOptions() {
  const params = new URLSearchParams(location.search);
  return params.get("media") === "off" ? { disableMediaTransfer: true } : {};
}

function applyRelayMode(mode, { updateUrl = true } = {}) {
  relayMode = mode === "mock" ? "mock" : "websocket";
  $("use-mock").checked = relayMode === "mock";
  $("relay-url").disabled = relayMode === "mock";
  setAttr($("main"), "data-relay", relayMode);
  setAttr($("relay-mode"), "data-mode", relayMode);
  setText(
    $("relay-mode"),
    relayMode === "mock"
      ? "Mode: in-memory relay. The host and a simulated participant run side by side in this tab."
      : "Mode: WebSocket relay. Host here and join from other devices or tabs with the code."
  );
  show($("join-mock-note"), relayMode === "mock");
  setText($("join-title"), relayMode === "mock" ? "Participant (simulated, same tab)" : "Join a session");
  if (updateUrl) {
    const url = new URL(location.href);
    if (relayMode === "mock") url.searchParams.set("relay", "mock");
    else url.searchParams.delete("relay");
    history.replaceState(null, "", url);
  }
}

function switchRelay(mode) {
  if (isActive(hostSide) || isActive(guestSide)) {
    // The toggle is disabled meanwhile; this is a safety net.
    $("use-mock").checked = relayMode === "mock";
    return;
  }
  dropClient(hostSide);
  dropClient(guestSide);
  if (mockRelay) {
    mockRelay.free();
    mockRelay = null;
  }
  applyRelayMode(mode);
  renderHost();
  renderGuest();
}

// ---------------------------------------------------------------------------
// State subscription

function onState(side, state) {
  side.state = state;
  if (state.lastError && state.lastError !== side.prevLastError && !QUIET_STATE_CODES.has(state.lastError)) {
    showError(side.name, state.lastError);
  }
  side.prevLastError = state.lastError;
  if (side === hostSide) onHostState(state);
  else onGuestState(state);
}

function renderPeople(listEl, countEl, state) {
  const ids = state && state.status !== "idle" ? state.participantIds || [] : [];
  setText(countEl, String(ids.length));
  const rows = ids.map((id) => {
    const name = (state.participantProfiles && state.participantProfiles[id]) || id;
    const sync = (state.participantSyncStates && state.participantSyncStates[id]) || "connecting";
    return { id, name, sync, host: id === state.hostClientId, self: id === state.clientId };
  });
  const sig = JSON.stringify(rows);
  if (listEl.dataset.sig === sig) return;
  listEl.dataset.sig = sig;
  listEl.replaceChildren(
    ...rows.map((r) => {
      const li = document.createElement("li");
      li.dataset.clientId = r.id;
      li.dataset.syncState = r.sync;
      li.dataset.role = r.host ? "host" : "participant";
      if (r.self) li.dataset.self = "true";
      const name = document.createElement("span");
      name.className = "person-name";
      name.textContent = r.name;
      li.append(name);
      if (r.host || r.self) {
        const tag = document.createElement("span");
        tag.className = "muted";
        tag.textContent = [r.host ? "host" : "", r.self ? "you" : ""].filter(Boolean).join(", ");
        li.append(" ", tag);
      }
      const badge = document.createElement("span");
      badge.className = `badge badge-${r.sync}`;
      badge.textContent = SYNC_STATE_LABELS[r.sync] || r.sync;
      li.append(badge);
      return li;
    })
  );
}

// ---------------------------------------------------------------------------
// Host

function onHostState(state) {
  if (state.status === "hosting") {
    // A participant's shared pause/play request: apply it and republish.
    const r = state.sharedPlaybackRequest;
    const key = r ? `${r.updatedAt}|${r.sourceClientId}|${r.requestType}|${r.isPlaying}` : "";
    if (key && key !== hostSide.lastRequestKey) {
      hostSide.lastRequestKey = key;
      queueMicrotask(() => applySharedRequest(r));
    }
  } else if (state.status === "idle" && (hostSide.play.sessionActive || hostSide.media.length)) {
    // The session is over: stop the timer; keep the selection for the next one.
    hostSide.play.isPlaying = false;
    hostSide.play.sessionActive = false;
    hostSide.media = [];
  }
  renderHost();
}

function applySharedRequest(r) {
  const s = hostSide.state;
  if (!s || s.status !== "hosting" || s.controlMode !== "shared-pause" || !hostSide.media.length) return;
  const who = (s.participantProfiles && s.participantProfiles[r.sourceClientId]) || "A participant";
  setText($("host-notice"), `${who} ${r.isPlaying ? "resumed" : "paused"} the session.`);
  setPlaying(!!r.isPlaying);
}

async function startHosting(ev) {
  ev.preventDefault();
  if (!mod) return;
  clearError("host");
  let client;
  try {
    client = ensureClient(hostSide);
  } catch (e) {
    showError("host", errorCode(e));
    return;
  }
  const opts = {
    sessionName: $("host-name").value.trim() || undefined,
    controlMode: $("host-mode").value,
  };
  const code = $("host-code").value.trim();
  if (code) opts.sessionCode = code;
  const password = $("host-password").value;
  if (password) opts.password = password;
  opts.displayName = $("host-display-name").value.trim() || "Host";
  $("host-start").disabled = true;
  try {
    const state = await client.hostSession(opts);
    hostSide.lastRequestKey = state.sharedPlaybackRequest
      ? `${state.sharedPlaybackRequest.updatedAt}|${state.sharedPlaybackRequest.sourceClientId}|${state.sharedPlaybackRequest.requestType}|${state.sharedPlaybackRequest.isPlaying}`
      : "";
    resetPlayback();
    if (relayMode === "mock") {
      // Single-tab demo: hand the code to the simulated participant.
      const jc = $("join-code");
      if (!jc.value.trim() || jc.dataset.autofilled === "true") {
        jc.value = state.sessionCode;
        jc.dataset.autofilled = "true";
      }
    }
    setText($("host-notice"), "");
  } catch (e) {
    showError("host", errorCode(e));
  } finally {
    renderHost();
  }
}

async function endHosting() {
  const client = hostSide.client;
  if (!client) return;
  hostSide.play.isPlaying = false;
  try {
    await client.leaveSession();
  } catch (e) {
    showError("host", errorCode(e));
  }
  hostSide.play.sessionActive = false;
  hostSide.media = [];
  renderHost();
}

async function changeMode() {
  const s = hostSide.state;
  if (!s || s.status !== "hosting") return;
  try {
    await hostSide.client.updateSessionMeta({ controlMode: $("host-mode").value });
  } catch (e) {
    showError("host", errorCode(e));
    $("host-mode").value = s.controlMode || "host-only";
  }
}

async function copyCode() {
  const code = $("session-code").textContent;
  if (!code) return;
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(code);
      ok = true;
    }
  } catch {
    ok = false;
  }
  if (!ok) {
    // Fallback for plain-http pages: select a temporary field and copy it.
    const tmp = document.createElement("textarea");
    tmp.value = code;
    tmp.setAttribute("readonly", "");
    tmp.style.position = "fixed";
    tmp.style.opacity = "0";
    document.body.append(tmp);
    tmp.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    tmp.remove();
    $("copy-code").focus();
  }
  setText($("copy-status"), ok ? `Copied ${code}.` : `Copy failed: select the code and copy it by hand.`);
}

// ----- Files

function selectionKey(f) {
  return `${f.name}|${f.size}|${f.lastModified || 0}`;
}

async function addFiles(list) {
  const files = Array.from(list || []);
  for (const f of files) {
    const key = selectionKey(f);
    if (hostSide.selection.some((x) => x.key === key)) continue;
    const ext = extOf(f.name);
    let error = "";
    if (!MEDIA_TYPES[ext]) {
      error = `Not accepted: ${ext ? `.${ext}` : "files without an extension"} cannot be shared (use JPG, PNG, WebP, MP4 or WebM).`;
    } else if (f.size === 0) {
      error = "Empty file.";
    } else if (f.size > MAX_FILE_BYTES) {
      error = `Too large: ${f.size.toLocaleString("en")} bytes, over the limit of 2 MiB (${MAX_FILE_BYTES.toLocaleString("en")} bytes) a file.`;
    } else {
      try {
        const head = new Uint8Array(await f.slice(0, 12).arrayBuffer());
        if (!magicOk(ext, head)) error = `Not a real .${ext} file: its content does not match the extension.`;
      } catch {
        error = "This file could not be read.";
      }
    }
    hostSide.selection.push({
      key,
      name: f.name,
      ext,
      mime: MEDIA_TYPES[ext] || "",
      size: f.size,
      file: f,
      fileError: error,
      error,
      url: error ? "" : URL.createObjectURL(f),
    });
  }
  // Session limits, in order of selection.
  let count = 0;
  let bytes = 0;
  for (const item of hostSide.selection) {
    item.error = item.fileError;
    if (item.error) continue;
    if (count + 1 > MAX_FILES) {
      item.error = "Over the limit of 300 files a session.";
    } else if (bytes + item.size > MAX_TOTAL_BYTES) {
      item.error = "Over the limit of 256 MiB a session.";
    } else {
      count += 1;
      bytes += item.size;
    }
  }
  renderSelection();
  renderHost();
}

function clearSelection() {
  const published = new Set(hostSide.media.map((m) => m.url));
  for (const item of hostSide.selection) {
    if (item.url && !published.has(item.url)) URL.revokeObjectURL(item.url);
  }
  hostSide.selection = [];
  $("files").value = "";
  renderSelection();
  renderHost();
}

async function useSamples() {
  const btn = $("use-samples");
  btn.disabled = true;
  try {
    const files = [];
    for (const name of SAMPLES) {
      const res = await fetch(new URL(`samples/${name}`, location.href));
      if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
      const blob = await res.blob();
      files.push(new File([blob], name, { type: "image/png", lastModified: 0 }));
    }
    await addFiles(files);
  } catch (e) {
    setText($("files-summary"), `The sample images could not be loaded (${e && e.message ? e.message : e}).`);
  } finally {
    btn.disabled = false;
  }
}

function renderSelection() {
  const ul = $("selected-files");
  const ok = hostSide.selection.filter((x) => !x.error);
  const bad = hostSide.selection.length - ok.length;
  const bytes = ok.reduce((n, x) => n + x.size, 0);
  setText(
    $("files-summary"),
    hostSide.selection.length
      ? `${ok.length} file${ok.length === 1 ? "" : "s"} ready (${fmtBytes(bytes)})${bad ? `, ${bad} rejected` : ""}.`
      : "No files selected."
  );
  $("clear-files").disabled = hostSide.selection.length === 0;
  ul.replaceChildren(
    ...hostSide.selection.map((item) => {
      const li = document.createElement("li");
      li.dataset.name = item.name;
      li.dataset.accepted = item.error ? "false" : "true";
      if (item.url && item.mime.startsWith("image/")) {
        const img = document.createElement("img");
        img.src = item.url;
        img.alt = "";
        img.className = "thumb";
        li.append(img);
      } else {
        const ph = document.createElement("span");
        ph.className = "thumb thumb-none";
        ph.textContent = item.mime.startsWith("video/") ? "▶" : "✕";
        ph.setAttribute("aria-hidden", "true");
        li.append(ph);
      }
      const text = document.createElement("span");
      text.className = "file-text";
      const nm = document.createElement("span");
      nm.className = "file-name";
      nm.textContent = item.name;
      const info = document.createElement("small");
      info.className = item.error ? "file-error" : "hint";
      info.textContent = item.error ? item.error : fmtBytes(item.size);
      text.append(nm, info);
      li.append(text);
      return li;
    })
  );
}

// ----- Publish

function setUploadProgress(p) {
  const el = $("upload-progress");
  setAttr(el, "data-files-done", p.filesDone);
  setAttr(el, "data-files-total", p.filesTotal);
  setAttr(el, "data-bytes-done", p.bytesDone);
  setAttr(el, "data-bytes-total", p.bytesTotal);
  setAttr(el, "data-state", p.state);
  el.max = Math.max(1, p.bytesTotal);
  el.value = Math.min(p.bytesDone, el.max);
  setText($("upload-text"), p.text);
}

async function withRetry(fn) {
  let delay = 140;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 4 || !RETRYABLE.has(errorCode(e))) throw e;
      await sleep(Math.min(1400, delay) + Math.random() * 60);
      delay *= 2;
    }
  }
}

function buildPack(items, duration) {
  const keys = items.map((x) => x.identity);
  return {
    schema: "posechrono-session-pack",
    version: 1,
    createdAt: new Date().toISOString(),
    source: { runtime: "web", language: (navigator.language || "en").slice(0, 24) },
    session: {
      mode: "classique",
      selectedDuration: duration,
      timeRemaining: duration,
      memoryType: "flash",
      memoryDuration: 0,
      memoryPosesCount: 1,
      memoryDrawingTime: 0,
      memoryNoPressure: false,
      customQueue: [],
      mediaOrderKeys: keys,
      imagesCount: keys.length,
    },
    mediaRefs: items.map((x, index) => ({ identity: x.identity, index, name: x.name, ext: x.ext })),
  };
}

function readDuration() {
  const v = Math.floor(Number($("host-duration").value));
  const d = Number.isFinite(v) ? Math.min(3600, Math.max(1, v)) : 30;
  $("host-duration").value = String(d);
  return d;
}

async function publish() {
  const client = hostSide.client;
  const s = hostSide.state;
  if (!client || !s || s.status !== "hosting" || hostSide.publishing) return;
  const picks = hostSide.selection.filter((x) => !x.error);
  if (!picks.length) {
    setText($("upload-text"), "Pick at least one accepted file first.");
    return;
  }
  clearError("host");
  const duration = readDuration();
  const items = picks.map((p, i) => ({ ...p, identity: identityFor(i, p.name) }));
  const bytesTotal = items.reduce((n, x) => n + x.size, 0);
  const progress = { state: "uploading", filesDone: 0, filesTotal: items.length, bytesDone: 0, bytesTotal, text: "" };
  const uploaded = [];
  const failed = [];
  hostSide.publishing = true;
  setPlaying(false, { publish: false });
  renderHost();
  progress.text = `Uploading 0 of ${items.length} files…`;
  setUploadProgress(progress);
  let aborted = false;
  // A relay with media transfer turned off still takes the pack: participants then
  // need their own copy of the files and confirm it at the start gate.
  let transferOff = false;
  const stop = (code) => {
    if (code === "media-transfer-disabled") {
      transferOff = true;
    } else {
      aborted = true;
      showError("host", code);
    }
  };
  try {
    await client.setSessionMediaUploadStatus({ inProgress: true, total: items.length });
    await client.resetSessionMediaPack();
    for (const item of items) {
      progress.text = `Uploading ${progress.filesDone + 1} of ${items.length}: ${item.name} (${fmtBytes(progress.bytesDone)} of ${fmtBytes(bytesTotal)})…`;
      setUploadProgress(progress);
      try {
        const bytes = new Uint8Array(await item.file.arrayBuffer());
        await withRetry(() =>
          client.publishSessionMediaFile({ identity: item.identity, name: item.name, ext: item.ext, bytes })
        );
        uploaded.push(item);
      } catch (e) {
        const code = errorCode(e);
        if (["transport-unavailable", "not-joined", "forbidden-not-host", "media-transfer-disabled"].includes(code)) {
          stop(code);
          break;
        }
        failed.push({ item, code });
        showError("host", code);
      }
      progress.filesDone += 1;
      progress.bytesDone += item.size;
      setUploadProgress(progress);
    }
  } catch (e) {
    stop(errorCode(e));
  } finally {
    try {
      await client.setSessionMediaUploadStatus({ inProgress: false, total: 0 });
    } catch (e) {
      const code = errorCode(e);
      if (code !== "media-transfer-disabled" && hostSide.state && hostSide.state.status === "hosting") {
        showError("host", code);
      }
    }
  }

  // The pack lists what was actually uploaded, re-indexed (as the deployed host does),
  // or every file when the relay does not carry media.
  const packItems = transferOff ? items : uploaded;
  if (!aborted && packItems.length) {
    try {
      await client.publishSessionPack(buildPack(packItems, duration));
      const old = hostSide.media;
      hostSide.media = packItems.map((x) => ({
        identity: x.identity,
        name: x.name,
        ext: x.ext,
        mime: x.mime,
        size: x.size,
        url: x.url,
      }));
      const keep = new Set(hostSide.selection.map((x) => x.url));
      for (const m of old) if (m.url && !keep.has(m.url)) URL.revokeObjectURL(m.url);
      resetPlayback(duration);
      hostSide.play.sessionActive = true;
      publishHostState();
    } catch (e) {
      aborted = true;
      showError("host", errorCode(e));
    }
  }
  if (transferOff && !aborted) {
    progress.state = "no-media";
    progress.text = `Media transfer is turned off on this relay: published the session (${packItems.length} files listed) without the files. Participants need their own copy.`;
  } else {
    progress.state = aborted ? "error" : failed.length ? "partial" : "done";
    progress.text = aborted
      ? `Publishing stopped: ${uploaded.length} of ${items.length} files uploaded.`
      : failed.length
        ? `Published ${uploaded.length} of ${items.length} files; ${failed.length} rejected (${failed.map((f) => f.item.name).join(", ")}).`
        : `Published ${uploaded.length} file${uploaded.length === 1 ? "" : "s"} (${fmtBytes(bytesTotal)}).`;
  }
  setUploadProgress(progress);
  hostSide.publishing = false;
  renderHost();
}

// ----- Playback (the host's timer, published as session state)

function resetPlayback(duration = readDuration()) {
  const p = hostSide.play;
  p.isPlaying = false;
  p.currentIndex = 0;
  p.duration = duration;
  p.remaining = duration;
  p.lastTick = performance.now();
}

function hostStatePayload() {
  const p = hostSide.play;
  const m = hostSide.media[p.currentIndex];
  return {
    sessionActive: p.sessionActive,
    isPlaying: p.isPlaying,
    currentIndex: p.currentIndex,
    timeRemaining: Math.max(0, Math.ceil(p.remaining - 1e-6)),
    selectedDuration: p.duration,
    currentMediaKey: m ? m.identity : "",
    imagesCount: hostSide.media.length,
    mode: "classique",
  };
}

/** Publishes the host's state; calls made while one is in flight collapse into one more. */
async function publishHostState() {
  const client = hostSide.client;
  const pub = hostSide.pub;
  if (!client || !hostSide.state || hostSide.state.status !== "hosting" || !hostSide.media.length) return;
  if (pub.inFlight) {
    pub.pending = true;
    return;
  }
  pub.inFlight = true;
  try {
    do {
      pub.pending = false;
      try {
        await client.publishSessionState(hostStatePayload());
      } catch (e) {
        const code = errorCode(e);
        if (code === "state-rate-limited" || code === "rate-limited") {
          await sleep(300);
          pub.pending = true;
        } else if (hostSide.state && hostSide.state.status === "hosting") {
          showError("host", code);
        }
      }
    } while (pub.pending && hostSide.state && hostSide.state.status === "hosting");
  } finally {
    pub.inFlight = false;
  }
}

function canPlay() {
  return !!hostSide.state && hostSide.state.status === "hosting" && hostSide.media.length > 0 && !hostSide.publishing;
}

function setPlaying(playing, { publish = true } = {}) {
  const p = hostSide.play;
  if (!canPlay() && playing) return;
  hostTick();
  p.isPlaying = playing;
  p.lastTick = performance.now();
  if (playing) {
    p.sessionActive = true;
    if (p.remaining <= 0) p.remaining = p.duration;
  }
  renderHostPlayer();
  if (publish) publishHostState();
}

function step(delta) {
  if (!canPlay()) return;
  const p = hostSide.play;
  const n = hostSide.media.length;
  p.currentIndex = (((p.currentIndex + delta) % n) + n) % n;
  p.duration = readDuration();
  p.remaining = p.duration;
  p.lastTick = performance.now();
  p.sessionActive = true;
  renderHostPlayer();
  publishHostState();
}

/** Advances the host's clock; publishes once per displayed second and on each new image. */
function hostTick() {
  const p = hostSide.play;
  const now = performance.now();
  const dt = (now - p.lastTick) / 1000;
  p.lastTick = now;
  if (!p.isPlaying || !canPlay()) return;
  const before = Math.ceil(p.remaining - 1e-6);
  p.remaining -= dt;
  if (p.remaining <= 0) {
    // Time is up: next image (the session loops after the last one).
    const n = hostSide.media.length;
    p.currentIndex = (p.currentIndex + 1) % n;
    p.duration = readDuration();
    p.remaining = p.duration;
    publishHostState();
  } else if (Math.ceil(p.remaining - 1e-6) !== before) {
    publishHostState(); // heartbeat, about once a second
  }
}

function showMedia(imgEl, videoEl, emptyEl, stageEl, media, emptyText, playing) {
  const identity = media ? media.identity : "";
  setAttr(stageEl, "data-identity", identity);
  setAttr(imgEl, "data-identity", identity);
  setAttr(videoEl, "data-identity", identity);
  const isVideo = !!media && media.mime.startsWith("video/");
  if (media && !isVideo) {
    if (imgEl.getAttribute("src") !== media.url) imgEl.src = media.url;
    imgEl.alt = `Reference image: ${media.name}`;
  } else if (imgEl.hasAttribute("src")) {
    imgEl.removeAttribute("src");
    imgEl.alt = "";
  }
  if (isVideo) {
    if (videoEl.getAttribute("src") !== media.url) videoEl.src = media.url;
    videoEl.setAttribute("aria-label", `Reference video: ${media.name}`);
    if (playing && videoEl.paused) videoEl.play().catch(() => {});
    if (!playing && !videoEl.paused) videoEl.pause();
  } else if (videoEl.hasAttribute("src")) {
    videoEl.pause();
    videoEl.removeAttribute("src");
    videoEl.load();
  }
  show(imgEl, !!media && !isVideo);
  show(videoEl, isVideo);
  show(emptyEl, !media);
  setText(emptyEl, emptyText);
}

function renderHostPlayer() {
  const p = hostSide.play;
  const ready = canPlay();
  const media = ready ? hostSide.media[p.currentIndex] : null;
  showMedia(
    $("current-image"),
    $("current-video"),
    $("host-stage-empty"),
    $("host-stage"),
    media,
    hostSide.publishing
      ? "Publishing…"
      : hostSide.state && hostSide.state.status === "hosting"
        ? "Pick files and publish them to start."
        : "Start hosting, then publish images.",
    p.isPlaying
  );
  const secs = ready ? Math.max(0, Math.ceil(p.remaining - 1e-6)) : 0;
  const cd = $("countdown");
  setAttr(cd, "data-seconds", secs);
  setText(cd, fmtClock(secs));
  setText($("current-index"), ready ? `Image ${p.currentIndex + 1} of ${hostSide.media.length}` : "No image");
  const ps = $("host-playstate");
  setAttr(ps, "data-playing", ready && p.isPlaying);
  setText(ps, ready && p.isPlaying ? "Playing" : "Paused");
  $("play").disabled = !ready || p.isPlaying;
  $("pause").disabled = !ready || !p.isPlaying;
  $("prev").disabled = !ready;
  $("next").disabled = !ready;
}

function renderHost() {
  const s = hostSide.state;
  const status = s ? s.status : "idle";
  const hosting = status === "hosting";
  setAttr($("host-panel"), "data-status", status);
  const st = $("host-status");
  setAttr(st, "data-status", status);
  setText(
    st,
    !mod
      ? "Waiting for the sync module…"
      : status === "connecting"
        ? "Connecting to the relay…"
        : hosting
          ? `Hosting “${s.sessionName}” (${s.controlMode === "shared-pause" ? "shared pause" : "host only"}), ${s.participantsCount} in the session.`
          : "Not hosting."
  );
  for (const id of ["host-name", "host-display-name", "host-code", "host-password"]) {
    $(id).disabled = status !== "idle";
  }
  if (hosting && s.controlMode && $("host-mode").value !== s.controlMode && document.activeElement !== $("host-mode")) {
    $("host-mode").value = s.controlMode;
  }
  $("host-mode").disabled = status === "connecting";
  $("host-start").disabled = !mod || status !== "idle";
  show($("host-start"), status === "idle" || status === "connecting");
  show($("host-leave"), hosting);
  show($("host-session"), hosting);
  setText($("session-code"), hosting ? s.sessionCode : "");
  if (!hosting) setText($("copy-status"), "");
  renderPeople($("participants"), $("participants-count"), s);
  const ok = hostSide.selection.some((x) => !x.error);
  $("publish").disabled = !hosting || !ok || hostSide.publishing;
  $("files").disabled = hostSide.publishing;
  $("use-samples").disabled = hostSide.publishing;
  $("use-mock").disabled = isActive(hostSide) || isActive(guestSide);
  renderHostPlayer();
}

// ---------------------------------------------------------------------------
// Participant

function onGuestState(state) {
  const joined = state.status === "joined";
  if (joined) {
    guestSide.wasJoined = true;
    show($("session-ended"), false);
  } else if (state.status === "idle" && guestSide.wasJoined) {
    guestSide.wasJoined = false;
    endOfSession(state.lastError);
  }
  // A new shared state: note when it arrived, for the local countdown.
  const ss = state.sharedSessionState;
  const key = ss ? `${state.sharedSessionStateRevision}|${ss.updatedAt}|${ss.timeRemaining}|${ss.isPlaying}` : "";
  if (key !== guestSide.rx.key) {
    guestSide.rx.key = key;
    guestSide.rx.at = performance.now();
  }
  if (joined) {
    // Nothing published yet means nothing to fetch: say so instead of "connecting".
    const mine = state.participantSyncStates && state.participantSyncStates[state.clientId];
    if (!state.startGate.fingerprint && mine === "connecting" && !guestSide.advertised) {
      guestSide.advertised = true;
      queueMicrotask(() => {
        const c = guestSide.client;
        if (c) c.updateParticipantState("ready").catch((e) => showError("participant", errorCode(e)));
      });
    }
    scheduleDownload();
  } else {
    guestSide.advertised = false;
  }
  renderGuest();
}

function endOfSession(code) {
  clearDownloadTimer();
  for (const f of guestSide.files.values()) URL.revokeObjectURL(f.url);
  guestSide.files.clear();
  guestSide.dl = { running: false, fp: "", pendingFp: "", failedFp: "", failCode: "", waiting: false, timer: 0 };
  const el = $("session-ended");
  if (code && SESSION_END_CODES.has(code)) {
    setAttr(el, "data-reason", code);
    setText(el, `Session ended: ${describeError(code)}`);
    show(el, true);
  } else {
    setAttr(el, "data-reason", "left");
    setText(el, "You left the session.");
    show(el, true);
  }
}

async function joinSession(ev) {
  ev.preventDefault();
  if (!mod) return;
  clearError("participant");
  let client;
  try {
    client = ensureClient(guestSide);
  } catch (e) {
    showError("participant", errorCode(e));
    return;
  }
  const opts = { sessionCode: $("join-code").value.trim() };
  const password = $("join-password").value;
  if (password) opts.password = password;
  opts.displayName = $("join-name").value.trim() || "Guest";
  $("join-start").disabled = true;
  show($("session-ended"), false);
  try {
    await client.joinSession(opts);
  } catch (e) {
    showError("participant", errorCode(e));
  } finally {
    renderGuest();
  }
}

async function leaveSession() {
  if (!guestSide.client) return;
  try {
    await guestSide.client.leaveSession();
  } catch (e) {
    showError("participant", errorCode(e));
  }
  renderGuest();
}

function clearDownloadTimer() {
  if (guestSide.dl.timer) clearTimeout(guestSide.dl.timer);
  guestSide.dl.timer = 0;
}

/**
 * Downloads the pack and media when a (new) pack is published and the copy is not
 * validated. It waits until the session has been quiet for a moment: while the host
 * uploads, every file changes the media `updatedAt` (and the fingerprint).
 */
function scheduleDownload(delay = 800) {
  const s = guestSide.state;
  const dl = guestSide.dl;
  if (!s || s.status !== "joined") return;
  const gate = s.startGate;
  if (!gate.fingerprint || !gate.blocked) return;
  if (dl.running && dl.fp === gate.fingerprint) return;
  if (dl.failedFp === gate.fingerprint) return; // failed for this version: the user retries
  if (dl.timer && dl.pendingFp === gate.fingerprint) return;
  clearDownloadTimer();
  dl.pendingFp = gate.fingerprint;
  dl.timer = setTimeout(() => {
    dl.timer = 0;
    runDownload();
  }, delay);
}

async function runDownload({ manual = false } = {}) {
  const client = guestSide.client;
  const s = guestSide.state;
  const dl = guestSide.dl;
  if (!client || !s || s.status !== "joined") return;
  const fp = s.startGate.fingerprint;
  if (!fp) return;
  if (dl.running && dl.fp === fp && !manual) return;
  clearDownloadTimer();
  dl.running = true;
  dl.fp = fp;
  dl.failedFp = "";
  dl.failCode = "";
  dl.waiting = false;
  renderGuest();
  const got = new Set();
  let outcome = "ok";
  try {
    await client.fetchSessionPack();
    await client.downloadSessionMedia({
      onFile: (f) => {
        got.add(f.identity);
        const old = guestSide.files.get(f.identity);
        if (old) URL.revokeObjectURL(old.url);
        const url = URL.createObjectURL(new Blob([f.bytes], { type: f.mime }));
        guestSide.files.set(f.identity, { url, mime: f.mime, name: f.name, identity: f.identity });
        renderGuestPlayer();
      },
    });
    // Drop what the host no longer publishes.
    for (const [id, f] of guestSide.files) {
      if (!got.has(id)) {
        URL.revokeObjectURL(f.url);
        guestSide.files.delete(id);
      }
    }
  } catch (e) {
    const code = errorCode(e);
    const now = guestSide.state;
    if (code === "transfer-cancelled") {
      outcome = "cancelled"; // a newer download took over
    } else if (code === "session-media-upload-in-progress") {
      outcome = "wait";
    } else if (!now || now.status !== "joined" || now.startGate.fingerprint !== fp) {
      outcome = "stale"; // the host changed the session meanwhile: the next download follows
    } else {
      outcome = "failed";
      dl.failCode = code;
      showError("participant", code);
    }
  }
  if (outcome === "cancelled") return; // the newer download owns `dl`
  dl.running = false;
  if (outcome === "failed") dl.failedFp = fp;
  if (outcome === "ok") clearError("participant");
  if (outcome === "wait") {
    // The host is uploading: try again shortly, while still blocked.
    dl.waiting = true;
    clearDownloadTimer();
    dl.pendingFp = fp;
    dl.timer = setTimeout(() => {
      dl.timer = 0;
      const now = guestSide.state;
      if (now && now.status === "joined" && now.startGate.blocked) runDownload();
    }, 1500);
  }
  renderGuest();
  scheduleDownload(); // the session may have changed meanwhile
}

function confirmLocal() {
  const client = guestSide.client;
  if (!client) return;
  try {
    client.confirmLocalCopy();
    guestSide.dl.failedFp = "";
    guestSide.dl.failCode = "";
    client.updateParticipantState("ready").catch((e) => showError("participant", errorCode(e)));
  } catch (e) {
    showError("participant", errorCode(e));
  }
  renderGuest();
}

async function sharedPlayback(playing) {
  const client = guestSide.client;
  if (!client) return;
  try {
    if (playing) await client.requestSharedPlayback();
    else await client.requestSharedPause();
  } catch (e) {
    showError("participant", errorCode(e));
  }
}

/** Seconds left on the participant's image, counted down locally from the last state. */
function guestSecondsLeft() {
  const s = guestSide.state;
  const ss = s && s.sharedSessionState;
  if (!ss || typeof ss.timeRemaining !== "number") return 0;
  let left = ss.timeRemaining;
  if (ss.isPlaying) left -= (performance.now() - guestSide.rx.at) / 1000;
  return Math.max(0, Math.ceil(left - 1e-6));
}

function renderDownload(s) {
  const md = s.mediaDownload;
  const el = $("download-progress");
  setAttr(el, "data-files-done", md.filesDone);
  setAttr(el, "data-files-total", md.filesTotal);
  setAttr(el, "data-bytes-done", md.bytesDone);
  setAttr(el, "data-bytes-total", md.bytesTotal);
  setAttr(el, "data-state", md.state);
  if (md.bytesTotal > 0) {
    el.max = md.bytesTotal;
    el.value = Math.min(md.bytesDone, md.bytesTotal);
  } else {
    el.max = 1;
    el.value = md.state === "done" ? 1 : 0;
  }
  const files = `${md.filesDone} of ${md.filesTotal} file${md.filesTotal === 1 ? "" : "s"}`;
  const bytes = `${fmtBytes(md.bytesDone)} of ${fmtBytes(md.bytesTotal)}`;
  const skipped = md.filesSkipped ? `, ${md.filesSkipped} skipped` : "";
  let text;
  switch (md.state) {
    case "manifest":
      text = "Reading the media list…";
      break;
    case "downloading":
      text = `Downloading: ${files}, ${bytes}${skipped}.`;
      break;
    case "done":
      text = md.filesTotal ? `Downloaded ${files} (${fmtBytes(md.bytesTotal)})${skipped}.` : "The session has no online media.";
      break;
    case "error":
      text = `Download stopped at ${files}${skipped}.`;
      break;
    default:
      text = s.sessionPackMeta ? "Download not started." : "Nothing to download yet.";
  }
  if (guestSide.dl.waiting) text = "The host is uploading; the download starts when it finishes.";
  setText($("download-text"), text);
}

function renderGate(s) {
  const gate = s.startGate;
  const dl = guestSide.dl;
  const el = $("gate");
  setAttr(el, "data-blocked", gate.blocked);
  setAttr(el, "data-reason", gate.reason);
  setAttr(el, "data-state", !gate.fingerprint ? "no-pack" : gate.blocked ? "blocked" : "ready");
  let title;
  let why;
  if (!gate.fingerprint) {
    title = "Waiting for the host to publish images.";
    why = "They download automatically as soon as the host publishes them.";
  } else if (!gate.blocked) {
    title = "Ready: your copy matches the host's session.";
    why = guestSide.files.size
      ? `${guestSide.files.size} file${guestSide.files.size === 1 ? "" : "s"} in your copy.`
      : "You confirmed your local copy.";
  } else {
    title = "Blocked: waiting for your copy of the session.";
    if (dl.running) {
      const md = s.mediaDownload;
      why = `Downloading… (${md.filesDone} of ${md.filesTotal} files). This clears by itself when the download finishes.`;
    } else if (dl.waiting) {
      why = "The host is still uploading; the download starts when it finishes.";
    } else if (dl.timer) {
      why = "The host published new images or settings; the download starts in a moment.";
    } else if (dl.failCode) {
      why = `The download failed: ${describeError(dl.failCode)} Press “Download again”, or “Use my local copy” if you already have these images.`;
    } else {
      why = "The host published images or settings that your copy does not match yet. Press “Download again”, or “Use my local copy” if you already have them.";
    }
  }
  setText($("gate-title"), title);
  setText($("gate-why"), why);
  show($("gate-actions"), gate.blocked);
  $("gate-retry").disabled = dl.running;
}

function renderGuestPlayer() {
  const s = guestSide.state;
  const joined = !!s && s.status === "joined";
  const ss = joined ? s.sharedSessionState : null;
  let media = null;
  let empty = "Not in a session.";
  if (joined) {
    if (s.startGate.blocked) {
      empty = "Hidden until your copy of the session is ready (see above).";
    } else if (!ss || !ss.sessionActive) {
      empty = "Waiting for the host to start.";
    } else {
      const f = guestSide.files.get(ss.currentMediaKey || "");
      if (f) media = f;
      else empty = ss.currentMediaKey ? "This image is not in your copy." : "Waiting for the host to pick an image.";
    }
  }
  const playing = !!ss && !!ss.isPlaying;
  showMedia(
    $("participant-image"),
    $("participant-video"),
    $("participant-stage-empty"),
    $("participant-stage"),
    media,
    empty,
    playing
  );
  const active = !!ss && !!ss.sessionActive;
  const secs = active ? guestSecondsLeft() : 0;
  const cd = $("participant-countdown");
  setAttr(cd, "data-seconds", secs);
  setText(cd, fmtClock(secs));
  setText(
    $("participant-index"),
    active && typeof ss.currentIndex === "number" ? `Image ${ss.currentIndex + 1} of ${ss.imagesCount || "?"}` : "No image"
  );
  const ps = $("participant-playstate");
  setAttr(ps, "data-playing", active && playing);
  setText(ps, active && playing ? "Playing" : "Paused");
  const shared = joined && s.controlMode === "shared-pause";
  show($("shared-controls"), shared);
  $("shared-pause").disabled = !shared || !active || !playing;
  $("shared-play").disabled = !shared || !active || playing;
}

function renderGuest() {
  const s = guestSide.state;
  const status = s ? s.status : "idle";
  const joined = status === "joined";
  setAttr($("join-panel"), "data-status", status);
  const st = $("join-status");
  setAttr(st, "data-status", status);
  setText(
    st,
    !mod
      ? "Waiting for the sync module…"
      : status === "connecting"
        ? "Joining…"
        : joined
          ? `Joined “${s.sessionName}” as ${(s.participantProfiles && s.participantProfiles[s.clientId]) || "guest"}.`
          : "Not joined."
  );
  for (const id of ["join-code", "join-password", "join-name"]) $(id).disabled = status !== "idle";
  $("join-start").disabled = !mod || status !== "idle";
  show($("join-start"), !joined);
  show($("leave"), joined);
  show($("join-session"), joined);
  if (joined) {
    setText($("join-session-name"), s.sessionName || "—");
    setText($("join-session-code"), s.sessionCode || "—");
    setText($("join-control-mode"), s.controlMode === "shared-pause" ? "Shared pause: you can pause and resume for everyone" : "Host only");
    renderPeople($("join-participants"), $("join-participants-count"), s);
    renderDownload(s);
    renderGate(s);
  } else {
    setAttr($("gate"), "data-blocked", "false");
    setAttr($("gate"), "data-state", "no-pack");
  }
  $("use-mock").disabled = isActive(hostSide) || isActive(guestSide);
  renderGuestPlayer();
}

// ---------------------------------------------------------------------------
// Keyboard (host): Space play/pause, ArrowLeft previous, ArrowRight next.

function onKeyDown(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  if (!canPlay()) return;
  const t = e.target instanceof Element ? e.target : null;
  const typing = t && t.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], video");
  if (typing) return;
  if (e.key === " " || e.code === "Space") {
    // A focused button or link keeps its own Space.
    if (t && t.closest("button, a[href], summary")) return;
    e.preventDefault();
    setPlaying(!hostSide.play.isPlaying);
  } else if (e.key === "ArrowLeft") {
    e.preventDefault();
    step(-1);
  } else if (e.key === "ArrowRight") {
    e.preventDefault();
    step(1);
  }
}

// ---------------------------------------------------------------------------
// Wiring

function wire() {
  $("relay-form").addEventListener("submit", (e) => e.preventDefault());
  $("use-mock").addEventListener("change", () => switchRelay($("use-mock").checked ? "mock" : "websocket"));
  $("error-dismiss").addEventListener("click", dismissError);

  $("host-form").addEventListener("submit", startHosting);
  $("host-leave").addEventListener("click", endHosting);
  $("host-mode").addEventListener("change", changeMode);
  $("copy-code").addEventListener("click", copyCode);

  $("files").addEventListener("change", (e) => {
    addFiles(e.target.files);
    e.target.value = "";
  });
  $("use-samples").addEventListener("click", useSamples);
  $("clear-files").addEventListener("click", clearSelection);
  $("publish").addEventListener("click", publish);
  $("host-duration").addEventListener("change", () => {
    const d = readDuration();
    const p = hostSide.play;
    // A new duration applies from the next image, or now if this one has not started.
    if (!p.isPlaying && p.remaining === p.duration) {
      p.duration = d;
      p.remaining = d;
      renderHostPlayer();
      publishHostState();
    }
  });

  const zone = $("drop-zone");
  zone.addEventListener("dragenter", (e) => {
    e.preventDefault();
    setAttr(zone, "data-active", "true");
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    setAttr(zone, "data-active", "true");
  });
  zone.addEventListener("dragleave", (e) => {
    if (!zone.contains(e.relatedTarget)) setAttr(zone, "data-active", "false");
  });
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    setAttr(zone, "data-active", "false");
    if (!hostSide.publishing && e.dataTransfer) addFiles(e.dataTransfer.files);
  });
  // A file dropped outside the zone must not navigate away from the session.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());

  $("play").addEventListener("click", () => setPlaying(true));
  $("pause").addEventListener("click", () => setPlaying(false));
  $("next").addEventListener("click", () => step(1));
  $("prev").addEventListener("click", () => step(-1));
  document.addEventListener("keydown", onKeyDown);

  $("join-form").addEventListener("submit", joinSession);
  $("join-code").addEventListener("input", () => {
    $("join-code").dataset.autofilled = "false";
  });
  $("leave").addEventListener("click", leaveSession);
  $("gate-retry").addEventListener("click", () => runDownload({ manual: true }));
  $("gate-confirm").addEventListener("click", confirmLocal);
  $("shared-pause").addEventListener("click", () => sharedPlayback(false));
  $("shared-play").addEventListener("click", () => sharedPlayback(true));

  // One clock for the host's timer and the participant's local countdown.
  setInterval(() => {
    hostTick();
    renderHostPlayer();
    renderGuestPlayer();
  }, 200);
}

async function main() {
  const params = new URLSearchParams(location.search);
  const relayParam = params.get("relay") || "";
  $("relay-url").value = /^wss?:\/\//i.test(relayParam) ? relayParam : defaultRelayUrl();
  applyRelayMode(relayParam === "mock" ? "mock" : "websocket", { updateUrl: false });
  if (relayParam === "mock") $("join-name").value = $("join-name").value || "Simulated guest";
  wire();
  renderSelection();
  renderHost();
  renderGuest();

  const status = $("module-status");
  try {
    const m = await import(MODULE_URL);
    await m.default();
    mod = m;
    setAttr(status, "data-ready", "true");
    setText(status, "Sync module loaded.");
    show(status, false);
  } catch (e) {
    setAttr(status, "data-ready", "error");
    setText(
      status,
      `The sync module could not be loaded from ${MODULE_URL} (${e && e.message ? e.message : e}). Build it with scripts/build-pkg.sh and serve pkg/ beside this page.`
    );
    status.classList.add("banner-error");
  }
  renderHost();
  renderGuest();
}

main();
