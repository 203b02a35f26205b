// parallel-worker.js - one helper thread of data-parallel training (parallel.js): a Node
// worker_thread or a module Web Worker with its own init() instance, a replica of the model
// (and of the distillation teacher) and a Trainer used only for wt_trainer_compute_grads (plain
// SGD: it holds no optimizer state; the calling thread steps). Requests (rpc.js), one at a time:
//   init { module, forceScalar, model, teacher, options, seed } -> undefined
//   step { n, N, soft, steps, seed, cap, buf? } -> { lossSum, correct, buf? }
// A step reads the weights, BatchNorm statistics and the shard from the exchange buffer (its
// layout: parallel.js), computes the shard's gradients, and writes back the gradients and its
// BatchNorm statistics. Not here: splitting, summing, the update (parallel.js, src/train/).

import { init } from './index.js';
import { serve, withTransfer } from './rpc.js';

let wt = null;
let model = null;
let trainer = null;
let dims = null;       // { P, B, CHW, K }
let buf = null;        // the exchange buffer (shared: kept; transferred: per step)
let stage = 0;         // this instance's copy of the shard: x, then labels or targets
let stageBytes = 0;

async function setup(m) {
  wt = await init({ wasm: m.module, forceScalar: m.forceScalar });
  model = wt.models.load(m.model, { seed: m.seed });
  const teacher = m.teacher ? wt.models.load(m.teacher) : null;
  trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 1 }, ...m.options, ...(teacher ? { teacher } : {}) });
  const rt = trainer._rt;
  const B = rt.withStack((salloc) => {
    const n = salloc(8);
    rt.exports.wt_wasm_model_buffers(model._ptr, n);
    return new Float64Array(rt.memory.buffer, n, 1)[0];
  });
  const [C, H, W] = model.inputShape;
  dims = { P: model.paramCount, B, CHW: C * H * W, K: model.numClasses };
}

function step(m) {
  if (m.buf) buf = m.buf;
  const { P, B, CHW, K } = dims;
  const { n, soft, cap } = m;
  const rt = trainer._rt;
  const e = rt.exports;
  // The exchange layout (parallel.js layout()): params, buffers, grads, x, targets, labels.
  const L = { params: 0, buffers: P, grads: P + B, x: 2 * P + B };
  L.targets = L.x + cap * CHW;
  L.labels = L.targets + cap * K;
  const f32 = new Float32Array(buf);
  const bytes = n * CHW * 4 + n * (soft ? K : 1) * 4;
  if (bytes > stageBytes) {
    const p = rt.alloc(bytes, 'the shard');
    rt.free(stage);
    stage = p;
    stageBytes = bytes;
  }
  const pPtr = e.wt_wasm_model_params(model._ptr) >>> 0;
  const bPtr = B ? rt.withStack((salloc) => e.wt_wasm_model_buffers(model._ptr, salloc(8)) >>> 0) : 0;
  const heap = rt.f32;
  heap.set(f32.subarray(L.params, L.params + P), pPtr >> 2);
  if (B) heap.set(f32.subarray(L.buffers, L.buffers + B), bPtr >> 2);
  heap.set(f32.subarray(L.x, L.x + n * CHW), stage >> 2);
  const y = stage + n * CHW * 4;
  if (soft) heap.set(f32.subarray(L.targets, L.targets + n * K), y >> 2);
  else rt.i32.set(new Int32Array(buf, L.labels * 4, n), y >> 2);
  // The run's step count (for "diverged at step k" messages) and this step's Dropout seed.
  trainer.setState({ moments: new Float32Array(0), steps: m.steps, epochs: 0 });
  rt.seedContext(model._ctx, m.seed);
  const out = rt.withStack((salloc) => {
    const o = salloc(16);
    rt.check(e.wt_wasm_trainer_compute_grads(trainer._ptr, stage, soft ? 0 : y, soft ? y : 0, n,
      Math.fround(n / m.N), o), model._ctx, 'step');
    const d = new Float64Array(rt.memory.buffer, o, 2);
    return { lossSum: d[0], correct: d[1] };
  });
  const gPtr = e.wt_wasm_model_grads(model._ptr) >>> 0;
  const h = rt.f32;
  f32.set(h.subarray(gPtr >> 2, (gPtr >> 2) + P), L.grads);
  if (B) f32.set(h.subarray(bPtr >> 2, (bPtr >> 2) + B), L.buffers);
  return out;
}

const shared = () => typeof SharedArrayBuffer === 'function' && buf instanceof SharedArrayBuffer;

await serve({
  init: setup,
  step(m) {
    const r = step(m);
    // A moved exchange buffer goes back with the reply (serve returns it with an error reply).
    return shared() ? r : withTransfer({ ...r, buf }, [buf]);
  },
}, { name: 'parallel worker' });
