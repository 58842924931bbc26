// Session codes as people type, paste and share them. The module's validation stays
// strict (`^[A-Z0-9]{4}-[A-Z0-9]{4}$` after trim + uppercase, DESIGN.md decision 1);
// the page is tolerant before it: `abcdefgh`, `ABCD EFGH`, ` abcd-efgh ` and a pasted
// join link all become `ABCD-EFGH`. Anything else is passed on as typed (trimmed,
// upper case), so the module says why it is not a code.
//
// Join links: `#code=ABCD-EFGH` on this page (the fragment never reaches a server);
// the older `?join=ABCD-EFGH` is still read.

/** A code in the canonical `XXXX-XXXX` form when it can be read as one, else the input trimmed and upper-cased. */
export function normalizeCode(raw) {
  const text = String(raw || "").trim();
  const fromLink = codeFromLink(text);
  const source = fromLink || text;
  const compact = source.replace(/[\s\-_.·–—]+/g, "").toUpperCase();
  if (/^[A-Z0-9]{8}$/.test(compact)) return `${compact.slice(0, 4)}-${compact.slice(4)}`;
  return source.toUpperCase();
}

/** The code carried by a pasted join link (`…#code=X` or `…?join=X`), `""` when the text is no link. */
function codeFromLink(text) {
  if (!/[#?&](code|join)=/.test(text)) return "";
  const m = /[#&?](?:code|join)=([^&#\s]*)/.exec(text);
  if (!m) return "";
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** The code this page was opened with: `#code=…` (join link) or `?join=…` (older invite link); `""` when none. */
export function codeFromLocation(loc = location) {
  const hash = new URLSearchParams(loc.hash.replace(/^#/, ""));
  const raw = hash.get("code") || new URLSearchParams(loc.search).get("join") || "";
  return raw ? normalizeCode(raw) : "";
}

/**
 * The join link of a session: this page with `#code=CODE`, plus `?relay=` when the
 * session's relay is not the page's own.
 */
export function joinLink(code, relay, defaultRelay, loc = location) {
  const url = new URL(loc.pathname, loc.origin);
  if (relay && relay !== defaultRelay) url.searchParams.set("relay", relay);
  url.hash = `code=${encodeURIComponent(code)}`;
  return url.href;
}
