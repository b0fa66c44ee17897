// Keep a page's live part current: ask the server for it every second and swap it in.
// The server renders the same template it used for the page, so there is one way to draw a row.
// A refresh waits while someone is choosing or typing inside the live part, so nothing they
// started is wiped; it goes on once they leave the field.
"use strict";

(function () {
  const live = document.getElementById("live");
  const status = document.getElementById("live-status");
  const badge = document.getElementById("open-alerts");
  if (!live) return;
  const every = Number(live.dataset.refreshMs) || 1000;
  let busy = false;

  function editing() {
    const active = document.activeElement;
    if (active && live.contains(active) && active.matches("input, select, textarea")) return true;
    const typed = Array.from(live.querySelectorAll("input, textarea")).some(
      (field) => field.type !== "hidden" && field.value !== field.defaultValue
    );
    const chosen = Array.from(live.querySelectorAll("select")).some((select) => {
      // With no option marked `selected` in the HTML, the browser shows the first one.
      const initial = Array.from(select.options).findIndex((option) => option.defaultSelected);
      return select.selectedIndex !== Math.max(initial, 0);
    });
    return typed || chosen;
  }

  function say(text, stale) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("stale", stale);
  }

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(window.location.href, {
        headers: { "X-Live": "1" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.redirected || response.status === 401) {
        window.location.reload(); // signed out meanwhile: show the login page
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const open = response.headers.get("X-Open-Alerts");
      if (badge && open !== null) {
        badge.textContent = open;
        badge.classList.toggle("hidden", open === "0");
      }
      if (editing()) {
        say("Live (paused while you type)", false);
      } else {
        live.innerHTML = html;
        say("Live · " + new Date().toLocaleTimeString(), false);
      }
    } catch (error) {
      say("Reconnecting…", true);
    } finally {
      busy = false;
    }
  }

  window.setInterval(refresh, every);
})();
