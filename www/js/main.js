// online-sync demo page: a host and a participant of a timed drawing session.
//
// Plain ES modules, no framework, no build step. They use only the JS API of the
// wasm module (`pkg/online_sync.js`, see src/wasm/types.d.ts):
//   import init, { SyncClient, MockRelay } from "./pkg/online_sync.js";
// The module is imported dynamically so that a missing `pkg/` is shown in words on
// the page instead of leaving a blank page.
//
//   main.js         startup and wiring (this file)
//   view.js         host/join choice, join links, relay mode, which panel shows
//   code.js         tolerant session-code entry, `#code=` join links
//   stage.js        full screen (`F`), the countdown overlay
//   confirm.js      "are you sure?" before leaving or ending a session
//   theme.js        light / dark / system theme
//   session.js      the two sides, their clients, the relay, member lists
//   host.js         host panel: start/end, code and invite link
//   media.js        file checks, selection, drop zone, the stage
//   publish.js      upload with progress, session pack
//   timer.js        the host's timer and keyboard shortcuts
//   participant.js  participant panel: join/leave, following the host
//   download.js     the participant's download and start gate
//   rate.js         download speed, time left, stalls
//   errors.js       every error code in words; the error banner
//   dom.js          small DOM and formatting helpers
import { $, setAttr, setText, show } from "./dom.js";
import { dismissError } from "./errors.js";
import { normalizeCode } from "./code.js";
import { wireConfirm } from "./confirm.js";
import { changeMode, copyCode, copyInviteLink, endHosting, renderHost, startHosting, warnBeforeUnload } from "./host.js";
import { renderSelection, wireMedia } from "./media.js";
import { publish } from "./publish.js";
import { joinSession, leaveSession, renderGuest, renderGuestPlayer, sharedPlayback } from "./participant.js";
import { confirmLocal, runDownload, tickDownload } from "./download.js";
import { app, defaultRelayUrl, guestSide, hostSide, resumeSides } from "./session.js";
import { hostTick, onKeyDown, publishHostState, readDuration, renderHostPlayer, setPlaying, step } from "./timer.js";
import { wireStage } from "./stage.js";
import { wireTheme } from "./theme.js";
import { applyInviteParam, applyRelayMode, choose, renderView, switchRelay } from "./view.js";

const MODULE_URL = new URL("../pkg/online_sync.js", import.meta.url).href;

function wire() {
  $("relay-form").addEventListener("submit", (e) => e.preventDefault());
  $("relay-url").addEventListener("input", renderView);
  $("use-mock").addEventListener("change", () => switchRelay($("use-mock").checked ? "mock" : "websocket"));
  $("error-dismiss").addEventListener("click", dismissError);
  wireConfirm();
  wireStage();
  wireTheme();
  window.addEventListener("beforeunload", warnBeforeUnload);
  // A join link opened while the page is already open (pasted into the address bar).
  window.addEventListener("hashchange", () => {
    if (applyInviteParam()) renderView();
  });

  $("choose-host").addEventListener("click", () => choose("host"));
  $("choose-join").addEventListener("click", () => choose("join"));

  $("host-form").addEventListener("submit", startHosting);
  $("host-leave").addEventListener("click", endHosting);
  $("host-mode").addEventListener("change", changeMode);
  $("copy-code").addEventListener("click", copyCode);
  $("copy-link").addEventListener("click", copyInviteLink);

  wireMedia();
  $("publish").addEventListener("click", publish);
  $("host-duration").addEventListener("change", () => {
    const d = readDuration();
    const p = hostSide.play;
    // A new duration applies from the next image, or now if this one has not started.
    if (!p.isPlaying && p.remaining === p.duration) {
      p.duration = d;
      p.remaining = d;
      renderHostPlayer();
      publishHostState();
    }
  });

  $("play").addEventListener("click", () => setPlaying(true));
  $("pause").addEventListener("click", () => setPlaying(false));
  $("next").addEventListener("click", () => step(1));
  $("prev").addEventListener("click", () => step(-1));
  document.addEventListener("keydown", onKeyDown);

  $("join-form").addEventListener("submit", joinSession);
  $("join-code").addEventListener("input", () => {
    $("join-code").dataset.autofilled = "false";
  });
  // A pasted join link or `abcd efgh` reads as the code once the field is left.
  for (const id of ["join-code", "host-code"]) {
    $(id).addEventListener("change", () => {
      $(id).value = normalizeCode($(id).value);
    });
  }
  $("leave").addEventListener("click", leaveSession);
  $("gate-retry").addEventListener("click", () => runDownload({ manual: true }));
  $("gate-confirm").addEventListener("click", confirmLocal);
  $("shared-pause").addEventListener("click", () => sharedPlayback(false));
  $("shared-play").addEventListener("click", () => sharedPlayback(true));

  // One clock for the host's timer and the participant's local countdown.
  setInterval(() => {
    hostTick();
    renderHostPlayer();
    renderGuestPlayer();
    tickDownload();
  }, 200);
}

async function main() {
  const params = new URLSearchParams(location.search);
  const relayParam = params.get("relay") || "";
  $("relay-url").value = /^wss?:\/\//i.test(relayParam) ? relayParam : defaultRelayUrl();
  applyRelayMode(relayParam === "mock" ? "mock" : "websocket", { updateUrl: false });
  if (relayParam === "mock") $("join-name").value = $("join-name").value || "Simulated guest";
  applyInviteParam();
  wire();
  renderSelection();
  renderHost();
  renderGuest();

  const status = $("module-status");
  try {
    const m = await import(MODULE_URL);
    await m.default();
    app.mod = m;
    setAttr(status, "data-ready", "true");
    setText(status, "Sync module loaded.");
    show(status, false);
  } catch (e) {
    setAttr(status, "data-ready", "error");
    setText(
      status,
      `The sync module could not be loaded from ./pkg/online_sync.js (${e && e.message ? e.message : e}). Build it with scripts/build-pkg.sh and serve pkg/ beside index.html.`
    );
    status.classList.add("banner-error");
  }
  renderHost();
  renderGuest();
  if (app.mod) await resumeSides([hostSide, guestSide]);
}

main();
