// The session view: the player (`#host-player`, `#join-player`) in full screen
// (Fullscreen API; the `F` key or the button), and the countdown overlay that shows
// the last seconds before the pose changes. Both sides use it.
import { $, setAttr, setText, show } from "./dom.js";

/** The overlay shows the last seconds of a pose, while playing. */
export const OVERLAY_SECONDS = 5;

const PLAYERS = { host: "host-player", participant: "join-player" };

function fullscreenElement() {
  return document.fullscreenElement || document.webkitFullscreenElement || null;
}

export function fullscreenSupported() {
  const el = document.documentElement;
  return !!(el.requestFullscreen || el.webkitRequestFullscreen) && document.fullscreenEnabled !== false;
}

/** Enters or leaves full screen for one side's player. Resolves once done (or refused). */
export async function toggleFullscreen(side) {
  const player = $(PLAYERS[side]);
  if (!player || player.hidden) return;
  try {
    if (fullscreenElement() === player) {
      await (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else {
      const req = player.requestFullscreen || player.webkitRequestFullscreen;
      await req.call(player, { navigationUI: "hide" });
    }
  } catch {
    // Refused (no user gesture, an iframe without permission): the page stays as it is.
  }
  renderFullscreen();
}

/** The side whose player the `F` key acts on: the one with the focus, else the one shown. */
function sideForKey(target) {
  for (const [side, id] of Object.entries(PLAYERS)) {
    if (target && $(id).contains(target)) return side;
  }
  if (!$("host-player").hidden) return "host";
  if (!$("join-player").hidden) return "participant";
  return "";
}

/** Keyboard: `F` toggles full screen for the player (Escape leaves it, by the browser). */
export function onStageKey(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key !== "f" && e.key !== "F") return;
  const t = e.target instanceof Element ? e.target : null;
  if (t && t.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], dialog")) return;
  const side = sideForKey(t);
  if (!side) return;
  e.preventDefault();
  toggleFullscreen(side);
}

/** The buttons say what they do now (`aria-pressed`), and hide where the API is missing. */
export function renderFullscreen() {
  const fs = fullscreenElement();
  for (const [side, id] of Object.entries(PLAYERS)) {
    const btn = $(`${side}-fullscreen`);
    const on = fs === $(id);
    setAttr(btn, "aria-pressed", on);
    setText(btn, on ? "Exit full screen" : "Full screen");
    show(btn, fullscreenSupported());
  }
}

/**
 * The countdown overlay of a stage: the seconds left, large, in the last
 * `OVERLAY_SECONDS` of a pose while playing and an image is shown.
 */
export function renderOverlay(el, seconds, { playing, shown }) {
  const on = playing && shown && seconds > 0 && seconds <= OVERLAY_SECONDS;
  setAttr(el, "data-seconds", on ? seconds : "");
  setText(el, on ? String(seconds) : "");
  show(el, on);
}

export function wireStage() {
  $("host-fullscreen").addEventListener("click", () => toggleFullscreen("host"));
  $("participant-fullscreen").addEventListener("click", () => toggleFullscreen("participant"));
  document.addEventListener("fullscreenchange", renderFullscreen);
  document.addEventListener("webkitfullscreenchange", renderFullscreen);
  document.addEventListener("keydown", onStageKey);
  renderFullscreen();
}
