// The host panel: start and end a session, its code and invite link, the member
// list, shared pause/play requests from participants, and the panel's rendering.
import { $, copyText, focusOn, setAttr, setText, show } from "./dom.js";
import { joinLink, normalizeCode } from "./code.js";
import { confirmAction } from "./confirm.js";
import { clearError, errorCode, showError } from "./errors.js";
import { app, defaultRelayUrl, ensureClient, hostSide, isActive, guestSide, relayUrl, renderPeople } from "./session.js";
import { renderHostPlayer, resetPlayback, setPlaying } from "./timer.js";
import { fieldForError, renderView } from "./view.js";

hostSide.onState = onHostState;
hostSide.render = renderHost;
hostSide.renderPlayer = renderHostPlayer;

/** The fields that a failed start points the focus back to. */
const HOST_FIELDS = {
  "session-already-exists": "host-code",
  "invalid-session-code": "host-code",
  "invalid-password": "host-password",
  "invalid-display-name": "host-display-name",
};

function requestKey(r) {
  return r ? `${r.updatedAt}|${r.sourceClientId}|${r.requestType}|${r.isPlaying}` : "";
}

function onHostState(state) {
  if (state.status === "hosting") {
    // A participant's shared pause/play request: apply it and republish.
    const r = state.sharedPlaybackRequest;
    const key = requestKey(r);
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

export async function startHosting(ev) {
  ev.preventDefault();
  if (!app.mod) return;
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
  const code = normalizeCode($("host-code").value);
  $("host-code").value = code;
  if (code) opts.sessionCode = code;
  const password = $("host-password").value;
  if (password) opts.password = password;
  opts.displayName = $("host-display-name").value.trim() || "Host";
  $("host-start").disabled = true;
  let failed = "";
  try {
    const state = await client.hostSession(opts);
    hostSide.lastRequestKey = requestKey(state.sharedPlaybackRequest);
    resetPlayback();
    if (app.relayMode === "mock") {
      // Single-tab demo: hand the code to the simulated participant.
      const jc = $("join-code");
      if (!jc.value.trim() || jc.dataset.autofilled === "true") {
        jc.value = state.sessionCode;
        jc.dataset.autofilled = "true";
      }
    }
    setText($("host-notice"), "");
  } catch (e) {
    failed = errorCode(e);
    showError("host", failed);
  } finally {
    renderHost();
  }
  // The Start button is gone (or was disabled meanwhile): put the focus where the
  // next step is, the code to hand out, or back on the field at fault.
  if (!failed) focusOn("session-code");
  else focusOn(fieldForError(failed, HOST_FIELDS, "host-start"));
}

export async function endHosting() {
  if (!hostSide.client) return;
  const others = Math.max(0, ((hostSide.state && hostSide.state.participantsCount) || 1) - 1);
  const ok = await confirmAction({
    title: "End the session for everyone?",
    text: others
      ? `The ${others} participant${others === 1 ? "" : "s"} in the session will see that it ended. This cannot be undone.`
      : "The session code stops working. This cannot be undone.",
    yes: "End session",
    no: "Keep hosting",
    backTo: "session-code",
  });
  const client = hostSide.client;
  if (!ok || !client) return;
  hostSide.play.isPlaying = false;
  try {
    await client.leaveSession();
  } catch (e) {
    showError("host", errorCode(e));
  }
  hostSide.play.sessionActive = false;
  hostSide.media = [];
  renderHost();
  // The End button is gone: back to the start of the form.
  focusOn("host-start");
}

export async function changeMode() {
  const s = hostSide.state;
  if (!s || s.status !== "hosting") return;
  try {
    await hostSide.client.updateSessionMeta({ controlMode: $("host-mode").value });
  } catch (e) {
    showError("host", errorCode(e));
    $("host-mode").value = s.controlMode || "host-only";
  }
}

/**
 * The join link: this page with `#code=CODE` (and `?relay=` when the session's relay
 * is not the page's own). It opens the Join panel with the code filled in.
 */
export function inviteUrl(code) {
  // The relay this session is on (the field may have been edited since).
  const relay = hostSide.key.startsWith("ws:") ? hostSide.key.slice(3) : relayUrl();
  return joinLink(code, relay, defaultRelayUrl());
}

/**
 * Readiness at a glance, beside the timer: how many participants have a ready copy,
 * and who is not ready yet (`#readiness`, `data-ready` / `data-total`).
 */
function renderReadiness(s) {
  const el = $("readiness");
  const ids = s && s.status === "hosting" ? (s.participantIds || []).filter((id) => id !== s.hostClientId) : [];
  const states = (s && s.participantSyncStates) || {};
  const ready = ids.filter((id) => states[id] === "ready");
  const waiting = ids
    .filter((id) => states[id] !== "ready")
    .map((id) => `${(s.participantProfiles && s.participantProfiles[id]) || id} (${(states[id] || "connecting").replace("missing", "missing media")})`);
  setAttr(el, "data-ready", ready.length);
  setAttr(el, "data-total", ids.length);
  setAttr(el, "data-all-ready", ids.length > 0 && ready.length === ids.length);
  setText(
    el,
    !ids.length
      ? "No participants yet."
      : ready.length === ids.length
        ? `All ${ids.length} participant${ids.length === 1 ? "" : "s"} ready.`
        : `${ready.length} of ${ids.length} ready; waiting for ${waiting.join(", ")}.`
  );
}

/** Closing or reloading the tab while hosting asks first (the browser's own dialog). */
export function warnBeforeUnload(e) {
  const s = hostSide.state;
  if (!s || s.status !== "hosting") return;
  e.preventDefault();
  e.returnValue = ""; // older browsers need it set
}

export async function copyCode() {
  const code = $("session-code").textContent;
  if (!code) return;
  const ok = await copyText(code, $("copy-code"));
  setText($("copy-status"), ok ? `Copied ${code}.` : `Copy failed: select the code and copy it by hand.`);
}

export async function copyInviteLink() {
  const link = $("invite-link").href;
  if (!link || !$("session-code").textContent) return;
  const ok = await copyText(link, $("copy-link"));
  setText(
    $("copy-status"),
    ok ? "Copied the invite link: open it in another tab or send it to participants." : "Copy failed: copy the link by hand."
  );
}

export function renderHost() {
  const s = hostSide.state;
  const status = s ? s.status : "idle";
  const hosting = status === "hosting";
  setAttr($("host-panel"), "data-status", status);
  const st = $("host-status");
  setAttr(st, "data-status", status);
  setText(
    st,
    !app.mod
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
  // The settings fixed for the session are folded away while it runs.
  show($("host-setup"), !hosting);
  if (hosting && s.controlMode && $("host-mode").value !== s.controlMode && document.activeElement !== $("host-mode")) {
    $("host-mode").value = s.controlMode;
  }
  $("host-mode").disabled = status === "connecting";
  $("host-start").disabled = !app.mod || status !== "idle";
  show($("host-start"), status === "idle" || status === "connecting");
  show($("host-leave"), hosting);
  show($("host-session"), hosting);
  setText($("session-code"), hosting ? s.sessionCode : "");
  const invite = hosting && app.relayMode !== "mock";
  show($("invite"), invite);
  const link = invite ? inviteUrl(s.sessionCode) : "";
  if ($("invite-link").getAttribute("href") !== (link || null)) {
    if (link) $("invite-link").href = link;
    else $("invite-link").removeAttribute("href");
  }
  setText($("invite-link"), link);
  if (!hosting) setText($("copy-status"), "");
  renderPeople($("participants"), $("participants-count"), s);
  renderReadiness(s);
  // Images and the timer come once the session is open.
  show($("media-section"), hosting);
  show($("host-player"), hosting);
  const ok = hostSide.selection.some((x) => !x.error);
  $("publish").disabled = !hosting || !ok || hostSide.publishing;
  $("files").disabled = hostSide.publishing;
  $("use-samples").disabled = hostSide.publishing;
  $("use-mock").disabled = isActive(hostSide) || isActive(guestSide);
  renderHostPlayer();
  renderView();
}
