// parallel-page-worker.mjs - the module Web Worker side of the parallel browser test. (Not named *-test.mjs: node --test would run it as a test file.)
import { parallelSteps } from './parallel-steps.mjs';
import { report } from './page-and-worker.mjs';

report(parallelSteps);
