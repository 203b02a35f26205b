// worker.mjs - the module Web Worker side of the browser test.
import { trainSteps } from './train-steps.mjs';

trainSteps().then(
  (r) => postMessage({ ok: true, ...r }),
  (e) => postMessage({ ok: false, error: `${e.name}: ${e.message}` }),
);
