// worker.js - `wasmtricks/worker`: WorkerTrainer, a Trainer whose model, optimizer and training
// loop live in a dedicated module Web Worker (browsers) or a worker_thread (Node >= 20), so the
// page never freezes. Every method is async; errors reject with a WasmTricksError carrying the
// engine's message. Data sets cross to the worker once (copied, or transferred with
// { transfer: true }) and are then referred to by id; images from canvases, <img>, <video>,
// ImageBitmap and Blob are converted here (image.js) and posted as small pixel buffers.
// Persistence is store.js (IndexedDB). Not here: the worker side (worker-entry.js).

import { argCheck, describe } from './errors.js';
import { isNode } from './runtime.js';
import { Rpc, nodeWorker } from './rpc.js';
import { Dataset } from './dataset.js';
import { isDrawable, isImageLike, toInput } from './image.js';
import { openStore } from './store.js';

export * as image from './image.js';
export { openStore } from './store.js';
export { WasmTricksError } from './errors.js';

// Node's entry by a non-literal name: bundlers rewrite new URL('<literal>', import.meta.url)
// into a copied asset, which only the browser branch below should get (as a bundled worker).
const NODE_ENTRY = './worker-entry.js';
const isBlob = (v) => typeof Blob === 'function' && v instanceof Blob;

/** A worker running worker-entry.js: a module Web Worker, or a Node worker_thread. */
async function spawn() {
  if (isNode) return nodeWorker(new URL(NODE_ENTRY, import.meta.url));
  argCheck(typeof Worker === 'function', 'WorkerTrainer: this environment has no Web Workers');
  return new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module', name: 'wasmtricks' });
}

const MODEL_KEYS = ['name', 'inputShape', 'numClasses', 'classNames', 'seed', 'zeroInitResidual', 'spec', 'checkpoint', 'head'];

export class WorkerTrainer {
  #rpc;
  #nextData = 1;
  #dataIds = new WeakMap();

  /** @internal use WorkerTrainer.create(). */
  constructor(worker) {
    // The handshake: a worker handed to create or load may have announced itself long before.
    this.#rpc = new Rpc(worker, { name: 'WorkerTrainer: the worker', script: 'worker-entry.js', handshake: true });
  }

  /**
   * Starts a worker and builds the model and its trainer in it.
   * model: { name: 'student' | 'resnet8' ... 'resnet56' | 'resnet18', inputShape: [C, H, W],
   * numClasses, classNames?, seed? } or { spec } or { checkpoint: Uint8Array } (a checkpoint or
   * a safetensors file; for the latter, the normalisation and class names in its __metadata__,
   * as exportWeights writes them, are used unless given); with head: { numClasses, classNames?,
   * seed? } any of them gets a new classifier (model.withHead; a checkpoint is then a starting
   * point, not resumed; classNames are the new classes'); trainer: the options of wt.Trainer (a
   * teacher as safetensors or checkpoint bytes); without an optimizer or preset, SGD lr 0.01,
   * momentum 0.9, weight decay 5e-4; wasm: what init() takes (a URL, bytes or a compiled
   * WebAssembly.Module); simd: init()'s choice of module ('auto' default, 'relaxed',
   * 'simd128', 'scalar'); worker: a Worker already running worker-entry.js (bundlers that want
   * to make it), started at any time before.
   */
  static async create({ model, trainer, wasm, simd, worker } = {}) {
    argCheck(model && typeof model === 'object', `WorkerTrainer.create: model must be an object, got ${describe(model)}`);
    for (const k of Object.keys(model)) argCheck(MODEL_KEYS.includes(k), `WorkerTrainer.create: unknown model option '${k}' (known: ${MODEL_KEYS.join(', ')})`);
    argCheck(trainer === undefined || (trainer && typeof trainer === 'object'), `WorkerTrainer.create: trainer must be an object of Trainer options, got ${describe(trainer)}`);
    argCheck(trainer?.teacher === undefined || trainer.teacher instanceof Uint8Array,
      `WorkerTrainer.create: trainer.teacher must be the teacher's safetensors or checkpoint bytes (a Uint8Array), got ${describe(trainer?.teacher)}`);
    const w = worker ?? await spawn();
    const wasmArg = wasm instanceof URL ? wasm.href : wasm;
    const t = new WorkerTrainer(w);
    try {
      await t.#rpc.ready;
      const r = await t.#call('create', { wasm: wasmArg, simd, model, trainer });
      t.#adopt(r);
    } catch (e) {
      t.#rpc.close();
      throw e;
    }
    return t;
  }

  /** Loads a run saved with save() or autosave from the IndexedDB store and starts a worker
      with it; fit(data, { resume: true }) continues from the saved step. opts: create()'s
      { trainer, wasm, worker } (trainer defaults to the saved options), { store, version } and
      classNames (default: the saved ones); head: { numClasses, classNames?, seed? } starts a new
      run from the saved weights with a new classifier (create's model.head). An imported weights file has no trainer state: it
      gets create()'s defaults (SGD, and the normalisation and class names of its __metadata__
      when exportWeights wrote them). A worker given here may be started long before. */
  static async load(name, opts = {}) {
    argCheck(opts && typeof opts === 'object', 'WorkerTrainer.load: options must be an object');
    const { store: storeOpt, version, classNames, head, ...rest } = opts;
    const store = await resolveStore(storeOpt);
    const rec = await store.load(name, { version });
    const meta = rec.meta ?? {};
    const names = classNames ?? (head ? undefined : meta.classNames); // a new head: new classes
    return WorkerTrainer.create({
      model: { checkpoint: rec.checkpoint ?? rec.weights, ...(names ? { classNames: names } : {}), ...(head !== undefined ? { head } : {}) },
      trainer: rest.trainer ?? meta.trainer ?? undefined,
      wasm: rest.wasm,
      simd: rest.simd,
      worker: rest.worker,
    });
  }

  #adopt(r) {
    this.inputShape = Object.freeze(r.inputShape);
    this.numClasses = r.numClasses;
    this.paramCount = r.paramCount;
    this.classNames = r.classNames ? Object.freeze(r.classNames) : null;
    this.kernelName = r.kernelName;
    this.build = r.build;
    this.spec = r.spec;
    /** The model's input shape and classes (as a Trainer's model has them). */
    this.model = Object.freeze({ inputShape: this.inputShape, numClasses: r.numClasses, paramCount: r.paramCount });
  }

  #call(op, args, options) {
    return this.#rpc.call(op, args, options);
  }

  /** Sends a data set to the worker once; later calls with the same object reuse it. */
  async #data(d, what, transfer) {
    if (d === undefined) return undefined;
    argCheck(d && typeof d === 'object' && d.images && d.labels && d.shape,
      `${what}: data must be a data set (wt.data.*) or { images, labels, shape, numClasses, classNames }, got ${describe(d)}`);
    const known = this.#dataIds.get(d);
    if (known) return known;
    const ref = this.#nextData++;
    const ds = d instanceof Dataset;
    const args = {
      ref, images: d.images, labels: d.labels, shape: [...d.shape], numClasses: d.numClasses,
      classNames: d.classNames ? [...d.classNames] : undefined,
      mean: ds ? d._mean ?? undefined : d.mean, std: ds ? d._std ?? undefined : d.std,
      layout: ds ? 'hwc' : d.layout,
    };
    argCheck(args.images instanceof Uint8Array || args.images instanceof Uint8ClampedArray,
      `${what}: data.images must be a Uint8Array, got ${describe(args.images)}`);
    const list = transfer ? [...new Set([args.images.buffer, args.labels.buffer])].filter((b) => b instanceof ArrayBuffer) : [];
    await this.#call('data', args, { transfer: list });
    this.#dataIds.set(d, ref);
    return ref;
  }

  /**
   * Trains in the worker. options: Trainer.fit's (epochs, batchSize, dropLast, shuffle,
   * validation, onProgress, checkpoint (Node: a path)) plus resume: true (continue from the
   * checkpoint of load() / restore()), autosave: { name, everySteps | everyEpoch, store? } and
   * transfer: true (move the data buffers to the worker instead of copying them once).
   * Resolves to { history, seconds, stopped: false, steps } or, after stop(),
   * { stopped: true, history, steps }.
   */
  async fit(data, options = {}) {
    argCheck(options && typeof options === 'object', 'WorkerTrainer.fit: options must be an object');
    const { onProgress, validation, transfer, signal, ...rest } = options;
    argCheck(onProgress === undefined || typeof onProgress === 'function', 'WorkerTrainer.fit: onProgress must be a function');
    argCheck(signal === undefined, 'WorkerTrainer.fit: use stop() instead of a signal');
    argCheck(rest.onStep === undefined, 'WorkerTrainer.fit: onStep runs in the worker; use onProgress');
    if (rest.resume instanceof Uint8Array) rest.resume = rest.resume.slice();
    const dataRef = await this.#data(data, 'WorkerTrainer.fit', transfer);
    const valRef = await this.#data(validation, 'WorkerTrainer.fit (validation)', transfer);
    return this.#call('fit', { data: dataRef, validation: valRef, options: rest }, { onProgress });
  }

  /** Parks the running fit after its current step; resolves once it is parked. */
  pause() { return this.#call('pause'); }

  /** Lets a paused fit continue. */
  resume() { return this.#call('resume'); }

  /** Ends the running fit after its current step; fit resolves with { stopped: true, ... }. */
  stop() { return this.#call('stop'); }

  /** Trainer.evaluate in the worker: { loss, accuracy, top5, perClass, confusion, count }. */
  async evaluate(data, options) {
    const ref = await this.#data(data, 'WorkerTrainer.evaluate');
    return this.#call('evaluate', { data: ref, options });
  }

  /**
   * Top-k [{ label, className, probability }] (best first) per image; works during and while
   * paused. input: a canvas, OffscreenCanvas, <img>, ImageBitmap, <video>, Blob, ImageData(-like)
   * (one, or an array: an array of results), normalised Float32Array input (N*C*H*W), or a
   * data set. options: { topK = 5, fit }.
   */
  async predict(input, options = {}) {
    argCheck(options && typeof options === 'object', 'WorkerTrainer.predict: options must be an object');
    const { fit, ...rest } = options;
    if (input instanceof Dataset || (input && input.labels && input.shape && input.images)) {
      return this.#call('predict', { data: await this.#data(input, 'WorkerTrainer.predict'), options: rest });
    }
    const one = async (x) => (x instanceof Float32Array ? x
      : isDrawable(x) || isBlob(x) || (isImageLike(x) && (x.width !== this.inputShape[2] || x.height !== this.inputShape[1]))
        ? toInput(x, { shape: [...this.inputShape], fit })
        : x);
    const arg = Array.isArray(input) ? await Promise.all(input.map(one)) : await one(input);
    return this.#call('predict', { input: arg, options: rest });
  }

  /** The checkpoint bytes now (mid-epoch while a fit runs or is paused). */
  checkpoint() { return this.#call('checkpoint'); }

  /** Restores checkpoint bytes; fit(data, { resume: true }) continues that run. */
  async restore(bytes) {
    argCheck(bytes instanceof Uint8Array, `WorkerTrainer.restore: bytes must be a Uint8Array, got ${describe(bytes)}`);
    this.#adopt(await this.#call('restore', { bytes }));
  }

  /** The model's weights as a safetensors file (PyTorch state_dict names); its __metadata__
      also holds the normalisation and class names (JSON strings 'normalization', 'classNames')
      when the trainer has them, so create/load of the file alone predicts from pixels. */
  exportWeights() { return this.#call('exportWeights'); }

  /** Saves the checkpoint now under `name` in the IndexedDB store (opts.store: a store or its
      name). Resolves to the saved record's { name, savedAt, bytes }. */
  async save(name, { store } = {}) {
    argCheck(typeof name === 'string' && name.length > 0, `WorkerTrainer.save: name must be a non-empty string, got ${describe(name)}`);
    const s = await resolveStore(store);
    const [checkpoint, meta] = await Promise.all([this.checkpoint(), this.#call('meta')]);
    return s.save(name, { checkpoint, meta });
  }

  /** Stops the worker; every pending call rejects. */
  async terminate() {
    await this.#rpc.close('WorkerTrainer: terminated');
  }
}

async function resolveStore(store) {
  if (store && typeof store === 'object' && typeof store.save === 'function') return store;
  argCheck(store === undefined || typeof store === 'string', `store must be a store from openStore() or its name, got ${describe(store)}`);
  return openStore(store === undefined ? {} : { name: store });
}
