// Small DOM and formatting helpers shared by every module of the page.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

export function show(el, visible) {
  el.hidden = !visible;
}

/** Sets the text only when it changes (no needless mutations for live regions). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el, name, value) {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/**
 * Moves the focus to `#id` (when it is rendered and enabled), e.g. after the control
 * that had it disappeared. With `onlyIfLost`, only when the focus fell back to the
 * page itself (or sits in a hidden or disabled control).
 */
export function focusOn(id, { onlyIfLost = false } = {}) {
  const el = $(id);
  if (!el || el.disabled || el.closest("[hidden]")) return false;
  if (onlyIfLost) {
    const a = document.activeElement;
    const lost = !a || a === document.body || a.disabled || !!a.closest("[hidden]");
    if (!lost) return false;
  }
  el.focus({ preventScroll: false });
  return document.activeElement === el;
}

export function fmtBytes(n) {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, n | 0)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export function fmtClock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies `text` to the clipboard: the async Clipboard API where allowed, else a
 * temporary selected field (plain-http pages). `refocus` gets the focus back after
 * the fallback. Resolves to whether it worked.
 */
export async function copyText(text, refocus) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  const tmp = document.createElement("textarea");
  tmp.value = text;
  tmp.setAttribute("readonly", "");
  tmp.style.position = "fixed";
  tmp.style.opacity = "0";
  document.body.append(tmp);
  tmp.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  tmp.remove();
  if (refocus) refocus.focus();
  return ok;
}
