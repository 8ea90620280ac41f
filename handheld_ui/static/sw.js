// The handheld's service worker: the page's shell (HTML, scripts, styles, translations, icons)
// is kept so a handheld that reloads out of Wi-Fi range still starts, shows its queued scans
// and sends them once it is back. API calls (/ui/handheld/…) always go to the network and
// their answers are never kept: a stale view or token must never be served from here.

const SHELL_CACHE = "handheld-shell-v1";
const LANGS = ["en", "ko", "nl", "ru", "ja"];
const SHELL = [
  "/handheld",
  "/handheld.webmanifest",
  "/static/handheld.css",
  "/static/stockflows.css",
  "/static/packing.css",
  "/static/packlabel.css",
  "/static/returns.css",
  "/static/handheld.js",
  "/static/feedback.js",
  "/static/login.js",
  "/static/setupscreen.js",
  "/static/stopscreen.js",
  "/static/sheets.js",
  "/static/i18n.js",
  "/static/sse.js",
  "/static/stockflows.js",
  "/static/stocksheets.js",
  "/static/messages.js",
  "/static/pictures.js",
  "/static/outbox.js",
  "/static/lightcolour.js",
  "/static/offline.js",
  "/static/tripmap.js",
  "/static/packing.js",
  "/static/packlabel.js",
  "/static/returns.js",
  "/static/favicon.svg",
  ...LANGS.map((lang) => `/static/i18n/handheld.${lang}.json`),
];
const NETWORK_WAIT_MS = 4000; // a weak signal: the kept copy rather than a blank screen

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== SHELL_CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

function isShell(url) {
  return url.origin === self.location.origin &&
    (url.pathname === "/handheld" || url.pathname === "/handheld.webmanifest" || url.pathname.startsWith("/static/"));
}

/** Network first (the page is always the service's current one), the kept copy offline. */
async function networkFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(NETWORK_WAIT_MS) });
    if (response.ok) await cache.put(request.url.split("?")[0], response.clone());
    return response;
  } catch (e) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    throw e;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isShell(url)) return; // API calls: the network only
  event.respondWith(networkFirst(event.request));
});
