/* Lantern widget service worker: the widget opens offline, and the help articles with it.
 *
 * - The widget's own files (html, js, wasm, font) are precached at install into a cache named after
 *   the build, and served cache-first: scripts/build.sh stamps BUILD (a hash of the files) and ASSETS
 *   when it assembles dist/web, so a new build is a new sw.js, a new cache, and the old one is
 *   deleted on activate.
 * - The knowledge bundle (and the public key, when it is a URL) is stale-while-revalidate: served
 *   at once from the cache, refreshed in the background for the next open. The widget checks the
 *   bundle's signature whatever the cache gives it.
 * - API calls (/v1/…, /healthz, /metrics) and every non-GET request go to the network untouched:
 *   a ticket is never answered from a cache, the outbox in IndexedDB retries it instead. */
'use strict';

const BUILD = 'dev';          // replaced by scripts/build.sh
const ASSETS = ['./', './index.html']; // replaced by scripts/build.sh with every file of the widget
const PREFIX = 'lantern-';
const SHELL = PREFIX + 'widget-' + BUILD;
const DATA = PREFIX + 'data-v1';   // the bundle outlives widget versions; it is revalidated anyway
const shellUrls = new Set(ASSETS.map((a) => new URL(a, self.registration.scope).href));

function isApi(url) {
  return url.pathname.startsWith('/v1/') || url.pathname === '/healthz' || url.pathname === '/metrics';
}

// The bundle and key URLs come from the widget page's query (?bundle=…&key=…).
async function dataUrlsFromClients() {
  const out = [];
  for (const c of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    const q = new URL(c.url).searchParams;
    for (const k of ['bundle', 'key']) {
      const v = q.get(k);
      if (v && /^(https?:|\/|\.)/.test(v)) out.push(new URL(v, c.url).href);
    }
  }
  return out;
}

function isData(url) {
  return /\.(bundle|pub|pem)$/.test(url.pathname);
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    // cache: 'reload' skips the HTTP cache, so the precache is exactly this build's files.
    await shell.addAll(ASSETS.map((a) => new Request(a, { cache: 'reload' })));
    const data = await caches.open(DATA);
    for (const u of await dataUrlsFromClients()) {
      try {
        const r = await fetch(u, { cache: 'no-cache' });
        if (r.ok) await data.put(u, r);
      } catch (_) { /* offline during install: the first online open fills it */ }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== SHELL && name !== DATA) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function staleWhileRevalidate(event, request) {
  const cache = await caches.open(DATA);
  const cached = await cache.match(request, { ignoreSearch: false });
  const refresh = fetch(request, { cache: 'no-cache' }).then(async (r) => {
    if (r.ok) await cache.put(request, r.clone());
    return r;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => {}));
    return cached;
  }
  return refresh;
}

async function shellFirst(request, url) {
  const cache = await caches.open(SHELL);
  // The widget page carries its settings in the query: any query is the same file.
  const cached = await cache.match(request, { ignoreSearch: request.mode === 'navigate' || url.search !== '' });
  if (cached) return cached;
  const r = await fetch(request);
  if (r.ok && r.type === 'basic') await cache.put(request, r.clone());
  return r;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin && isApi(url)) return;
  if (isData(url)) {
    event.respondWith(staleWhileRevalidate(event, request));
    return;
  }
  const inShell = url.origin === self.location.origin && url.pathname.startsWith(new URL(self.registration.scope).pathname);
  if (inShell && (shellUrls.has(url.origin + url.pathname) || request.mode === 'navigate')) {
    event.respondWith(shellFirst(request, url));
  }
});
