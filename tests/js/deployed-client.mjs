// A client written the way the deployed PoseChrono JS client talks to its relay
// (sync-transport-websocket.js + sync-session-core.js + plugin.js, as PROTOCOL.md
// describes them): the global WebSocket, one JSON object per message, incrementing
// string ids "1", "2", ..., replies matched by id, events by session code, the
// pack checked with SHA-256 over JSON.stringify(JSON.parse(reply).result.pack),
// media sent and fetched as base64 and checked by size and SHA-256.
//
// Usage: node --experimental-websocket deployed-client.mjs ws://127.0.0.1:PORT [GUEST_URL]
// (GUEST_URL: where the participant connects, e.g. another node of a cluster;
// default: the host's URL).
// Prints one JSON summary line on stdout and exits 0 on success, 1 on failure.

import { createHash, getRandomValues } from "node:crypto";

const url = process.argv[2];
const guestUrl = process.argv[3] || url;
const REQUEST_TIMEOUT_MS = 8000;

function sha256Hex(data) {
  return createHash("sha256").update(data).digest("hex");
}

function randomSessionCode() {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const values = new Uint32Array(8);
  getRandomValues(values);
  const chars = Array.from(values, (v) => alphabet[v % alphabet.length]);
  return `${chars.slice(0, 4).join("")}-${chars.slice(4).join("")}`;
}

// The transport: one socket, pending requests by id, event listeners by code.
function createTransport(targetUrl) {
  let nextRequestId = 1;
  const pending = new Map();
  const listeners = new Map();
  const socket = new WebSocket(targetUrl);
  const opened = new Promise((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("websocket-connect-failed"));
  });
  socket.onmessage = (event) => {
    let message = null;
    try {
      message = JSON.parse(String(event.data));
    } catch (_) {
      return;
    }
    if (!message || typeof message !== "object") return;
    if (message.type === "response") {
      const entry = pending.get(String(message.id || ""));
      if (!entry) return;
      pending.delete(String(message.id));
      clearTimeout(entry.timer);
      if (message.ok === false) entry.reject(new Error(String(message.error || "request-failed")));
      else entry.resolve({ result: message.result, raw: String(event.data) });
      return;
    }
    if (message.type === "event") {
      const payload = message.event || message.payload || null;
      const code = payload && (payload.sessionCode || payload.snapshot?.sessionCode);
      (listeners.get(code) || []).forEach((fn) => fn(payload));
    }
  };
  socket.onclose = () => {
    pending.forEach((entry) => entry.reject(new Error("websocket-disconnected")));
    pending.clear();
  };
  async function requestRaw(action, payload = {}) {
    await opened;
    const id = String(nextRequestId);
    nextRequestId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error("websocket-request-timeout"));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ type: "request", id, action, payload }));
    });
  }
  return {
    request: async (action, payload) => (await requestRaw(action, payload)).result,
    requestRaw,
    subscribe(code, fn) {
      if (!listeners.has(code)) listeners.set(code, []);
      listeners.get(code).push(fn);
      socket.send(JSON.stringify({ type: "notify", action: "subscribe", payload: { sessionCode: code } }));
    },
    close: () => socket.close(),
  };
}

// Resolves with the first event on `events` that `pred` accepts.
function waitForEvent(events, pred, what) {
  return new Promise((resolve, reject) => {
    const found = events.list.find(pred);
    if (found) return resolve(found);
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), REQUEST_TIMEOUT_MS);
    events.waiters.push((e) => {
      if (!pred(e)) return false;
      clearTimeout(timer);
      resolve(e);
      return true;
    });
  });
}

function recorder() {
  const events = { list: [], waiters: [] };
  events.push = (e) => {
    events.list.push(e);
    events.waiters = events.waiters.filter((w) => !w(e));
  };
  return events;
}

// A 1x1 PNG with a salt byte, like the app's uploaded images.
function png(salt) {
  return Buffer.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1,
    0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 13, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82, salt,
  ]);
}

function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

async function main() {
  assert(typeof WebSocket === "function", "global WebSocket (run with --experimental-websocket)");
  const sessionCode = randomSessionCode();
  const password = "mot de passe";
  const host = createTransport(url);
  const guest = createTransport(guestUrl);
  const hostEvents = recorder();
  const guestEvents = recorder();

  const created = await host.request("createRoom", {
    sessionCode, hostClientId: "client-0123456789abcdef", sessionName: "Séance « croquis »",
    controlMode: "host-only", password, hostDisplayName: "Hôte",
  });
  assert(created.sessionCode === sessionCode, "created snapshot code");
  host.subscribe(sessionCode, hostEvents.push);

  const joined = await guest.request("joinRoom", {
    sessionCode, clientId: "client-fedcba9876543210", password, participantName: "Invité",
  });
  assert(joined.participantsCount === 2, "two members after join");
  guest.subscribe(sessionCode, guestEvents.push);
  await waitForEvent(hostEvents, (e) => e.source === "participant-joined", "participant-joined");

  // The host's timer publishes the session state; the participant receives it.
  const state = await host.request("updateSessionState", {
    sessionCode,
    payload: { sessionActive: true, isPlaying: true, mode: "classique", selectedDuration: 90,
      timeRemaining: 90, currentIndex: 0, reason: "timer-heartbeat" },
  });
  assert(state.revision === 1, "state revision 1");
  const stateEvent = await waitForEvent(guestEvents, (e) => e.type === "session-state-updated", "state event");
  assert(stateEvent.state.timeRemaining === 90, "state event content");

  // plugin.js flow: config pack, lock, reset, files, effective pack, unlock.
  const identity = "k:1x2y3z";
  const pack = {
    schema: "posechrono-session-pack", version: 1, createdAt: new Date(0).toISOString(),
    source: { runtime: "desktop", language: "fr" },
    session: { mode: "classique", selectedDuration: 90, timeRemaining: 90, memoryType: "flash",
      memoryDuration: 0, memoryPosesCount: 1, memoryDrawingTime: 0, memoryNoPressure: false,
      imagesCount: 1, customQueue: [{ type: "pose", duration: 30, count: 2, id: 7 }],
      mediaOrderKeys: [identity], tags: ["dropped"] },
    mediaRefs: [{ identity, index: 0, name: "pose \"é\" \\ 日本 😀.png", ext: "png", star: true }],
  };
  await host.request("uploadSessionPack", { sessionCode, pack: { ...pack, mediaRefs: [] } });
  await host.request("setSessionMediaUploadStatus", { sessionCode, inProgress: true, total: 1 });
  await host.request("resetSessionMediaPack", { sessionCode });
  const bytes = png(42);
  await host.request("uploadSessionMediaFile", {
    sessionCode,
    file: { identity, name: "pose.png", ext: "png", mime: "image/png", size: bytes.length,
      sha256: sha256Hex(bytes), dataBase64: bytes.toString("base64") },
  });
  const published = await host.request("uploadSessionPack", { sessionCode, pack });
  await host.request("setSessionMediaUploadStatus", { sessionCode, inProgress: false, total: 1 });

  // The participant downloads and verifies, as sync-session-core does.
  await guest.request("updateParticipantState", { sessionCode, syncState: "downloading" });
  const { result: packResult, raw } = await guest.requestRaw("getSessionPack", { sessionCode });
  const reparsed = JSON.parse(raw).result.pack;
  const packHash = sha256Hex(Buffer.from(JSON.stringify(reparsed), "utf8"));
  assert(/^[a-f0-9]{64}$/.test(packResult.hash), "pack hash format");
  assert(packHash === packResult.hash, `pack hash ${packHash} != ${packResult.hash}`);
  assert(packResult.hash === published.sessionPackMeta.hash, "hash in snapshot");
  assert(packResult.size === JSON.stringify(reparsed).length, "size in UTF-16 units");
  assert(raw.includes(JSON.stringify(reparsed)), "relay bytes equal JS re-serialization");
  assert(reparsed.mediaRefs[0].name === pack.mediaRefs[0].name, "non-ASCII name kept");
  assert(!("tags" in reparsed.session) && !("star" in reparsed.mediaRefs[0]), "unknown keys dropped");

  const manifest = await guest.request("getSessionMediaManifest", { sessionCode });
  assert(manifest.filesCount === 1 && manifest.files.length === 1, "manifest count");
  let verified = 0;
  for (const entry of manifest.files) {
    const { file } = await guest.request("getSessionMediaFile", { sessionCode, identity: entry.identity });
    const data = Buffer.from(file.dataBase64, "base64");
    if (data.length === entry.size && sha256Hex(data) === entry.sha256 && data.equals(bytes)) verified += 1;
  }
  assert(verified === manifest.filesCount, `media verified ${verified}/${manifest.filesCount}`);
  await guest.request("updateParticipantState", { sessionCode, syncState: "ready" });

  // A relay error comes back as the code.
  let forbidden = "";
  try {
    await guest.request("updateRoom", { sessionCode, patch: { sessionName: "mine" } });
  } catch (error) {
    forbidden = error.message;
  }
  assert(forbidden === "forbidden-not-host", `non-host updateRoom: ${forbidden}`);

  const left = await guest.request("leaveRoom", { sessionCode });
  assert(left.closed === false, "participant leave keeps the room");
  await waitForEvent(hostEvents, (e) => e.source === "participant-left", "participant-left");
  const closed = await host.request("leaveRoom", { sessionCode });
  assert(closed.closed === true, "host leave closes the room");
  host.close();
  guest.close();

  console.log(JSON.stringify({
    ok: true, sessionCode, packHashVerified: true, packSize: packResult.size,
    mediaFiles: manifest.filesCount, mediaVerified: verified, stateRevision: state.revision,
    hostEvents: hostEvents.list.map((e) => e.source || e.type),
  }));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.log(JSON.stringify({ ok: false, error: String(error && error.message || error) }));
    process.exit(1);
  },
);
