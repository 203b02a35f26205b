// prefetch-page-worker.mjs - the module Web Worker side of the prefetch browser test (its loader
// worker is nested). (Not named *-test.mjs: node --test would run it as a test file.)
import { prefetchRuns } from './prefetch-steps.mjs';

prefetchRuns().then(
  (r) => postMessage({ ok: true, ...r }),
  (e) => postMessage({ ok: false, error: `${e.name}: ${e.message}` }),
);
