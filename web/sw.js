// sw.js - the web app's service worker: after the first visit the app opens and trains with no
// network. Install caches the app shell (pages, styles, page scripts), the package entry, both
// wasm modules (init picks one per browser), the shipped backbone and the default data (Fashion-MNIST test split);
// each page then sends the URLs it really loaded (its whole module graph, worker scripts
// included) so nothing is missed when js/ grows;
// and every same-origin GET is cached as it passes. Code and pages: network first (always fresh
// online), cache when offline. Data sets (immutable): cache first. Not here: saving runs (that is
// IndexedDB, js/store.js).

const CACHE = 'wasmtricks-app-v1';
const SHELL = [
  './', 'index.html', 'playground.html', 'studio.html', 'distill.html', 'style.css', 'manifest.webmanifest', 'icon.svg',
  'app.js', 'playground.js', 'studio.js', 'distill.js', 'runs.js', 'worker-entry.js',
  'lib/chart.js', 'lib/images.js', 'lib/drawpad.js',
  '../js/index.js', '../js/worker.js', '../js/worker-entry.js', '../dist/wasmtricks.wasm', '../dist/wasmtricks-relaxed.wasm',
  '../assets/resnet8-cifar10.safetensors',
  '../data/fashion-mnist/t10k-images-idx3-ubyte.gz', '../data/fashion-mnist/t10k-labels-idx1-ubyte.gz',
];
// Fetched after activation, without delaying it: the training split (about 30 MB).
const LATER = ['../data/fashion-mnist/train-images-idx3-ubyte.gz', '../data/fashion-mnist/train-labels-idx1-ubyte.gz'];

const scopeURL = (u) => new URL(u, self.registration.scope).href;

/** Caches each URL on its own: one missing file (e.g. no data set on a static host) does not
    stop the rest. */
async function cacheAll(urls, { skipCached = false } = {}) {
  const cache = await caches.open(CACHE);
  await Promise.all(urls.map(async (u) => {
    try {
      if (skipCached && await cache.match(u)) return;
      const r = await fetch(u, { cache: 'no-cache' });
      if (r.ok) await cache.put(u, r);
    } catch {
      // offline or not served: the runtime cache may still get it later
    }
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil(cacheAll(SHELL.map(scopeURL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
  cacheAll(LATER.map(scopeURL), { skipCached: true });
});

// A page lists what it loaded: { type: 'cache-urls', urls }.
self.addEventListener('message', (event) => {
  const msg = event.data;
  if (msg?.type !== 'cache-urls' || !Array.isArray(msg.urls)) return;
  const origin = self.location.origin;
  const urls = msg.urls.filter((u) => typeof u === 'string' && u.startsWith(origin));
  event.waitUntil(cacheAll(urls, { skipCached: true }).then(() => event.source?.postMessage({ type: 'cached', count: urls.length })));
});

const isData = (url) => url.pathname.includes('/data/');

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') cache.put(request, response.clone());
    return response;
  } catch (e) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    if (request.mode === 'navigate') {
      const home = await cache.match(scopeURL('index.html'));
      if (home) return home;
    }
    throw e;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith(isData(url) ? cacheFirst(request) : networkFirst(request));
});
