// worker.mjs - the module Web Worker side of the browser test.
import { trainSteps } from './train-steps.mjs';
import { report } from './page-and-worker.mjs';

report(trainSteps);
