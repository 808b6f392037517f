/* Page code shared by every page of the PWA: service worker, network state, fresh CSRF tokens. */
(function () {
  "use strict";

  function csrfMeta() { return document.querySelector('meta[name="csrf-token"]'); }

  // Fetch a fresh CSRF token (a page restored from the offline cache may carry a stale one).
  async function freshCsrf() {
    const res = await fetch("/api/csrf", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) throw new Error("csrf " + res.status);
    const token = (await res.json()).csrf_token;
    const meta = csrfMeta();
    if (meta) meta.setAttribute("content", token);
    document.querySelectorAll('input[name="csrf_token"]').forEach((el) => { el.value = token; });
    return token;
  }
  window.creditApp = { freshCsrf: freshCsrf };

  function showNetState() {
    const el = document.getElementById("net-status");
    if (el) el.hidden = navigator.onLine;
    document.querySelectorAll("form[data-online-only] .offline-hint").forEach((h) => { h.hidden = navigator.onLine; });
  }
  window.addEventListener("online", showNetState);
  window.addEventListener("offline", showNetState);

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.hasAttribute("data-fresh-csrf") || form.dataset.csrfDone) return;
    event.preventDefault();
    const submitter = event.submitter;
    try {
      await freshCsrf();
    } catch (e) {
      showNetState();
      if (!navigator.onLine) return; // offline: nothing can be sent, the hint says so
    }
    form.dataset.csrfDone = "1";
    if (submitter && submitter.name) {
      const hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.submit();
  });

  // A <select data-navigate="/base"> opens /base/<chosen value> (no inline handlers: the CSP forbids them).
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLSelectElement && el.dataset.navigate) {
      location.href = el.dataset.navigate.replace(/\/$/, "") + "/" + encodeURIComponent(el.value);
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    showNetState();
    // After signing out, forget the pages kept for offline use (queued captures stay in IndexedDB).
    if (document.querySelector("[data-signed-out]") && "caches" in window) {
      caches.keys().then((keys) => keys.filter((k) => k.startsWith("pages-")).forEach((k) => caches.delete(k)));
    }
  });

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", () => {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
      // Loaded while the worker was activating: not claimed with the other pages, so ask for it.
      navigator.serviceWorker.ready.then((reg) => {
        if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage({ type: "claim" });
      });
    });
  }
})();
