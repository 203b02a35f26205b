// parallel-worker-test.mjs - the module Web Worker side of the parallel browser test.
import { parallelSteps } from './parallel-steps.mjs';

parallelSteps().then(
  (r) => postMessage({ ok: true, ...r }),
  (e) => postMessage({ ok: false, error: `${e.name}: ${e.message}` }),
);
