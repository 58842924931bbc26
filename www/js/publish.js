// Publishing on the host's side: uploads the accepted files with a progress bar
// (files and bytes), under the relay's upload lock, then publishes the session pack
// (`posechrono-session-pack` v1) listing them, paused on the first image.
import { $, fmtBytes, setAttr, setText, sleep } from "./dom.js";
import { clearError, errorCode, showError } from "./errors.js";
import { identityFor } from "./media.js";
import { hostSide } from "./session.js";
import { keepPlace, publishHostState, readDuration, resetPlayback, setPlaying } from "./timer.js";

/** Upload errors worth a retry (as the deployed host does). */
const RETRYABLE = new Set(["rate-limited", "state-rate-limited", "request-failed"]);

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

export async function publish() {
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
  // Bytes actually sent: `publishSessionMediaFile` resolves with `uploadedBytes`
  // where the relay skips what it already has (chunked media); without it, every
  // byte of the file counts as sent.
  let sentBytes = 0;
  let sentKnown = false;
  hostSide.publishing = true;
  setPlaying(false, { publish: false });
  hostSide.render();
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
        const result = await withRetry(() =>
          client.publishSessionMediaFile({ identity: item.identity, name: item.name, ext: item.ext, bytes })
        );
        if (result && typeof result.uploadedBytes === "number") {
          sentKnown = true;
          sentBytes += result.uploadedBytes;
        } else {
          sentBytes += item.size;
        }
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
      // A republish keeps the place (same image, paused); a first publish starts at 1.
      if (old.length) keepPlace(old, hostSide.media, duration);
      else resetPlayback(duration);
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
        : `Published ${uploaded.length} file${uploaded.length === 1 ? "" : "s"} (${fmtBytes(bytesTotal)})${
            sentKnown && sentBytes < bytesTotal ? `; sent ${fmtBytes(sentBytes)}, the rest was already on the relay` : ""
          }.`;
  }
  setUploadProgress(progress);
  hostSide.publishing = false;
  hostSide.render();
}
