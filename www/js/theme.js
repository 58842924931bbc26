// Light, dark (for dim rooms) or the system's choice: `#theme` sets `data-theme` on
// the root element, kept in localStorage. "auto" follows `prefers-color-scheme`.
import { $ } from "./dom.js";

const KEY = "online-sync:theme";

function apply(theme) {
  const t = theme === "light" || theme === "dark" ? theme : "auto";
  if (t === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", t);
  $("theme").value = t;
}

export function wireTheme() {
  let saved = "auto";
  try {
    saved = localStorage.getItem(KEY) || "auto";
  } catch {
    /* storage unavailable: the system's choice */
  }
  apply(saved);
  $("theme").addEventListener("change", () => {
    apply($("theme").value);
    try {
      localStorage.setItem(KEY, $("theme").value);
    } catch {
      /* not kept */
    }
  });
}
