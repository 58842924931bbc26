// The page's two sides (host and participant), their `SyncClient`s and the relay they
// use: a WebSocket relay (default: the page's own origin) or one in-memory `MockRelay`
// shared by both sides of this tab.
import { $, setAttr, setText } from "./dom.js";
import { showError } from "./errors.js";

/** Shared page state: the wasm module's exports once loaded, and the relay choice. */
export const app = {
  mod: null,
  relayMode: "websocket", // "websocket" | "mock"
  mockRelay: null,
};

/** `state.lastError` values that are shown in context (gate, download) rather than as an error. */
const QUIET_STATE_CODES = new Set(["transfer-cancelled", "session-media-upload-in-progress"]);

const SYNC_STATE_LABELS = {
  connecting: "Connecting",
  downloading: "Downloading",
  ready: "Ready",
  missing: "Missing media",
};

export function defaultRelayUrl() {
  if (!location.host) return "ws://127.0.0.1:8787";
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}

export function relayUrl() {
  return $("relay-url").value.trim() || defaultRelayUrl();
}

/**
 * One side of the page and its client. `onState`, `render` and `renderPlayer` are
 * filled in by host.js and participant.js.
 */
function makeSide(name) {
  const noop = () => {};
  return { name, client: null, off: null, key: "", state: null, prevLastError: "", onState: noop, render: noop, renderPlayer: noop };
}

export const hostSide = Object.assign(makeSide("host"), {
  selection: [], // local picks: {key, name, ext, mime, size, file, url, error}
  media: [], // published: {identity, name, ext, mime, size, url}
  play: { sessionActive: false, isPlaying: false, currentIndex: 0, remaining: 30, duration: 30, lastTick: 0 },
  publishing: false,
  pub: { inFlight: false, pending: false },
  lastRequestKey: "",
});

export const guestSide = Object.assign(makeSide("participant"), {
  files: new Map(), // identity -> {url, mime, name}
  rx: { key: "", at: 0 }, // receipt of the last shared session state
  dl: { running: false, fp: "", pendingFp: "", failedFp: "", failCode: "", waiting: false, timer: 0 },
  packRefs: { fp: "", identities: [] }, // the media identities the fetched pack lists
  wasJoined: false,
  advertised: false,
});

export function isActive(side) {
  const s = side.state;
  return !!s && s.status !== "idle";
}

/** The side's client for the current relay choice, created (or re-created) as needed. */
export function ensureClient(side) {
  const { mod } = app;
  const key = app.relayMode === "mock" ? "mock" : `ws:${relayUrl()}`;
  if (side.client && side.key === key) return side.client;
  dropClient(side);
  let client;
  if (app.relayMode === "mock") {
    if (!app.mockRelay) app.mockRelay = new mod.MockRelay(mockRelayOptions());
    client = mod.SyncClient.mock(app.mockRelay);
  } else {
    client = mod.SyncClient.websocket(relayUrl());
  }
  side.client = client;
  side.key = key;
  side.prevLastError = "";
  side.off = client.subscribe((state) => onState(side, state));
  return client;
}

export function dropClient(side) {
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

/** Where a side keeps its resume token across a reload (this tab only). */
function tokenKey(side) {
  return `online-sync:resume:${side.name}`;
}

/**
 * Keeps the side's resume token in `sessionStorage` while it is in a session (a
 * reload then comes back by itself, see `resumeSides`), and drops it once idle.
 * The in-memory relay dies with the page, so only WebSocket sessions are kept.
 */
function keepToken(side, state) {
  try {
    const token = side.client && state.status !== "idle" && side.key.startsWith("ws:") ? side.client.getResumeToken() : "";
    if (token) sessionStorage.setItem(tokenKey(side), JSON.stringify({ key: side.key, token }));
    else if (state.status === "idle") sessionStorage.removeItem(tokenKey(side));
  } catch {
    /* storage unavailable (private mode): no resume after a reload */
  }
}

/** "Reconnecting" while the client resumes by itself; "host away" while the relay reports it. */
function renderLink(side, state) {
  const el = $(`${side.name}-link`);
  if (!el) return;
  let link = "";
  let text = "";
  if (state.status !== "idle" && state.lastError === "websocket-reconnecting") {
    link = "reconnecting";
    text = "Connection lost: reconnecting…";
  } else if (state.status === "joined" && !state.hostConnected) {
    link = "host-away";
    text = "The host is away: waiting for them to come back.";
  }
  setAttr(el, "data-link", link);
  setText(el, text);
  el.hidden = !link;
}

/**
 * After a reload: each side with a token kept for the current relay resumes its
 * session on a new client, without the person doing anything.
 */
export async function resumeSides(sides) {
  await Promise.all(
    sides.map(async (side) => {
      let saved = null;
      try {
        saved = JSON.parse(sessionStorage.getItem(tokenKey(side)) || "null");
      } catch {
        saved = null;
      }
      if (!saved || typeof saved.token !== "string") return;
      // Only on the relay the token came from (the same URL after the reload).
      const key = app.relayMode === "mock" ? "mock" : `ws:${relayUrl()}`;
      if (key !== saved.key) return;
      const client = ensureClient(side);
      try {
        await client.resumeSession(saved.token);
      } catch (e) {
        sessionStorage.removeItem(tokenKey(side));
        showError(side.name, (e && e.code) || "request-failed");
      }
      side.render();
    })
  );
}

function onState(side, state) {
  side.state = state;
  keepToken(side, state);
  renderLink(side, state);
  if (state.lastError && state.lastError !== side.prevLastError && !QUIET_STATE_CODES.has(state.lastError)) {
    showError(side.name, state.lastError);
  }
  side.prevLastError = state.lastError;
  side.onState(state);
}

/** The member list of a session (`#participants` / `#join-participants`). */
export function renderPeople(listEl, countEl, state) {
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
