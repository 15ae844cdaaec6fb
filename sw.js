// The page's service worker: the page itself (HTML, scripts, styles, the wasm engine, the model
// lists) kept in a cache so that, once visited, it opens offline. The model weights have their
// own cache (web/fetch.js), filled as they download.
//
// Network first: online, every file comes fresh from the server (a rebuilt engine shows at
// the next reload) and refreshes the cache; offline, the cached copy answers.
// It lives at the root, not in web/, because a service worker only controls pages at or
// below its own folder.

const SHELL_CACHE = "bert-page-v1";
const SHELL = [
  "./",
  "web/app.js",
  "web/client.js",
  "web/fetch.js",
  "web/picker.js",
  "web/render.js",
  "web/worker.js",
  "web/style.css",
  "web/pkg/build-flags.js",
  "web/pkg/bert_web.js",
  "web/pkg/bert_web_bg.wasm",
];
const scope = new URL(self.registration.scope).pathname;

function isPage(url) {
  if (url.origin !== location.origin || !url.pathname.startsWith(scope)) return false;
  const path = url.pathname.slice(scope.length);
  return path === "" || path === "index.html" || path.startsWith("web/") || path.endsWith("index.json");
}

self.addEventListener("install", (event) => {
  // Cached at install, so that the first visit is enough to open offline later.
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isPage(url)) return;
  event.respondWith(networkFirst(event, url));
});

async function networkFirst(event, url) {
  const cache = await caches.open(SHELL_CACHE);
  // One entry per file: `/?backend=cpu` and `/` are the same page.
  const key = url.origin + url.pathname;
  try {
    const response = await fetch(event.request);
    // The copy is written while the page already reads the response.
    if (response.ok) event.waitUntil(cache.put(key, response.clone()));
    return response;
  } catch (error) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw error;
  }
}
