/* Service worker of the credit-supervision PWA. Version {{ version }}.
 *
 * - The app shell (CSS, JS, icons, the offline page: nothing that carries a CSRF token) is
 *   precached in a cache named after the version; activating a new version deletes old shells.
 * - Pages are network-first: a copy of each page seen is kept in a runtime cache so it opens
 *   again without a network; without one and without a copy, the offline page is shown.
 * - The API is never cached here (its data lives in IndexedDB, owned by page code); queued
 *   captures are in IndexedDB too, so an update of this worker never strands them.
 * - Field inspections: js/outbox.js, js/inspect.js and css/inspect.css are part of the shell; the
 *   /inspect page itself is kept like any page seen (it carries a CSRF token, so it is never
 *   precached: the outbox fetches a fresh token before sending).
 */
const VERSION = "{{ version }}";
const SHELL_CACHE = "shell-" + VERSION;
const PAGES_CACHE = "pages-" + VERSION;
const SHELL = {{ shell|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((k) => k !== SHELL_CACHE && k !== PAGES_CACHE).map((k) => caches.delete(k))
    )).then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear-pages") {
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
  // A page whose navigation was under way while this worker activated missed the claim above (it
  // was not a client yet) and would stay uncontrolled, i.e. not work offline, until the next
  // navigation: it asks to be claimed once it exists.
  if (event.data && event.data.type === "claim") {
    event.waitUntil(self.clients.claim());
  }
});

function isPage(request) {
  return request.mode === "navigate" && request.method === "GET";
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return;
  if (url.pathname.startsWith("/api/")) return;
  // Generated documents (inspection records as PDF) are fetched fresh and never kept.
  if (url.pathname.endsWith(".pdf")) return;

  if (isPage(request)) {
    event.respondWith(
      fetch(request).then((response) => {
        // Keep signed-in pages only (a redirect to sign-in or an error is not a page to replay).
        if (response.ok && !response.redirected && !url.pathname.startsWith("/login")) {
          const copy = response.clone();
          caches.open(PAGES_CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }).catch(() =>
        caches.match(request, { cacheName: PAGES_CACHE }).then((hit) => hit || caches.match("{{ url_for('pwa.offline') }}"))
      )
    );
    return;
  }

  if (url.pathname.startsWith("/static/")) {
    // Shell assets: cache first, then network (and keep what was fetched).
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
  }
});
