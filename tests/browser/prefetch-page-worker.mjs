// prefetch-page-worker.mjs - the module Web Worker side of the prefetch browser test (its loader
// worker is nested). (Not named *-test.mjs: node --test would run it as a test file.)
import { prefetchRuns } from './prefetch-steps.mjs';
import { report } from './page-and-worker.mjs';

report(prefetchRuns);
