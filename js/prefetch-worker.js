// prefetch-worker.js - the loader worker of fit's prefetch (prefetch.js): a Node worker_thread or
// a module Web Worker with its own wasm instance (the calling thread's compiled module), the
// training set (sent once) and a Loader (loader.js) that makes the batches - the same code and
// the same counter-based draws as a loader on the training thread, so the same bits.
// Requests (rpc.js), one at a time:
//   init { module, images, labels, shape, steps, batchSize, shuffle, dropLast, seed, shared,
//     failAt } -> undefined
//   batch { epoch, b, off, buf? } -> { n, buf? }
// A batch is written at byte `off` of the shared buffer (or of the moved `buf`): batchSize *
// C*H*W floats of x, then batchSize int32 labels. An error reply brings the moved buffer back
// (rpc.js serve). Not here: scheduling the requests (prefetch.js).

import { Runtime, isNode } from './runtime.js';
import { Loader } from './loader.js';
import { WasmTricksError } from './errors.js';
import { serve, withTransfer } from './rpc.js';

let loader = null;
let run = null;        // { seed, shared, failAt, xFloats, batchSize }
let epoch = -1;        // the epoch whose order the loader holds

async function setup(m) {
  const rt = await Runtime.load({ wasm: m.module });
  const data = { images: m.images, labels: m.labels, shape: m.shape, length: m.labels.length };
  loader = new Loader(rt, null, data, { batchSize: m.batchSize, shuffle: m.shuffle, dropLast: m.dropLast, steps: m.steps });
  run = { seed: m.seed, shared: m.shared, failAt: m.failAt, xFloats: m.batchSize * loader.outFloats, batchSize: m.batchSize };
}

function batch(m) {
  if (m.epoch !== epoch) {
    epoch = -1;
    loader.startEpoch({ seed: run.seed, epoch: m.epoch });
    epoch = m.epoch;
  }
  if (run.failAt && run.failAt.epoch === m.epoch && run.failAt.batch === m.b) {
    if (run.failAt.exit) {
      if (isNode) process.exit(3); // ends this thread only, as a crash would
      globalThis.close();
    }
    throw new WasmTricksError('WT_ERR_STATE', `injected failure at epoch ${m.epoch}, batch ${m.b} (tests)`);
  }
  const buf = m.buf ?? run.shared;
  const out = { x: new Float32Array(buf, m.off, run.xFloats), labels: new Int32Array(buf, m.off + run.xFloats * 4, run.batchSize) };
  return loader.batch(m.b, out).n;
}

await serve({
  init: setup,
  batch(m) {
    const n = batch(m);
    return m.buf ? withTransfer({ n, buf: m.buf }, [m.buf]) : { n };
  },
}, { name: 'loader worker' });
