// prefetch.js - the loader running ahead of the training step (fit option `prefetch`): a loader
// worker (Node worker_thread; browsers a module Web Worker, nested when fit itself runs in a
// worker such as WorkerTrainer's) with its own wasm instance and the training set, sent once,
// makes batch b + 1 while the calling thread steps on batch b. Double buffering: two batch slots,
// one the step reads, one the worker fills; never more than one batch ahead, and across epoch
// ends too (epoch e + 1's first batch is made during epoch e's last step and its validation).
// The numbers do not change: the loader's draws are counter-based (loader.js: the run's data
// seed, the epoch and the batch index give each batch's RNG), so the worker makes the same
// bits the calling thread would, and prefetch on and off train bitwise alike (tested).
// Slots live in one SharedArrayBuffer where there is one (Node; pages that are cross-origin
// isolated), else in two ArrayBuffers moved to the worker with each request and back with its
// reply (also with an error reply). The data set's images cross once per fit: shared when they
// already live on a SharedArrayBuffer, else copied (their bytes only, not a larger buffer they
// view). Lifetimes: the worker is terminated when fit ends, however it ends (done, abort,
// error); in Node it holds the process open only while a request is out. A worker error or a
// dead worker rejects fit with a WasmTricksError. Not here: the batches themselves (loader.js),
// the worker side (prefetch-worker.js), the training loop (fit.js).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { isNode } from './runtime.js';
import { hardwareThreads } from './parallel.js';
import { Rpc, nodeWorker } from './rpc.js';

// The worker's path by a non-literal name, so browser bundles do not copy it (as parallel.js
// does); the browser branch keeps the literal new URL(...).
const NODE_ENTRY = './prefetch-worker.js';

const workersAvailable = () => isNode || typeof Worker === 'function';
const sharedAvailable = () => typeof SharedArrayBuffer === 'function' &&
  (isNode || globalThis.crossOriginIsolated === true);
const isShared = (a) => typeof SharedArrayBuffer === 'function' && a?.buffer instanceof SharedArrayBuffer;

const live = new Set();

/** Loader workers alive in this thread now (tests check that none outlives its fit). */
export const liveLoaderWorkers = () => live.size;

/** Tests only: { epoch, batch, exit } (0-based) at which the loader worker fails as the engine
    would (an error reply), or with exit: true dies (a Node worker exits with code 3). */
export const testing = { failAt: null };

/**
 * The fit option `prefetch`: true, false or 'auto' (the default: on when the host has more cores
 * than the trainer's `threads` use and a Worker exists). Returns { requested, used, mode, note }:
 * mode 'off', 'shared' (SharedArrayBuffer slots) or 'transfer' (moved ArrayBuffers); note says
 * why it is off or how batches travel. env ({ workers, shared, cores }) overrides what this host
 * is detected to have (tests).
 */
export function parsePrefetch(value, threadsUsed, env = {}) {
  const { workers = workersAvailable(), shared = sharedAvailable(), cores = hardwareThreads() } = env;
  if (value === undefined) value = 'auto';
  argCheck(value === true || value === false || value === 'auto',
    `fit: prefetch must be true, false or 'auto', got ${describe(value)}`);
  const off = (note) => Object.freeze({ requested: value, used: false, mode: 'off', note });
  if (value === false) return off(null);
  const asked = value === true ? 'prefetch: true' : "prefetch: 'auto'";
  if (!workers) return off(`${asked}, but this environment has no Worker: the loader runs on the training thread`);
  if (value === 'auto' && cores <= threadsUsed) {
    return off(`${asked}: off, the trainer's ${threadsUsed} thread(s) use every core this host reports (${cores})`);
  }
  return Object.freeze({ requested: value, used: true, mode: shared ? 'shared' : 'transfer',
    note: shared ? null : 'no SharedArrayBuffer (the page is not cross-origin isolated): batches are transferred' });
}

/** A record like parsePrefetch's for a loader worker that did not start ('auto' falls back). */
export const notStarted = (p, e) => Object.freeze({ requested: p.requested, used: false, mode: 'off',
  note: `prefetch: 'auto': the loader worker did not start (${e.message}): the loader runs on the training thread` });

/** A worker running prefetch-worker.js. */
async function spawn() {
  if (isNode) {
    // Not the parent's --input-type (node --input-type=module -e '...'): a worker with it dies.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    return nodeWorker(new URL(NODE_ENTRY, import.meta.url), { name: 'wasmtricks-prefetch', execArgv });
  }
  // Static options: bundlers (Vite) must read them to emit the worker chunk.
  return new Worker(new URL('./prefetch-worker.js', import.meta.url), { type: 'module', name: 'wasmtricks-prefetch' });
}

const ERROR_PREFIX = 'fit (prefetch): loader worker: ';
const errorOf = (e) => new WasmTricksError(e?.code ?? 'WT_ERR_STATE', `${ERROR_PREFIX}${e?.message ?? String(e)}`);

/** Batches of one fit made one ahead by a loader worker; dispose() terminates it. */
export class Prefetcher {
  /**
   * Starts the worker and hands it the data set. loader: the calling thread's Loader of the
   * run (its data, steps, batch size and counts; it makes no batches itself); seed: the run's
   * data seed; epochs: the run's epoch count; mode: parsePrefetch's 'shared' or 'transfer'.
   */
  static async start(rt, loader, { seed, epochs, mode }) {
    const p = new Prefetcher(loader, epochs, mode);
    try {
      await p._init(rt, seed);
    } catch (e) {
      p.dispose();
      throw e instanceof WasmTricksError ? e : errorOf(e);
    }
    return p;
  }

  constructor(loader, epochs, mode) {
    this.numBatches = loader.numBatches;
    this.epochs = epochs;
    this.mode = mode;
    this.loader = loader;
    this.xFloats = loader.batchSize * loader.outFloats;
    this.slotBytes = this.xFloats * 4 + loader.batchSize * 4;
    // A slot: where one batch lives (offset into the shared buffer, or its own moved buffer).
    if (mode === 'shared') {
      const sab = new SharedArrayBuffer(2 * this.slotBytes);
      this.shared = sab;
      this.free = [{ buf: sab, off: 0 }, { buf: sab, off: this.slotBytes }];
    } else {
      this.shared = null;
      this.free = [{ buf: new ArrayBuffer(this.slotBytes), off: 0 }, { buf: new ArrayBuffer(this.slotBytes), off: 0 }];
    }
    this.current = null;   // the slot the caller holds (its x and labels views)
    this.ahead = null;     // { epoch, b, slot, promise } the worker is making
    this.rpc = null;
  }

  async _init(rt, seed) {
    const w = await spawn();
    live.add(w);
    // Node: the worker holds the process open only while a request is out.
    this.rpc = new Rpc(w, { name: 'fit (prefetch): the loader worker', script: 'js/prefetch-worker.js',
      errorPrefix: ERROR_PREFIX, idleUnref: true, onDead: () => live.delete(w) });
    const { data, batchSize, shuffle, dropLast, steps } = this.loader;
    // Only the bytes of the set cross: a view into a larger buffer is copied out, then moved.
    const images = isShared(data.images) ? data.images : data.images.slice();
    const labels = Int32Array.from(data.labels);
    const transfer = [labels.buffer, ...(isShared(images) ? [] : [images.buffer])];
    await this.rpc.call('init', { module: rt.module, images, labels, shape: [...data.shape], steps,
      batchSize, shuffle, dropLast, seed, failAt: testing.failAt, shared: this.shared }, { transfer });
  }

  /** Asks the worker for batch b of epoch `epoch` into a free slot. */
  _request(epoch, b) {
    const slot = this.free.pop();
    const args = { epoch, b, off: slot.off };
    const moved = this.mode !== 'shared';
    if (moved) args.buf = slot.buf;
    // A moved slot comes back with the reply, or with an error reply.
    const promise = this.rpc.call('batch', args, { transfer: moved ? [slot.buf] : [] }).then((r) => {
      if (moved) slot.buf = r.buf;
      return r;
    }, (e) => {
      if (moved && e.returned) slot.buf = e.returned[0];
      throw e;
    });
    promise.catch(() => {}); // a request never awaited (fit ended first) is not an unhandled rejection
    this.ahead = { epoch, b, slot, promise };
  }

  /**
   * Batch b of epoch `epoch`: { x, labels, n }, views valid until the next call. Asks for the
   * batch after it before returning (b + 1, or the next epoch's first), so the worker makes it
   * while the caller steps.
   */
  async batch(epoch, b) {
    if (this.current) this.free.push(this.current);
    this.current = null;
    let req = this.ahead;
    this.ahead = null;
    if (req && (req.epoch !== epoch || req.b !== b)) {
      // Not the batch asked for: let it land (its slot comes back), then ask for this one.
      await req.promise.catch(() => {});
      this.free.push(req.slot);
      req = null;
    }
    if (!req) {
      this._request(epoch, b);
      req = this.ahead;
      this.ahead = null;
    }
    const r = await req.promise;
    this.current = req.slot;
    if (b + 1 < this.numBatches) this._request(epoch, b + 1);
    else if (epoch + 1 < this.epochs) this._request(epoch + 1, 0);
    const { buf, off } = req.slot;
    return { x: new Float32Array(buf, off, r.n * this.loader.outFloats),
      labels: new Int32Array(buf, off + this.xFloats * 4, r.n), n: r.n };
  }

  dispose() {
    const rpc = this.rpc;
    this.rpc = null;
    if (!rpc) return;
    live.delete(rpc.worker);
    rpc.close();
  }
}
