// loader.js - the data loader: the per-epoch shuffle (the engine's seeded RNG, wt_data_shuffle),
// batching (drop-last optional) and, per sample, the augmentation pipeline ending in ToTensor +
// Normalize (+ Cutout / RandomErasing on the float tensor), one wasm call per batch
// (wt_data_batch). Also here: the `augment` options of the Trainer, turned into pipeline steps.
// Not here: batch tricks (the training step), the data sets (dataset.js), running ahead of the
// step (prefetch.js).
//
// Randomness for training is counter-based: a run's data seed (fit draws it once from the
// model's RNG) and the epoch give the shuffle, and (seed, epoch, batch b) give batch b's
// augmentation draws: the loader's own context is reseeded with dataStreamSeed(seed, epoch,
// slot) (slot 0: the shuffle, slot b + 1: batch b) before each. So the data never shares an RNG
// stream with the step (mixup, dropout), any thread or instance can produce batch b of an epoch
// (prefetch.js does, in a worker) with the same bits, and a mid-epoch resume needs only the
// seed. Evaluation loaders take a context and draw nothing (their steps are deterministic).
// The per-slot seed is two rounds of splitmix64's output function (Steele, Lea and Flood 2014)
// over (seed, epoch, slot), fed to PCG32's ordinary seeding (stream 0): no ABI change, and
// neighbouring slots start from unrelated states rather than from PCG's correlated same-seed
// streams.

import { WasmTricksError, argCheck, describe } from './errors.js';
import { enums } from './runtime.js';


/** The augmentation options the Trainer takes, in pipeline order. */
export const AUGMENT_KEYS = Object.freeze(['randomResizedCrop', 'randomCrop', 'hflip', 'vflip',
  'autoAugment', 'randAugment', 'trivialAugment', 'cutout', 'randomErasing']);

const opt = (v, dflt) => (v === true || v === undefined ? dflt : { ...dflt, ...v });

function known(o, keys, what) {
  argCheck(o !== null && typeof o === 'object' && !Array.isArray(o), `${what} must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) {
    argCheck(keys.includes(k), `${what}: unknown option '${k}' (known: ${keys.join(', ')})`);
  }
}

/**
 * Validates the Trainer's `augment` option ({ randomCrop: { padding: 4 }, hflip: true,
 * autoAugment: 'cifar10', cutout: 16, ... }) into a normalised object (false / absent: off).
 */
export function parseAugment(a) {
  if (a === undefined || a === null || a === false) return {};
  known(a, AUGMENT_KEYS, 'Trainer: augment');
  const out = {};
  const on = (k) => a[k] !== undefined && a[k] !== false && a[k] !== null;
  const num = (v, name, ok, rule) => {
    argCheck(typeof v === 'number' && Number.isFinite(v) && ok(v), `Trainer: augment.${name} must be ${rule}, got ${describe(v)}`);
    return v;
  };
  if (on('randomResizedCrop')) {
    const o = opt(a.randomResizedCrop, { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
    known(o, ['scale', 'ratio'], 'Trainer: augment.randomResizedCrop');
    out.randomResizedCrop = o;
  }
  if (on('randomCrop')) {
    const o = typeof a.randomCrop === 'number' ? { padding: a.randomCrop } : opt(a.randomCrop, { padding: 4 });
    known(o, ['padding'], 'Trainer: augment.randomCrop');
    num(o.padding, 'randomCrop.padding', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    out.randomCrop = o;
  }
  for (const k of ['hflip', 'vflip']) {
    if (!on(k)) continue;
    const o = typeof a[k] === 'number' ? { p: a[k] } : opt(a[k], { p: 0.5 });
    known(o, ['p'], `Trainer: augment.${k}`);
    num(o.p, `${k}.p`, (v) => v >= 0 && v <= 1, 'in [0, 1]');
    out[k] = o;
  }
  const policies = ['autoAugment', 'randAugment', 'trivialAugment'].filter(on);
  argCheck(policies.length <= 1, `Trainer: augment: choose one of autoAugment, randAugment, trivialAugment, got ${policies.join(' and ')}`);
  if (on('autoAugment')) {
    const o = typeof a.autoAugment === 'string' ? { policy: a.autoAugment } : opt(a.autoAugment, { policy: 'imagenet' });
    known(o, ['policy'], 'Trainer: augment.autoAugment');
    argCheck(Object.hasOwn(enums.wt_aug_policy ?? {}, o.policy), `Trainer: augment.autoAugment policy must be 'imagenet', 'cifar10' or 'svhn', got ${describe(o.policy)}`);
    out.autoAugment = o;
  }
  if (on('randAugment')) {
    const o = opt(a.randAugment, { numOps: 2, magnitude: 9, numMagnitudeBins: 31 });
    known(o, ['numOps', 'magnitude', 'numMagnitudeBins'], 'Trainer: augment.randAugment');
    out.randAugment = o;
  }
  if (on('trivialAugment')) {
    const o = opt(a.trivialAugment, { numMagnitudeBins: 31 });
    known(o, ['numMagnitudeBins'], 'Trainer: augment.trivialAugment');
    out.trivialAugment = o;
  }
  if (on('cutout')) {
    const o = typeof a.cutout === 'number' ? { length: a.cutout } : opt(a.cutout, { length: 16 });
    known(o, ['length', 'holes'], 'Trainer: augment.cutout');
    num(o.length, 'cutout.length', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
    out.cutout = { holes: 1, ...o };
  }
  if (on('randomErasing')) {
    const o = typeof a.randomErasing === 'number' ? { p: a.randomErasing } : opt(a.randomErasing, {});
    known(o, ['p', 'scale', 'ratio', 'value'], 'Trainer: augment.randomErasing');
    out.randomErasing = { p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 0, ...o };
  }
  return out;
}

/**
 * Pipeline steps (plain objects) for data of shape dataShape feeding a model of inputShape:
 * a Resize + CenterCrop when the extents differ, the training augmentations (train only), then
 * ToTensor + Normalize and the float-side ones.
 */
export function buildSteps(augment, { dataShape, inputShape, mean, std, train }) {
  const [C, H, W] = dataShape;
  const [MC, MH, MW] = inputShape;
  if (MC > C || (MC !== C && !(C === 4 && MC === 3))) {
    throw new WasmTricksError('WT_ERR_SHAPE', `the data has ${C} channels but the model takes ${MC}`);
  }
  const steps = [];
  if (train && augment.randomResizedCrop) {
    const { scale, ratio } = augment.randomResizedCrop;
    steps.push({ kind: 'randomResizedCrop', size: [MH, MW], scale, ratio, interp: 'bilinear' });
  } else if (H !== MH || W !== MW) {
    steps.push({ kind: 'resize', size: [Math.min(MH, MW), 0], interp: 'bilinear' });
    steps.push({ kind: 'centerCrop', size: [MH, MW] });
  }
  if (train) {
    if (augment.randomCrop) steps.push({ kind: 'randomCrop', size: [MH, MW], padding: augment.randomCrop.padding });
    if (augment.hflip) steps.push({ kind: 'hflip', p: augment.hflip.p });
    if (augment.vflip) steps.push({ kind: 'vflip', p: augment.vflip.p });
    if (augment.autoAugment) steps.push({ kind: 'autoAugment', policy: augment.autoAugment.policy });
    if (augment.randAugment) steps.push({ kind: 'randAugment', ...augment.randAugment });
    if (augment.trivialAugment) steps.push({ kind: 'trivialAugment', ...augment.trivialAugment });
  }
  steps.push({ kind: 'toTensor', outC: MC, mean, std });
  if (train && augment.cutout) steps.push({ kind: 'cutout', holes: augment.cutout.holes, length: augment.cutout.length });
  if (train && augment.randomErasing) steps.push({ kind: 'erasing', ...augment.randomErasing });
  return steps;
}

/** Packs steps into an array of step records (src/wasm/records.h), written by field name. */
export function packSteps(rt, steps) {
  const size = rt.layouts.step.size;
  const r = new Float64Array(steps.length * size);
  const four = (v) => [0, 1, 2, 3].map((i) => v[Math.min(i, v.length - 1)] ?? 0);
  steps.forEach((s, k) => {
    const erasing = s.kind === 'erasing';
    const random = erasing && s.value === 'random';
    rt.record('step', {
      kind: s.kind, p: s.p, size_h: s.size?.[0], size_w: s.size?.[1], padding: s.padding,
      scale: s.scale, ratio: s.ratio, interp: s.interp, policy: s.policy, num_ops: s.numOps,
      magnitude_bin: s.magnitude, num_bins: s.numMagnitudeBins, out_C: s.outC,
      mean: s.mean && four(s.mean), std: s.mean && four(s.std), n_holes: s.holes, length: s.length,
      erase_mode: erasing ? (random ? 'random' : 'const') : undefined,
      value: erasing && !random ? four(typeof s.value === 'number' ? [s.value] : s.value) : undefined,
    }, r, k * size);
  });
  return r;
}

const M64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const mix64 = (z) => {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
};

/** The 64-bit RNG seed (a BigInt) of slot `slot` of epoch `epoch` of a run whose data seed is
    `seed` (integers >= 0): slot 0 shuffles the epoch, slot b + 1 augments its batch b. */
export function dataStreamSeed(seed, epoch, slot) {
  const z = mix64((BigInt(seed) + GOLDEN * BigInt(epoch + 1)) & M64);
  return mix64((z + GOLDEN * BigInt(slot + 1)) & M64);
}

/** Batches of one data set. dispose() frees its wasm buffers (and its own context). */
export class Loader {
  /**
   * @param rt the runtime; ctx the context for evaluation loaders (draws nothing), or null:
   *   the loader makes its own, reseeded per epoch and batch (training; see startEpoch)
   * @param dataset a Dataset (or { images, labels, shape, length }); steps from buildSteps
   */
  constructor(rt, ctx, dataset, { batchSize, shuffle = false, dropLast = false, steps }) {
    argCheck(Number.isInteger(batchSize) && batchSize >= 1, `batchSize must be a positive integer, got ${describe(batchSize)}`);
    this.rt = rt;
    this.ownCtx = ctx === null;
    this.ctx = ctx ?? rt.createContext(0);
    this.data = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    const [C, H, W] = dataset.shape;
    this.inBytes = C * H * W;
    const n = dataset.length;
    this.numBatches = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    this.numSamples = dropLast ? this.numBatches * batchSize : n;
    this.steps = steps;
    this.rec = packSteps(rt, steps);
    this.nSteps = steps.length;
    // Wasm blocks, made at first use (a loader whose batches a worker makes needs none).
    this._p = { rec: 0, src: 0, out: 0, idx: 0 };
    try {
      if (this.numBatches === 0) {
        throw new WasmTricksError('WT_ERR_ARG', `the data set has ${n} samples, fewer than one batch of ${batchSize} (dropLast)`);
      }
      this._p.rec = rt.copyIn(this.rec, 'pipeline steps');
      this.outShape = rt.withStack((salloc) => {
        const o = salloc(12);
        rt.check(rt.exports.wt_wasm_data_batch_shape(this.ctx, this._p.rec, this.nSteps, H, W, C, o), this.ctx, 'loader');
        return Array.from(rt.i32.subarray(o >> 2, (o >> 2) + 3));
      });
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.outFloats = this.outShape[0] * this.outShape[1] * this.outShape[2];
    this.order = null;
    this.stream = null;
    this.x = null;
    this.y = null;
  }

  _alloc() {
    if (this.x) return;
    const rt = this.rt;
    if (!this._p.src) this._p.src = rt.alloc(this.batchSize * this.inBytes, 'batch images');
    if (!this._p.out) this._p.out = rt.alloc(this.batchSize * this.outFloats * 4, 'batch tensors');
    this.x = new Float32Array(this.batchSize * this.outFloats);
    this.y = new Int32Array(this.batchSize);
  }

  /** The context's RNG at slot `slot` of the epoch's stream (training loaders). */
  _reseed(slot) {
    if (this.stream) this.rt.seedContext(this.ctx, dataStreamSeed(this.stream.seed, this.stream.epoch, slot));
  }

  /**
   * Starts an epoch: { seed, epoch } (training: the run's data seed, an integer in [0, 2^53),
   * and the epoch's index) fixes its order and augmentation draws; without them (evaluation)
   * the order is the identity and nothing is reseeded.
   */
  startEpoch({ seed, epoch = 0 } = {}) {
    const n = this.data.length;
    this.stream = seed === undefined ? null : { seed, epoch };
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    if (!this.shuffle) return;
    argCheck(this.stream, 'loader: a shuffled epoch needs startEpoch({ seed, epoch })');
    const rt = this.rt;
    if (!this._p.idx) this._p.idx = rt.alloc(n * 4, 'shuffle order');
    rt.i32.set(this.order, this._p.idx >> 2);
    this._reseed(0);
    rt.check(rt.exports.wt_wasm_data_shuffle(this.ctx, this._p.idx, n), this.ctx, 'shuffle');
    this.order = rt.i32.slice(this._p.idx >> 2, (this._p.idx >> 2) + n);
  }

  /**
   * Batch b of the epoch: { x: Float32Array, labels: Int32Array, n } - views of `out` ({ x,
   * labels } with room for batchSize samples) when given, else of arrays the next call reuses.
   */
  batch(b, out) {
    this._alloc();
    const rt = this.rt;
    const B = this.batchSize;
    const start = b * B;
    const m = Math.min(B, this.data.length - start);
    const per = this.inBytes;
    const imgs = this.data.images;
    const labels = out?.labels ?? this.y;
    const u8 = rt.u8;
    for (let j = 0; j < m; j++) {
      const k = this.order[start + j];
      u8.set(imgs.subarray(k * per, (k + 1) * per), this._p.src + j * per);
      labels[j] = this.data.labels[k];
    }
    const [C, H, W] = this.data.shape;
    this._reseed(b + 1);
    rt.check(rt.exports.wt_wasm_data_batch(this.ctx, this._p.rec, this.nSteps, this._p.src, m, H, W, C, this._p.out), this.ctx, 'loader');
    const x = (out?.x ?? this.x).subarray(0, m * this.outFloats);
    x.set(rt.f32.subarray(this._p.out >> 2, (this._p.out >> 2) + m * this.outFloats));
    return { x, labels: labels.subarray(0, m), n: m };
  }

  dispose() {
    for (const k of Object.keys(this._p)) {
      this.rt.free(this._p[k]);
      this._p[k] = 0;
    }
    if (this.ownCtx) this.rt.destroyContext(this.ctx);
  }
}
