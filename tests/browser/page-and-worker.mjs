// page-and-worker.mjs - the harness of the browser tests that run the same steps in a page and
// in a module Web Worker (index.html, parallel.html, prefetch.html and their worker scripts):
// each side reports { ok: true, ...result } or { ok: false, error }, and the page publishes
// { main, worker } as window.results for the test to read. Not a test file itself.

/** The outcome of a run as the tests read it. */
export const outcome = (promise) =>
  promise.then((r) => ({ ok: true, ...r }), (e) => ({ ok: false, error: `${e.name}: ${e.message}` }));

/** In a worker script: posts the outcome of run() to the page. */
export const report = (run) => outcome(run()).then((r) => postMessage(r));

/** In a page: runs run() here while a module Web Worker runs workerURL (which report()s), then
    sets window.results = { main, worker } and shows it. */
export function pageAndWorker(run, workerURL) {
  const worker = new Promise((resolve) => {
    const w = new Worker(workerURL, { type: 'module' });
    w.onmessage = (ev) => resolve(ev.data);
    w.onerror = (ev) => resolve({ ok: false, error: `worker error: ${ev.message}` });
  });
  return outcome(run()).then(async (main) => {
    window.results = { main, worker: await worker };
    document.getElementById('out').textContent = JSON.stringify(window.results, null, 2);
  });
}
