// The participant's copy of the session: automatic download of the pack and media
// whenever the host publishes, with its progress bar, and the start gate (`#gate`)
// that says whether the participant may follow, and why not.
import { $, fmtBytes, setAttr, setText, show } from "./dom.js";
import { clearError, describeError, errorCode, showError } from "./errors.js";
import { bytesOf, fmtDuration, makeRate, noteBytes, rateNow, resetRate, STALL_FILES_MS, STALL_MS } from "./rate.js";
import { guestSide } from "./session.js";

/** Byte rate of the running download (speed, time left, stall). */
const rate = makeRate();

/** Download failures that mean "this relay does not carry the images". */
const NO_ONLINE_MEDIA = new Set(["media-transfer-disabled", "session-media-not-found"]);

/** Forgets the downloaded files and any pending download (the session is over). */
export function resetDownloads() {
  clearDownloadTimer();
  for (const f of guestSide.files.values()) URL.revokeObjectURL(f.url);
  guestSide.files.clear();
  guestSide.dl = { running: false, fp: "", pendingFp: "", failedFp: "", failCode: "", waiting: false, timer: 0 };
  guestSide.packRefs = { fp: "", identities: [] };
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
export function scheduleDownload(delay = 800) {
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

export async function runDownload({ manual = false } = {}) {
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
  resetRate(rate, performance.now());
  guestSide.render();
  const got = new Set();
  let outcome = "ok";
  try {
    const { pack } = await client.fetchSessionPack();
    // What this version of the session lists: "Use my local copy" is offered only
    // when the files already here cover it.
    guestSide.packRefs = { fp, identities: ((pack && pack.mediaRefs) || []).map((r) => r.identity) };
    await client.downloadSessionMedia({
      onFile: (f) => {
        got.add(f.identity);
        const old = guestSide.files.get(f.identity);
        if (old) URL.revokeObjectURL(old.url);
        const url = URL.createObjectURL(new Blob([f.bytes], { type: f.mime }));
        guestSide.files.set(f.identity, { url, mime: f.mime, name: f.name, identity: f.identity });
        guestSide.renderPlayer();
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
  guestSide.render();
  scheduleDownload(); // the session may have changed meanwhile
}

export function confirmLocal() {
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
  guestSide.render();
}

/**
 * What "Use my local copy" would mean now, or "" when it must not be offered: the
 * files this page already has cover every file the session lists ("have"), or this
 * relay carries no images and the person may have them elsewhere ("elsewhere").
 * Never while a download runs.
 */
export function localCopyKind(s) {
  const dl = guestSide.dl;
  if (!s.startGate.blocked || dl.running || dl.timer) return "";
  const refs = guestSide.packRefs;
  if (refs && refs.fp === s.startGate.fingerprint && refs.identities.length && refs.identities.every((id) => guestSide.files.has(id))) {
    return "have";
  }
  if (NO_ONLINE_MEDIA.has(dl.failCode)) return "elsewhere";
  return "";
}

/** Called on the page's clock: speed, time left and stall move while bytes do not. */
export function tickDownload() {
  const s = guestSide.state;
  if (s && s.status === "joined" && (guestSide.dl.running || s.mediaDownload.state === "downloading")) renderDownload(s);
}

export function renderDownload(s) {
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
  renderRate(md);
}

/** Speed and time left under the bar, and the stall warning (`#download-stall`). */
function renderRate(md) {
  const now = performance.now();
  const active = guestSide.dl.running && (md.state === "downloading" || md.state === "manifest");
  if (active) noteBytes(rate, bytesOf(md), now);
  const r = rateNow(rate, md.bytesTotal, now);
  const el = $("download-rate");
  setAttr(el, "data-speed", active ? Math.round(r.speed) : 0);
  setAttr(el, "data-eta", active && r.eta !== null ? Math.round(r.eta) : "");
  let text = "";
  if (active && md.state === "downloading") {
    text = r.speed > 0 ? `${fmtBytes(r.speed)}/s` : "Measuring speed…";
    if (r.eta !== null) text += `, about ${fmtDuration(r.eta)} left`;
    if (typeof md.bytesFetched !== "number") text += " (counted per finished file)";
  }
  setText(el, text);
  const perByte = typeof md.bytesFetched === "number";
  const stalled = active && r.stalledFor >= (perByte ? STALL_MS : STALL_FILES_MS);
  const warn = $("download-stall");
  setAttr(warn, "data-stalled", stalled);
  const still = fmtDuration(r.stalledFor / 1000);
  setText(
    warn,
    !stalled
      ? ""
      : perByte
        ? `Nothing received for ${still}. The connection may be stalled: the download keeps trying; “Download again” starts over.`
        : `No file finished for ${still}. A large file on a slow connection takes a while; if this goes on, the connection may be stalled: “Download again” starts over.`
  );
  show(warn, stalled);
}

export function renderGate(s) {
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
      : "You said you have the images yourself: you follow the host's timer; this page cannot show them.";
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
      why = `The download failed: ${describeError(dl.failCode)} Press “Download again”.`;
    } else {
      why = "The host published images or settings that your copy does not match yet. Press “Download again”.";
    }
  }
  const local = localCopyKind(s);
  if (local === "have") {
    why += ` You already have every file this session lists (${guestSide.packRefs.identities.length}, same names): “Use my local copy” follows the host with those, without downloading them again.`;
  } else if (local === "elsewhere") {
    why =
      "This relay does not carry the images. “Use my local copy” is for people who already have this session's images outside this page (e.g. in PoseChrono): you then follow the host's timer, and this page cannot show the images.";
  }
  setText($("gate-title"), title);
  setText($("gate-why"), why);
  setAttr(el, "data-local-copy", local);
  show($("gate-actions"), gate.blocked);
  $("gate-retry").disabled = dl.running;
  show($("gate-confirm"), !!local);
}
