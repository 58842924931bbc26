// Media on the host's side: the accepted file types and limits, the checks of each
// picked file (extension, content signature, sizes) with the selection list, the
// drop zone and the bundled samples; and the stage that shows an image or a video
// (used by both sides).
import { $, fmtBytes, setAttr, setText, show } from "./dom.js";
import { hostSide } from "./session.js";

/** Extensions the relay accepts, with their canonical MIME types. */
export const MEDIA_TYPES = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  mp4: "video/mp4",
  webm: "video/webm",
};
// Our relay's defaults for chunked files (MAX_CHUNKED_MEDIA_FILE_BYTES / _TOTAL_BYTES).
// A relay without chunked transfer (the deployed one) takes 2 MiB a file: the
// module refuses a larger file at publish (`session-media-too-large`), in words.
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_FILES = 300; // relay default, per session
const SAMPLES = [
  "pose-1-standing.png",
  "pose-2-reaching.png",
  "pose-3-lunge.png",
  "pose-4-seated.png",
];

function extOf(name) {
  const m = /\.([A-Za-z0-9]+)$/.exec(name || "");
  return m ? m[1].toLowerCase() : "";
}

/** `img-<n>-<name>` restricted to `^[A-Za-z0-9:_-]{1,128}$`. */
export function identityFor(index, name) {
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


function selectionKey(f) {
  return `${f.name}|${f.size}|${f.lastModified || 0}`;
}

export async function addFiles(list) {
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
      error = `Too large: ${f.size.toLocaleString("en")} bytes, over the limit of 64 MiB (${MAX_FILE_BYTES.toLocaleString("en")} bytes) a file.`;
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
      item.error = "Over the limit of 2 GiB a session.";
    } else {
      count += 1;
      bytes += item.size;
    }
  }
  renderSelection();
  hostSide.render();
}

export function clearSelection() {
  const published = new Set(hostSide.media.map((m) => m.url));
  for (const item of hostSide.selection) {
    if (item.url && !published.has(item.url)) URL.revokeObjectURL(item.url);
  }
  hostSide.selection = [];
  $("files").value = "";
  renderSelection();
  hostSide.render();
}

export async function useSamples() {
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

export function renderSelection() {
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

/** Wires the file input, the sample and clear buttons, and the drop zone. */
export function wireMedia() {
  $("files").addEventListener("change", (e) => {
    addFiles(e.target.files);
    e.target.value = "";
  });
  $("use-samples").addEventListener("click", useSamples);
  $("clear-files").addEventListener("click", clearSelection);

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
}

/** Shows `media` (an image or a video) on a stage, or `emptyText` when there is none. */
export function showMedia(imgEl, videoEl, emptyEl, stageEl, media, emptyText, playing) {
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
