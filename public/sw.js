// Portal 112 service worker: keeps the app shell so the portal opens without
// a network. The form, drafts and the outbox then work from the device; the
// app itself shows the last known status of tickets from its own storage.
//
// - page navigations: network first, the cached page when offline (each public
//   page is rendered ahead by the server, so each is kept; another address
//   gets the home page, and the app then shows what the address asks for);
// - hashed app files: cache first (their names change when they do);
// - Leaflet: network first (a 304 when unchanged), the cached copy when
//   offline: its names stay while each build makes it with only what that
//   build's apps use, so a new app must never meet an older Leaflet. The
//   report form's build is kept with the shell (a report is placed on the
//   map offline too); the public map's, leaflet-full.js with its style
//   sheet, once it is used;
// - the city configuration (the app's, /api/v1/config.postcard, and the JSON):
//   network first, cached copy when offline;
// - everything else (reports, tickets, staff, Konsol 112): straight to the network.
const CACHE = "p112-shell-v2";
// The public pages as the server renders them; revalidated (a 304 when unchanged).
const PAGES = ["/", "/lapor", "/lacak", "/video", "/peta", "/statistik"];
const SHELL = ["/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png",
  "/leaflet/leaflet.js", "/leaflet/leaflet.css", "/leaflet/images/marker-icon.png",
  "/leaflet/images/marker-icon-2x.png", "/leaflet/images/marker-shadow.png"];

// The hashed files an index.html refers to: its scripts, styles and
// WebAssembly (quoted or not), and the app's parts that load with their own
// page (listed in its `app-parts` block), so every page opens offline.
function assetsOf(html) {
  const found = new Set();
  for (const m of html.matchAll(/["'=,\[](\/[\w.\/-]+\.(?:js|wasm|css))(?=["'\s>,\]])/g)) {
    found.add(m[1]);
  }
  return [...found];
}

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch("/", { cache: "no-cache" });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put("/", response);
  await Promise.all(PAGES.slice(1).map(async (url) => {
    try {
      const r = await fetch(url, { cache: "no-cache" });
      if (r.ok) await cache.put(url, r);
    } catch (_) { /* offline: the home page stands in */ }
  }));
  await Promise.all([...SHELL, ...assetsOf(html)].map(async (url) => {
    try {
      const r = await fetch(url);
      if (r.ok) await cache.put(url, r);
    } catch (_) { /* offline during install: cached on first use instead */ }
  }));
  // Drop hashed files of older builds.
  const keep = new Set([...PAGES, ...SHELL, ...assetsOf(html)].map((u) => new URL(u, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!keep.has(request.url) && !request.url.includes("/api/v1/config")) await cache.delete(request);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Konsol 112 is staff work on a live connection: never served from here.
  if (url.pathname === "/petugas" || url.pathname.startsWith("/petugas/")) return;

  if (request.mode === "navigate") {
    event.respondWith((async () => {
      try {
        const response = await fetch(request);
        if (response.ok && response.headers.get("content-type")?.startsWith("text/html")) {
          // A new build: refresh the shell in the background.
          event.waitUntil(cacheShell().catch(() => {}));
        }
        return response;
      } catch (_) {
        const page = PAGES.includes(url.pathname) ? await caches.match(url.pathname) : undefined;
        return page || (await caches.match("/")) || Response.error();
      }
    })());
    return;
  }

  if (url.pathname === "/api/v1/config" || url.pathname === "/api/v1/config.postcard") {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (_) {
        return (await cache.match(request)) || Response.error();
      }
    })());
    return;
  }

  if (url.pathname.startsWith("/leaflet/")) {
    event.respondWith((async () => {
      try {
        const response = await fetch(request);
        if (response.ok) await (await caches.open(CACHE)).put(request, response.clone());
        return response;
      } catch (_) {
        return (await caches.match(request)) || Response.error();
      }
    })());
    return;
  }

  if (/\.(?:js|wasm|css)$/.test(url.pathname) || url.pathname.startsWith("/icons/")) {
    event.respondWith((async () => {
      const cached = await caches.match(request);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.ok && url.pathname !== "/sw.js") {
        const cache = await caches.open(CACHE);
        await cache.put(request, response.clone());
      }
      return response;
    })());
  }
});
