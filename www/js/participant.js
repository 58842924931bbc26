// The participant panel: join and leave a session, what the host shows (image or
// video, local countdown, play state), shared pause/resume, the end-of-session
// notice, and the panel's rendering.
import { $, fmtClock, focusOn, setAttr, setText, show } from "./dom.js";
import { clearError, describeError, describeJoinError, errorCode, showError } from "./errors.js";
import { normalizeCode } from "./code.js";
import { confirmAction } from "./confirm.js";
import { renderDownload, renderGate, resetDownloads, scheduleDownload } from "./download.js";
import { showMedia } from "./media.js";
import { renderOverlay } from "./stage.js";
import { app, ensureClient, guestSide, hostSide, isActive, renderPeople } from "./session.js";
import { fieldForError, renderView } from "./view.js";

guestSide.onState = onGuestState;
guestSide.render = renderGuest;
guestSide.renderPlayer = renderGuestPlayer;

/** Codes after which a participant's session is over. */
const SESSION_END_CODES = new Set([
  "host-disconnected",
  "session-expired",
  "session-closed",
  "websocket-disconnected",
]);

/** The fields that a failed join points the focus back to. */
const JOIN_FIELDS = {
  "missing-session-code": "join-code",
  "invalid-session-code": "join-code",
  "session-not-found": "join-code",
  "invalid-password": "join-password",
  "too-many-password-attempts": "join-password",
  "invalid-display-name": "join-name",
};

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
  // The session ended under the participant's controls: keep the focus on the page.
  if (!joined && state.status === "idle") focusOn("join-start", { onlyIfLost: true });
}

function endOfSession(code) {
  resetDownloads();
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

export async function joinSession(ev) {
  ev.preventDefault();
  if (!app.mod) return;
  clearError("participant");
  let client;
  try {
    client = ensureClient(guestSide);
  } catch (e) {
    showError("participant", errorCode(e));
    return;
  }
  // Tolerant entry (`abcdefgh`, `ABCD EFGH`, a pasted join link); the module's
  // validation of what is sent stays strict.
  const code = normalizeCode($("join-code").value);
  $("join-code").value = code;
  const opts = { sessionCode: code };
  const password = $("join-password").value;
  if (password) opts.password = password;
  opts.displayName = $("join-name").value.trim() || "Guest";
  $("join-start").disabled = true;
  show($("session-ended"), false);
  let failed = "";
  try {
    await client.joinSession(opts);
  } catch (e) {
    failed = errorCode(e);
    showError("participant", failed, { text: describeJoinError(failed, { passwordGiven: !!password }) });
  } finally {
    renderGuest();
  }
  // The Join button is gone (or was disabled meanwhile): the focus goes to the
  // session view (never to Leave: a stray Enter or Space must not leave), or back to
  // the field at fault.
  if (!failed) focusOn("join-player-title");
  else focusOn(fieldForError(failed, JOIN_FIELDS, "join-start"));
}

export async function leaveSession() {
  if (!guestSide.client) return;
  const ok = await confirmAction({
    title: "Leave this session?",
    text: "You stop following the host. You can join again with the same code while the session runs.",
    yes: "Leave session",
    no: "Stay",
    backTo: "join-player-title",
  });
  if (!ok || !guestSide.client) return;
  try {
    await guestSide.client.leaveSession();
  } catch (e) {
    showError("participant", errorCode(e));
  }
  renderGuest();
  // The Leave button is gone: back to the Join button.
  focusOn("join-start");
}

export async function sharedPlayback(playing) {
  const client = guestSide.client;
  if (!client) return;
  // The same rule as the disabled button, for any other way of pressing it.
  if (playing && guestSide.state && guestSide.state.startGate.blocked) return;
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

export function renderGuestPlayer() {
  const s = guestSide.state;
  const joined = !!s && s.status === "joined";
  const ss = joined ? s.sharedSessionState : null;
  let media = null;
  let empty = "Not in a session.";
  if (joined) {
    if (s.startGate.blocked) {
      empty = "Hidden until your copy of the session is ready (see the download status).";
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
  renderOverlay($("participant-overlay"), secs, { playing: active && playing, shown: !!media });
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
  // The start gate holds every control that starts or resumes play for everyone:
  // a participant whose copy is not ready cannot resume the session for the others.
  const gated = joined && s.startGate.blocked;
  $("shared-play").disabled = !shared || !active || playing || gated;
  const why = $("shared-play-why");
  show(why, shared && gated);
  setText(why, shared && gated ? "“Resume for everyone” is available once your copy of the session is ready." : "");
}

export function renderGuest() {
  const s = guestSide.state;
  const status = s ? s.status : "idle";
  const joined = status === "joined";
  setAttr($("join-panel"), "data-status", status);
  const st = $("join-status");
  setAttr(st, "data-status", status);
  setText(
    st,
    !app.mod
      ? "Waiting for the sync module…"
      : status === "connecting"
        ? "Joining…"
        : joined
          ? `Joined “${s.sessionName}” as ${(s.participantProfiles && s.participantProfiles[s.clientId]) || "guest"}.`
          : "Not joined."
  );
  for (const id of ["join-code", "join-password", "join-name"]) $(id).disabled = status !== "idle";
  $("join-start").disabled = !app.mod || status !== "idle";
  show($("join-start"), !joined);
  show($("leave"), joined);
  // The join fields are folded away during the session; its details and the
  // host's image take their place.
  show($("join-setup"), !joined);
  show($("join-session"), joined);
  show($("join-player"), joined);
  show($("join-details"), joined);
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
  renderView();
}
