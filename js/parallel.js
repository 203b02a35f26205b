// parallel.js - data-parallel training over threads (Trainer option `threads`): the calling
// thread plus threads-1 workers (Node worker_threads, browsers module Web Workers), each with
// its own wasm instance and a replica of the model (and of the distillation teacher). Per step
// the calling thread validates the batch and applies the batch trick to the WHOLE batch
// (wt_trainer_mix: mixup, CutMix and RICAP see what one thread sees), splits the mixed images
// and targets into shards, and every replica computes the gradients of its shard with the loss
// scaled by shard / N (wt_trainer_compute_grads); the calling thread adds the workers' gradient
// blocks to its own in worker order (reproducible) and clips, schedules and steps once
// (wt_trainer_apply_grads). Workers get the current weights and BatchNorm statistics before
// every step, so nothing but the calling thread's model holds state. BatchNorm normalises with
// each shard's own statistics (PyTorch DDP without SyncBatchNorm); the running statistics are
// the shard-size-weighted mean of the replicas' after each step.
// Bytes travel through one exchange buffer per worker: a SharedArrayBuffer where there is one
// (Node; browsers when crossOriginIsolated), else an ArrayBuffer moved back and forth as a
// transferable. Not here: the worker side (parallel-worker.js), the step itself (src/train/).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { isNode, importNode } from './runtime.js';
import { Rpc, nodeWorker } from './rpc.js';

// The Node entry by a non-literal path, so browser bundles do not copy it (as worker.js does);
// the browser branch keeps the literal new URL(...) that bundlers follow.
const NODE_ENTRY = './parallel-worker.js';
const os = isNode ? await importNode('node:os') : null;

export const MAX_THREADS = 64;

/** The cores this host reports (1 when it does not say). */
export function hardwareThreads() {
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

const workersAvailable = () => isNode || typeof Worker === 'function';
const sharedAvailable = () => typeof SharedArrayBuffer === 'function' &&
  (isNode || globalThis.crossOriginIsolated === true);

/**
 * The Trainer option `threads`: a positive integer (at most MAX_THREADS), 'auto' (every core
 * the host reports) or describe()'s record (its `requested`, so checkpointed options round-trip).
 * Returns { requested, used, mode, note }: mode 'off' (one thread), 'shared'
 * (SharedArrayBuffer) or 'transfer' (transferable buffers); without Worker support it falls
 * back to one thread and says so in note. env ({ workers, shared, cores }) overrides what this
 * host is detected to have (for tests).
 */
export function parseThreads(value, env = {}) {
  const { workers = workersAvailable(), shared = sharedAvailable(), cores = hardwareThreads() } = env;
  if (value !== null && typeof value === 'object' && 'requested' in value) value = value.requested;
  if (value === undefined || value === null) value = 1;
  argCheck(value === 'auto' || (Number.isInteger(value) && value >= 1 && value <= MAX_THREADS),
    `Trainer: threads must be an integer in [1, ${MAX_THREADS}] or 'auto', got ${describe(value)}`);
  const want = value === 'auto' ? cores : value;
  if (want <= 1) return Object.freeze({ requested: value, used: 1, mode: 'off', note: null });
  if (!workers) {
    return Object.freeze({ requested: value, used: 1, mode: 'off',
      note: `threads: ${value} asked for ${want} threads, but this environment has no Worker: training on 1 thread` });
  }
  const mode = shared ? 'shared' : 'transfer';
  const note = mode === 'transfer'
    ? 'no SharedArrayBuffer (the page is not cross-origin isolated): buffers are transferred each step' : null;
  return Object.freeze({ requested: value, used: want, mode, note });
}

/** A worker running parallel-worker.js. */
async function spawn(index) {
  if (isNode) return nodeWorker(new URL(NODE_ENTRY, import.meta.url), { name: `wasmtricks-parallel-${index}` });
  // Static options: bundlers (Vite) must read them to emit the worker chunk.
  return new Worker(new URL('./parallel-worker.js', import.meta.url), { type: 'module', name: 'wasmtricks-parallel' });
}

/** Shard r of R over N samples: [lo, hi). Sizes differ by at most one, the larger ones first,
    so the calling thread (r = 0) always has a sample; shards past N are empty. */
export function shard(N, R, r) {
  const base = Math.floor(N / R);
  const rem = N % R;
  const lo = r * base + Math.min(r, rem);
  return [lo, lo + base + (r < rem ? 1 : 0)];
}

/** The exchange layout in floats for P parameters, B buffer floats and a shard of cap images. */
function layout(P, B, CHW, K, cap) {
  const params = 0;
  const buffers = params + P;
  const grads = buffers + B;
  const x = grads + P;
  const targets = x + cap * CHW;
  const labels = targets + cap * K;
  return { params, buffers, grads, x, targets, labels, floats: labels + cap };
}

/**
 * The replicas of one Trainer: created at its first multi-threaded step, disposed with it (or
 * dropped after a worker dies, so the next step starts fresh ones).
 */
export class ParallelGroup {
  constructor(trainer, threads) {
    this.trainer = trainer;
    this.threads = threads;
    this.helpers = [];
    this.broken = null;
    this.disposed = false;
    this.staging = 0;      // (threads-1) gradient blocks in the calling thread's wasm memory
    this.ptrs = 0;         // their addresses (the extra[] of wt_trainer_apply_grads)
    this.ready = this._start();
    this.ready.catch(() => {}); // reported by step()
  }

  async _start() {
    const t = this.trainer;
    const model = t.model;
    const rt = t._rt;
    const [C, H, W] = model.inputShape;
    this.CHW = C * H * W;
    this.K = model.numClasses;
    this.P = model.paramCount;
    this.B = rt.withStack((salloc) => {
      const n = salloc(8);
      rt.exports.wt_wasm_model_buffers(model._ptr, n);
      return new Float64Array(rt.memory.buffer, n, 1)[0];
    });
    const init = {
      module: rt.module,
      forceScalar: rt.cstring(rt.exports.wt_wasm_ctx_kernel_name(model._ctx) >>> 0).includes('scalar'),
      model: model.save(),
      teacher: t.teacher ? t.teacher.save() : null,
      options: { labelSmoothing: t.labelSmoothing, ...(t.distillation ? { distillation: { ...t.distillation } } : {}),
        // the same frozen layers and BatchNorm modes (an eval BatchNorm changes the forward)
        ...(t.freeze ? { freeze: [...t.freeze], frozenBatchNorm: t.frozenBatchNorm } : {}) },
    };
    const n = this.threads.used - 1;
    for (let index = 1; index <= n; index++) {
      // Node: a helper holds the process open only while a request is out, so a trainer that is
      // never disposed does not keep Node running.
      const rpc = new Rpc(await spawn(index), { name: `Trainer (threads): worker thread ${index}`,
        script: 'js/parallel-worker.js', idleUnref: true, onDead: (e) => { this.broken ??= e; } });
      this.helpers.push({ rpc, worker: rpc.worker, index, cap: 0, buf: null });
    }
    try {
      await Promise.all(this.helpers.map((h) => h.rpc.call('init', { ...init, seed: replicaSeed(model.seed, h.index, 0) })));
    } catch (e) {
      this.dispose();
      throw e;
    }
    const P4 = this.P * 4;
    this.staging = rt.alloc(Math.max(4, n * P4), 'the workers\' gradient blocks');
    this.ptrs = rt.alloc(Math.max(4, n * 4), 'the gradient block table');
    const table = new Uint32Array(rt.memory.buffer, this.ptrs, n);
    for (let i = 0; i < n; i++) table[i] = this.staging + i * P4;
  }

  /** An exchange buffer for a shard of at least n images (a new one when n outgrows it). */
  _buffer(h, n) {
    if (n <= h.cap && h.buf) return false;
    const cap = Math.max(n, h.cap);
    const bytes = layout(this.P, this.B, this.CHW, this.K, cap).floats * 4;
    h.buf = this.threads.mode === 'shared' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    h.cap = cap;
    return true;
  }

  /** One data-parallel step on staged input (x, labels: pointers, N images); see trainer.js. */
  async step(x, l, N) {
    if (this.busy) {
      throw new WasmTricksError('WT_ERR_STATE', 'stepAsync: the previous step has not finished (await each step)');
    }
    this.busy = true;
    try {
      return await this._step(x, l, N);
    } finally {
      this.busy = false;
    }
  }

  async _step(x, l, N) {
    await this.ready;
    if (this.broken) throw this.broken;
    const t = this.trainer;
    const rt = t._rt;
    const e = rt.exports;
    const { CHW, K, P, B } = this;
    const R = this.helpers.length + 1;
    // The whole batch is validated and mixed here, so every replica trains on the batch one
    // thread would see.
    const [inPtr, tgPtr] = rt.withStack((salloc) => {
      const out = salloc(8);
      rt.check(e.wt_wasm_trainer_mix(t._ptr, x, l, N, out), t._ctx, 'step');
      const u32 = new Uint32Array(rt.memory.buffer, out, 2);
      return [u32[0], u32[1]];
    });
    const soft = tgPtr !== 0;
    const steps = e.wt_wasm_trainer_steps(t._ptr);
    const paramsPtr = e.wt_wasm_model_params(t.model._ptr) >>> 0;
    const bufPtr = B ? rt.withStack((salloc) => e.wt_wasm_model_buffers(t.model._ptr, salloc(8)) >>> 0) : 0;
    const replies = [];
    const active = [];
    for (const h of this.helpers) {
      const [lo, hi] = shard(N, R, h.index);
      const n = hi - lo;
      if (n === 0) continue;
      const fresh = this._buffer(h, n);
      const L = layout(P, B, CHW, K, h.cap);
      const f32 = new Float32Array(h.buf);
      const heap = rt.f32;
      f32.set(heap.subarray(paramsPtr >> 2, (paramsPtr >> 2) + P), L.params);
      if (B) f32.set(heap.subarray(bufPtr >> 2, (bufPtr >> 2) + B), L.buffers);
      f32.set(heap.subarray((inPtr >> 2) + lo * CHW, (inPtr >> 2) + hi * CHW), L.x);
      if (soft) f32.set(heap.subarray((tgPtr >> 2) + lo * K, (tgPtr >> 2) + hi * K), L.targets);
      else new Int32Array(h.buf).set(rt.i32.subarray((l >> 2) + lo, (l >> 2) + hi), L.labels);
      const args = { n, N, soft, steps, seed: replicaSeed(t.model.seed, h.index, steps), cap: h.cap };
      const shared = this.threads.mode === 'shared';
      if (!shared || fresh) args.buf = h.buf;
      // A moved buffer comes back with the reply, or with an error reply (never lost).
      replies.push(h.rpc.call('step', args, { transfer: shared ? [] : [h.buf] }).then((r) => {
        if (r.buf) h.buf = r.buf;
        return r;
      }, (err) => {
        if (err.returned) h.buf = err.returned[0];
        throw err;
      }));
      if (!shared) h.buf = null; // moved; the reply brings it back
      active.push({ h, n });
    }
    // This thread's shard, while the workers compute theirs.
    const [lo0, hi0] = shard(N, R, 0);
    const n0 = hi0 - lo0;
    let own = null;
    let ownError = null;
    try {
      own = rt.withStack((salloc) => {
        const out = salloc(16);
        rt.check(e.wt_wasm_trainer_compute_grads(t._ptr, inPtr, soft ? 0 : l, soft ? tgPtr : 0, n0,
          Math.fround(n0 / N), out), t._ctx, 'step');
        const d = new Float64Array(rt.memory.buffer, out, 2);
        return { lossSum: d[0], correct: d[1] };
      });
    } catch (err) {
      ownError = err;
    }
    const settled = await Promise.allSettled(replies);
    if (ownError) throw ownError;
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // Gradients in worker order; running statistics as the shard-weighted mean.
    let lossSum = own.lossSum;
    let correct = own.correct;
    const heapStats = B ? new Float64Array(B) : null;
    if (B) {
      const mine = rt.f32.subarray(bufPtr >> 2, (bufPtr >> 2) + B);
      for (let j = 0; j < B; j++) heapStats[j] = mine[j] * (n0 / N);
    }
    active.forEach(({ h, n }, i) => {
      const r = settled[i].value;
      lossSum += r.lossSum;
      correct += r.correct;
      const L = layout(P, B, CHW, K, h.cap);
      const f32 = new Float32Array(h.buf);
      rt.f32.set(f32.subarray(L.grads, L.grads + P), (this.staging >> 2) + i * P);
      if (B) for (let j = 0; j < B; j++) heapStats[j] += f32[L.buffers + j] * (n / N);
    });
    if (B) rt.f32.set(heapStats, bufPtr >> 2);
    rt.check(e.wt_wasm_trainer_apply_grads(t._ptr, this.ptrs, active.length), t._ctx, 'step');
    return { loss: Math.fround(lossSum / N), accuracy: Math.fround(correct / N) };
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    for (const h of this.helpers) h.rpc.close('Trainer (threads): disposed');
    const rt = this.trainer._rt;
    rt.free(this.staging);
    rt.free(this.ptrs);
    this.staging = 0;
    this.ptrs = 0;
  }
}

/** A worker's context seed for a step: Dropout masks differ per replica and per step, and
    depend only on (model seed, replica, step), so a resumed run draws what the first did. */
function replicaSeed(seed, replica, step) {
  const s = typeof seed === 'bigint' ? Number(seed % 2n ** 32n) : seed % 2 ** 32;
  let h = (Math.imul(s ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(replica + 1, 0xc2b2ae35) ^ Math.imul(step + 1, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return h * 2 ** 21 + (step % 2 ** 21);
}
