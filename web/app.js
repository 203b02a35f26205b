// app.js - what every page of the web app shares: one wasmtricks instance (init() once per
// page), the service worker registration (offline after the first load), the data URL of
// Fashion-MNIST, small DOM helpers, and one place that shows errors and status messages to the
// user (an aria-live region, so screen readers hear them). Not here: page logic (playground.js,
// studio.js, distill.js), images and drawing (lib/).

import { init, WasmTricksError } from '../js/index.js';

/** The base URL of the Fashion-MNIST IDX files (scripts/serve.mjs serves Debian's copy there). */
export const FASHION_URL = new URL('../data/fashion-mnist/', import.meta.url).href;

let wtPromise = null;
/** The page's wasmtricks instance. */
export function getWt() {
  wtPromise ??= init();
  return wtPromise;
}

const fashionCache = new Map();
/** Fashion-MNIST `split` ('train' | 'test') as a wt Dataset, fetched once per page. */
export function loadFashion(split) {
  if (!fashionCache.has(split)) {
    const p = getWt().then((wt) => wt.data.fashionMNIST({ split, dir: FASHION_URL }));
    p.catch(() => fashionCache.delete(split));
    fashionCache.set(split, p);
  }
  return fashionCache.get(split);
}

/** document.querySelector that fails loudly (a missing element is a bug in the page). */
export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`page: no element matches ${selector}`);
  return node;
}

/** An element with attributes (on* as listeners, text as textContent) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A status line in the page's live region (polite). */
export function say(message) {
  const box = document.getElementById('status');
  if (box) box.textContent = message;
}

/** Shows an error to the user (assertive live region) and in the console; returns it. */
export function showError(e, where = '') {
  const msg = e instanceof WasmTricksError ? e.message : (e?.message ?? String(e));
  const box = document.getElementById('error');
  if (box) {
    box.textContent = `${where ? `${where}: ` : ''}${msg}`;
    box.hidden = false;
  }
  console.error(where, e);
  return e;
}

export function clearError() {
  const box = document.getElementById('error');
  if (box) { box.textContent = ''; box.hidden = true; }
}

/** Runs an async UI action, reporting its failure instead of losing it. */
export function guard(where, fn) {
  return async (...args) => {
    clearError();
    try {
      return await fn(...args);
    } catch (e) {
      showError(e, where);
      return undefined;
    }
  };
}

/** A debounced function (slider drags re-render at most every `ms`). */
export function debounce(fn, ms = 30) {
  let t = 0;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

/** Registers the service worker (web/sw.js). */
export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return null;
  try {
    return await navigator.serviceWorker.register(new URL('./sw.js', import.meta.url), { scope: './' });
  } catch (e) {
    console.warn('service worker not registered:', e);
    return null;
  }
}

/** Asks the service worker to keep every same-origin file this page has loaded so far (its
    module graph, the wasm, data); resolves with the count once they are cached. */
export async function cacheLoadedFiles() {
  if (!('serviceWorker' in navigator)) return 0;
  const reg = await navigator.serviceWorker.ready;
  const urls = [location.href.split('#')[0], ...performance.getEntriesByType('resource').map((e) => e.name)]
    .filter((u) => u.startsWith(location.origin));
  return new Promise((resolve) => {
    const onMessage = (e) => {
      if (e.data?.type !== 'cached') return;
      navigator.serviceWorker.removeEventListener('message', onMessage);
      resolve(e.data.count);
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    reg.active.postMessage({ type: 'cache-urls', urls });
  });
}

/** Called by a page once it has loaded what it needs: caches it all for offline use and sets
    window.offlineReady (a promise of the number of files; the browser tests wait on it). */
export function pageReady() {
  window.offlineReady = cacheLoadedFiles().catch((e) => {
    console.warn('offline cache:', e);
    return 0;
  });
  return window.offlineReady;
}

/** Marks the current page in the navigation and shows whether the page works offline. */
function decorate() {
  const here = location.pathname.split('/').pop() || 'index.html';
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === here) a.setAttribute('aria-current', 'page');
  }
  const badge = document.getElementById('offline');
  const update = () => { if (badge) badge.hidden = navigator.onLine; };
  addEventListener('online', update);
  addEventListener('offline', update);
  update();
}

if (typeof document !== 'undefined') {
  decorate();
  registerServiceWorker();
}

export { WasmTricksError };
