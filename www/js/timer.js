// The host's timer: current image, countdown, play/pause, previous/next and the
// keyboard shortcuts, published to participants as session state on every change
// and once a second while playing.
import { $, fmtClock, setAttr, setText, sleep } from "./dom.js";
import { errorCode, showError } from "./errors.js";
import { showMedia } from "./media.js";
import { hostSide } from "./session.js";
import { renderOverlay } from "./stage.js";

/** Seconds per image from `#host-duration`, clamped to 1..3600 (and written back). */
export function readDuration() {
  const v = Math.floor(Number($("host-duration").value));
  const d = Number.isFinite(v) ? Math.min(3600, Math.max(1, v)) : 30;
  $("host-duration").value = String(d);
  return d;
}

/**
 * After a republish: stay on the same image (by its file name, else the same index,
 * clamped to the new list), paused, with the time it had left (capped by the new
 * duration).
 */
export function keepPlace(oldMedia, newMedia, duration = readDuration()) {
  const p = hostSide.play;
  const current = oldMedia[p.currentIndex];
  let index = current ? newMedia.findIndex((m) => m.name === current.name) : -1;
  if (index < 0) index = Math.min(p.currentIndex, Math.max(0, newMedia.length - 1));
  const sameImage = !!current && newMedia[index] && newMedia[index].name === current.name;
  p.isPlaying = false;
  p.currentIndex = index;
  p.duration = duration;
  p.remaining = sameImage && p.remaining > 0 ? Math.min(p.remaining, duration) : duration;
  p.lastTick = performance.now();
}

export function resetPlayback(duration = readDuration()) {
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
export async function publishHostState() {
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

export function canPlay() {
  return !!hostSide.state && hostSide.state.status === "hosting" && hostSide.media.length > 0 && !hostSide.publishing;
}

export function setPlaying(playing, { publish = true } = {}) {
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

export function step(delta) {
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
export function hostTick() {
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

export function renderHostPlayer() {
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
  renderOverlay($("host-overlay"), secs, { playing: ready && p.isPlaying, shown: !!media });
  setText($("current-index"), ready ? `Image ${p.currentIndex + 1} of ${hostSide.media.length}` : "No image");
  const ps = $("host-playstate");
  setAttr(ps, "data-playing", ready && p.isPlaying);
  setText(ps, ready && p.isPlaying ? "Playing" : "Paused");
  $("play").disabled = !ready || p.isPlaying;
  $("pause").disabled = !ready || !p.isPlaying;
  $("prev").disabled = !ready;
  $("next").disabled = !ready;
}

// Keyboard (host): Space play/pause, ArrowLeft previous, ArrowRight next.
export function onKeyDown(e) {
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
