// What the page shows: the first choice between hosting and joining (`#choose-host`,
// `#choose-join`), one panel at a time on a WebSocket relay (the other one folded
// away while this tab is in a session), both side by side on the in-memory relay;
// `?join=CODE` invite links; the relay mode (WebSocket or in-memory); the tab's title.
import { codeFromLocation } from "./code.js";
import { $, setAttr, setText, show } from "./dom.js";
import { app, dropClient, guestSide, hostSide, isActive } from "./session.js";

const view = { choice: "host" };
const BASE_TITLE = document.title;

/** Shows the Host or the Join panel (WebSocket relay, no session open in this tab). */
export function choose(which) {
  view.choice = which === "join" ? "join" : "host";
  renderView();
}

/** The current panel choice: "host" or "join". */
export function chosen() {
  return view.choice;
}

/**
 * A join link (`#code=CODE`, or the older `?join=CODE`): opens the page on the Join
 * panel with the code filled in (normalised). Returns the code (or ""). Not while
 * this tab's participant is in a session.
 */
export function applyInviteParam() {
  const code = codeFromLocation();
  if (!code || isActive(guestSide)) return "";
  $("join-code").value = code;
  view.choice = "join";
  show($("join-invite-note"), true);
  return code;
}

/** The id of the field a failed start should focus: `fields[code]`, else `fallback`. */
export function fieldForError(code, fields, fallback) {
  if (fields[code]) return fields[code];
  if (/^websocket-|^transport-unavailable$/.test(code)) $("relay-details").open = true;
  return fallback;
}

export function renderView() {
  const mock = app.relayMode === "mock";
  const hosting = isActive(hostSide);
  const joined = isActive(guestSide);
  let v;
  if (mock || (hosting && joined)) v = "both";
  else if (hosting) v = "host";
  else if (joined) v = "join";
  else v = view.choice;
  if (v !== "both") view.choice = v;
  setAttr($("main"), "data-view", v);
  // In a session the page is the session view (compact header, the image first).
  setAttr(document.body, "data-session", hosting || joined);
  show($("host-panel"), v !== "join");
  show($("join-panel"), v !== "host");
  // The choice is offered only while this tab is in no session.
  show($("choice"), !mock && !hosting && !joined);
  setAttr($("choose-host"), "aria-pressed", v === "host");
  setAttr($("choose-join"), "aria-pressed", v === "join");
  if (v !== "join" || joined) show($("join-invite-note"), false);

  const hs = hostSide.state;
  const gs = guestSide.state;
  let title = BASE_TITLE;
  if (hs && hs.status === "hosting") title = `Hosting ${hs.sessionCode} · online-sync demo`;
  else if (gs && gs.status === "joined") title = `Joined ${gs.sessionCode} · online-sync demo`;
  if (document.title !== title) document.title = title;
  setText($("relay-summary"), mock ? "in-memory relay (single-tab demo)" : $("relay-url").value.trim() || "this page's relay");
}

export function applyRelayMode(mode, { updateUrl = true } = {}) {
  const mock = mode === "mock";
  app.relayMode = mock ? "mock" : "websocket";
  $("use-mock").checked = mock;
  $("relay-url").disabled = mock;
  setAttr($("main"), "data-relay", app.relayMode);
  setAttr($("relay-mode"), "data-mode", app.relayMode);
  setText(
    $("relay-mode"),
    mock
      ? "Mode: in-memory relay. The host and a simulated participant run side by side in this tab."
      : "Mode: WebSocket relay. Host here and join from other devices or tabs with the code."
  );
  show($("join-mock-note"), mock);
  setText($("join-title"), mock ? "Participant (simulated, same tab)" : "Join a session");
  if (updateUrl) {
    const url = new URL(location.href);
    if (mock) url.searchParams.set("relay", "mock");
    else url.searchParams.delete("relay");
    history.replaceState(null, "", url);
  }
}

export function switchRelay(mode) {
  if (isActive(hostSide) || isActive(guestSide)) {
    // The toggle is disabled meanwhile; this is a safety net.
    $("use-mock").checked = app.relayMode === "mock";
    return;
  }
  dropClient(hostSide);
  dropClient(guestSide);
  if (app.mockRelay) {
    app.mockRelay.free();
    app.mockRelay = null;
  }
  applyRelayMode(mode);
  hostSide.render();
  guestSide.render();
}
