// Nothing by accident: leaving or ending a session asks first, in a modal dialog
// (`#confirm`) whose focus starts on the safe answer, so a stray Enter or Space keeps
// the person in the session. Escape and the safe button both mean "no".
import { $, setText } from "./dom.js";

let pending = null;

/**
 * Asks a yes/no question. Resolves `true` only when the person presses the
 * confirming button (`#confirm-yes`); `false` for `#confirm-no`, Escape, or a newer
 * question taking its place.
 */
export function confirmAction({ title, text, yes, no = "Cancel", backTo = "" }) {
  const dialog = $("confirm");
  if (pending) pending(false);
  setText($("confirm-title"), title);
  setText($("confirm-text"), text);
  setText($("confirm-yes"), yes);
  setText($("confirm-no"), no);
  // After "no" the focus goes to `backTo` (a safe place, never the destructive button
  // that opened the dialog), else back where it was.
  const opener = (backTo && $(backTo)) || document.activeElement;
  return new Promise((resolve) => {
    pending = (answer) => {
      pending = null;
      if (dialog.open) dialog.close();
      if (!answer && opener && opener.isConnected && !opener.closest("[hidden]")) opener.focus();
      resolve(answer);
    };
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    $("confirm-no").focus();
  });
}

export function wireConfirm() {
  const dialog = $("confirm");
  $("confirm-yes").addEventListener("click", () => pending && pending(true));
  $("confirm-no").addEventListener("click", () => pending && pending(false));
  // Escape closes a modal dialog by itself: that is a "no".
  dialog.addEventListener("close", () => pending && pending(false));
  dialog.addEventListener("cancel", () => pending && pending(false));
}
