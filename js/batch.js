// batch.js - the batch tricks behind wt.batch, computed by the C engine (src/augment/batch/)
// with the official semantics: mixup (facebookresearch/mixup-cifar10), CutMix
// (clovaai/CutMix-PyTorch) and RICAP (jackryo/ricap) over a batch of normalised NCHW float
// images, returning the mixed images, the soft targets N x numClasses (for
// wt.loss.crossEntropy) and the parameters used, which wt.batch.mixedAccuracy turns into the
// accuracy the official code reports. Random draws come from the engine's seeded RNG: `seed`
// makes a call reproducible; without it the module's RNG continues. Explicit parameters
// (lambda / box / boundary + offsets, with permutations) skip the draws. Each call frees every
// wasm allocation it made, even when it throws. Not here: training with them (the Trainer).

import { WasmTricksError, argCheck, describe } from './errors.js';

import { enums, enumNames } from './runtime.js';
const COMMON = ['numClasses', 'shape', 'seed', 'labelSmoothing'];
const OPTIONS = {
  mixup: new Set([...COMMON, 'alpha', 'lambda', 'permutation']),
  cutmix: new Set([...COMMON, 'alpha', 'prob', 'box', 'permutation']),
  ricap: new Set([...COMMON, 'beta', 'boundary', 'offsets', 'permutations']),
};

const isInt = (v) => Number.isInteger(v);

function checkOptions(fn, options, known) {
  argCheck(options !== null && typeof options === 'object' && !Array.isArray(options),
    `${fn}: options must be an object with numClasses and shape, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    argCheck(known.has(key), `${fn}: unknown option '${key}' (known: ${[...known].join(', ')})`);
  }
}

/** N, C, H, W, K of a call, with the inputs' types and lengths checked. */
function batchDims(fn, images, labels, options) {
  const { numClasses: K, shape } = options;
  argCheck(isInt(K) && K >= 1, `${fn}: numClasses must be a positive integer, got ${describe(K)}`);
  argCheck(Array.isArray(shape) && shape.length === 3 && shape.every((v) => isInt(v) && v >= 1),
    `${fn}: shape must be [C, H, W] of positive integers, got ${describe(shape)}`);
  argCheck(labels instanceof Int32Array && labels.length >= 1,
    `${fn}: labels must be a non-empty Int32Array, got ${describe(labels)}`);
  argCheck(images instanceof Float32Array, `${fn}: images must be a Float32Array (N*C*H*W), got ${describe(images)}`);
  const [C, H, W] = shape;
  const N = labels.length;
  if (images.length !== N * C * H * W) {
    throw new WasmTricksError('WT_ERR_SHAPE',
      `${fn}: images has length ${images.length}, expected N*C*H*W = ${N}*${C}*${H}*${W} = ${N * C * H * W} (N = labels.length)`);
  }
  return { N, C, H, W, K };
}

function intArray(fn, name, v, n) {
  argCheck((v instanceof Int32Array || Array.isArray(v)) && v.length === n &&
    Array.prototype.every.call(v, (x) => isInt(x)),
  `${fn}: ${name} must be an Int32Array or array of ${n} integers, got ${describe(v)}`);
  return Int32Array.from(v);
}

export function makeBatch(rt, moduleCtx) {
  const readF32 = (p, n) => rt.f32.slice(p >>> 2, (p >>> 2) + n);
  const readI32 = (p, n) => rt.i32.slice(p >>> 2, (p >>> 2) + n);
  const readF64 = (p, n) => new Float64Array(rt.memory.buffer, p, n).slice();

  /** The params object (JS names) of a batch record (src/wasm/records.h) and its permutations. */
  function unpack(record, perm, N, labels, K, shape) {
    const r = rt.readRecord('batch', record);
    const trick = enumNames('wt_batch_trick')[r.trick];
    const nParts = r.n_parts;
    const permutations = [];
    for (let k = 0; k < nParts; k++) permutations.push(perm.slice(k * N, (k + 1) * N));
    const params = { trick, weights: r.weight.slice(0, nParts), permutations };
    if (trick === 'mixup' || trick === 'cutmix') {
      params.lambda = r.lambda;
      params.permutation = permutations[1];
    }
    if (trick === 'cutmix') {
      params.lambdaDrawn = r.lambda_drawn;
      params.center = { x: r.center[0], y: r.center[1] };
      const [x0, y0, x1, y1] = r.box;
      params.box = { x0, y0, x1, y1 };
    }
    if (trick === 'ricap') {
      params.boundary = { w: r.boundary[0], h: r.boundary[1] };
      params.offsets = [0, 1, 2, 3].map((k) => [r.offset[2 * k], r.offset[2 * k + 1]]);
    }
    params.labels = labels.slice();
    params.numClasses = K;
    params.shape = shape.slice();
    return Object.freeze(params);
  }

  /** The record and the 4*N permutation block of a params object (mixedAccuracy). */
  function pack(fn, params) {
    argCheck(params !== null && typeof params === 'object' && Object.hasOwn(enums.wt_batch_trick, params.trick) &&
      params.labels instanceof Int32Array && Array.isArray(params.permutations) && Array.isArray(params.weights) &&
      Array.isArray(params.shape),
    `${fn}: params must be the params of a wt.batch call, got ${describe(params)}`);
    const N = params.labels.length;
    const { center, box, boundary, offsets } = params;
    const rec = rt.record('batch', {
      trick: params.trick, n_parts: params.permutations.length, weight: params.weights,
      lambda: params.lambda ?? 1, lambda_drawn: params.lambdaDrawn ?? params.lambda ?? 1,
      center: center && [center.x, center.y], box: box && [box.x0, box.y0, box.x1, box.y1],
      boundary: boundary && [boundary.w, boundary.h], offset: offsets?.flat(), N,
      ...(params.trick === 'mixup' || params.trick === 'none' ? {} : { H: params.shape[1], W: params.shape[2] }),
    });
    const perm = new Int32Array(4 * N);
    params.permutations.forEach((p, k) => perm.set(intArray(fn, `params.permutations[${k}]`, p, N), k * N));
    return { rec, perm, N };
  }

  /**
   * One call: draws (or sets) the parameters, mixes the images, writes the targets.
   * explicit: null to sample, or { fields (a batch record's, by name), src: Int32Array } for the setter.
   */
  function run(fn, images, labels, options, sample, explicit) {
    const { N, C, H, W, K } = batchDims(fn, images, labels, options);
    const { labelSmoothing = 0, seed } = options;
    argCheck(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing <= 1,
      `${fn}: labelSmoothing must be a number in [0, 1], got ${describe(labelSmoothing)}`);
    argCheck(seed === undefined || (isInt(seed) && seed >= 0) || typeof seed === 'bigint',
      `${fn}: seed must be a non-negative integer, got ${describe(seed)}`);
    const e = rt.exports;
    let ctx = moduleCtx, pX = 0, pOut = 0, pLabels = 0, pTargets = 0, pPerm = 0, pRec = 0, pIn = 0, pSrc = 0;
    try {
      if (seed !== undefined && !explicit) ctx = rt.createContext(seed);
      pX = rt.copyIn(images, 'images');
      pLabels = rt.copyIn(labels, 'labels');
      pOut = rt.alloc(images.length * 4, 'mixed images');
      pTargets = rt.alloc(N * K * 4, 'targets');
      pPerm = rt.alloc(4 * N * 4, 'permutations');
      pRec = rt.alloc(rt.layouts.batch.size * 8, 'params');
      if (explicit) {
        pIn = rt.copyIn(rt.record('batch', explicit.fields), 'params');
        pSrc = rt.copyIn(explicit.src, 'permutations');
        rt.check(e.wt_wasm_batch_params(ctx, N, H, W, pIn, pSrc, pPerm, pRec), ctx, fn);
      } else {
        const [mix, cut, ricap, prob] = sample;
        rt.check(e.wt_wasm_batch_sample(ctx, mix, cut, ricap, prob, 0.5, N, H, W, pPerm, pRec), ctx, fn);
      }
      rt.check(e.wt_wasm_batch_apply(ctx, pRec, pPerm, C, H, W, pX, pOut), ctx, fn);
      rt.check(e.wt_wasm_batch_targets(ctx, pRec, pPerm, K, pLabels, labelSmoothing, pTargets), ctx, fn);
      const rec = readF64(pRec, rt.layouts.batch.size);
      return {
        images: readF32(pOut, images.length),
        targets: readF32(pTargets, N * K),
        params: unpack(rec, readI32(pPerm, 4 * N), N, labels, K, options.shape),
      };
    } finally {
      for (const p of [pSrc, pIn, pRec, pPerm, pTargets, pOut, pLabels, pX]) rt.free(p);
      if (ctx !== moduleCtx) rt.destroyContext(ctx);
    }
  }

  const num = (fn, name, v, ok, what) => {
    argCheck(typeof v === 'number' && Number.isFinite(v) && ok(v), `${fn}: ${name} must be ${what}, got ${describe(v)}`);
    return v;
  };

  /**
   * mixup: lambda ~ Beta(alpha, alpha) (default alpha 1; 0: no mixing), a random partner
   * permutation; images = lambda x + (1 - lambda) x[perm]. Explicit: { lambda, permutation }.
   */
  function mixup(images, labels, options) {
    const fn = 'batch.mixup';
    checkOptions(fn, options, OPTIONS.mixup);
    const { alpha = 1, lambda, permutation } = options;
    if (lambda !== undefined || permutation !== undefined) {
      num(fn, 'lambda', lambda, (v) => v >= 0 && v <= 1, 'a number in [0, 1] (given with permutation)');
      const src = intArray(fn, 'permutation', permutation, labels?.length ?? 0);
      return run(fn, images, labels, options, null, { fields: { trick: 'mixup', lambda }, src });
    }
    num(fn, 'alpha', alpha, (v) => v >= 0, 'a finite number >= 0');
    return run(fn, images, labels, options, [alpha, 0, 0, 1]);
  }

  /**
   * CutMix: with probability prob (default 1), lambda ~ Beta(alpha, alpha) (default 1), a box
   * of area about (1 - lambda) H W centred uniformly and clipped, pasted from x[perm]; lambda
   * recomputed from the box. Explicit: { box: { x0, y0, x1, y1 }, permutation }.
   */
  function cutmix(images, labels, options) {
    const fn = 'batch.cutmix';
    checkOptions(fn, options, OPTIONS.cutmix);
    const { alpha = 1, prob = 1, box, permutation } = options;
    if (box !== undefined || permutation !== undefined) {
      argCheck(box !== null && typeof box === 'object' && ['x0', 'y0', 'x1', 'y1'].every((k) => isInt(box[k])),
        `${fn}: box must be { x0, y0, x1, y1 } integers (given with permutation), got ${describe(box)}`);
      const src = intArray(fn, 'permutation', permutation, labels?.length ?? 0);
      return run(fn, images, labels, options, null, { fields: { trick: 'cutmix', box: [box.x0, box.y0, box.x1, box.y1] }, src });
    }
    num(fn, 'alpha', alpha, (v) => v > 0, 'a finite number > 0');
    num(fn, 'prob', prob, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    return run(fn, images, labels, options, [0, alpha, 0, prob]);
  }

  /**
   * RICAP: boundary w = round(W Beta(beta, beta)), h = round(H Beta(beta, beta)) (default beta
   * 0.3); four parts (0 top-left, 1 below it, 2 right of 0, 3 bottom-right), each a crop of its
   * own permutation at one offset per part. Explicit: { boundary: { w, h }, offsets: [[x, y] x 4],
   * permutations: [4 x N] }.
   */
  function ricap(images, labels, options) {
    const fn = 'batch.ricap';
    checkOptions(fn, options, OPTIONS.ricap);
    const { beta = 0.3, boundary, offsets, permutations } = options;
    if (boundary !== undefined || offsets !== undefined || permutations !== undefined) {
      argCheck(boundary !== null && typeof boundary === 'object' && isInt(boundary.w) && isInt(boundary.h),
        `${fn}: boundary must be { w, h } integers (given with offsets and permutations), got ${describe(boundary)}`);
      argCheck(Array.isArray(offsets) && offsets.length === 4 &&
        offsets.every((o) => Array.isArray(o) && o.length === 2 && o.every(isInt)),
      `${fn}: offsets must be 4 [x, y] integer pairs, got ${describe(offsets)}`);
      argCheck(Array.isArray(permutations) && permutations.length === 4,
        `${fn}: permutations must be an array of 4 permutations, got ${describe(permutations)}`);
      const N = labels?.length ?? 0;
      const src = new Int32Array(4 * N);
      permutations.forEach((p, k) => src.set(intArray(fn, `permutations[${k}]`, p, N), k * N));
      return run(fn, images, labels, options, null,
        { fields: { trick: 'ricap', boundary: [boundary.w, boundary.h], offset: offsets.flat() }, src });
    }
    num(fn, 'beta', beta, (v) => v > 0, 'a finite number > 0');
    return run(fn, images, labels, options, [0, 0, beta, 1]);
  }

  /**
   * The accuracy the official code reports for a mixed batch: sum_k weights[k] *
   * mean_i [argmax(logits_i) == labels[permutations[k][i]]] (mixup/CutMix: lambda acc(y) +
   * (1 - lambda) acc(y[perm]); RICAP: area-weighted). logits: Float32Array N*numClasses.
   */
  function mixedAccuracy(logits, params) {
    const fn = 'batch.mixedAccuracy';
    const { rec, perm, N } = pack(fn, params);
    const K = params.numClasses;
    argCheck(logits instanceof Float32Array, `${fn}: logits must be a Float32Array (N*numClasses), got ${describe(logits)}`);
    if (logits.length !== N * K) {
      throw new WasmTricksError('WT_ERR_SHAPE', `${fn}: logits has length ${logits.length}, expected N*numClasses = ${N}*${K}`);
    }
    let pRec = 0, pPerm = 0, pLogits = 0, pLabels = 0, pAcc = 0;
    try {
      pRec = rt.copyIn(rec, 'params');
      pPerm = rt.copyIn(perm, 'permutations');
      pLogits = rt.copyIn(logits, 'logits');
      pLabels = rt.copyIn(params.labels, 'labels');
      pAcc = rt.alloc(8, 'accuracy');
      rt.check(rt.exports.wt_wasm_batch_accuracy(moduleCtx, pRec, pPerm, K, pLogits, pLabels, pAcc), moduleCtx, fn);
      return readF64(pAcc, 1)[0];
    } finally {
      for (const p of [pAcc, pLabels, pLogits, pPerm, pRec]) rt.free(p);
    }
  }

  return Object.freeze({ mixup, cutmix, ricap, mixedAccuracy });
}

/**
 * The batch tricks as wt.augment names them (the batch-tricks issue): one batch object in, the
 * mixed batch, its soft targets and the drawn parameters out, on top of wt.batch.
 *   batch = { images: Float32Array (N*C*H*W), labels: Int32Array (N), shape: [N, C, H, W], numClasses }
 *     -> { images: Float32Array, targets, ...details }
 *   batch = { images: [ImageData-like, ...] (same size), labels, numClasses }   (demos)
 *     -> { images: [ImageData-like, ...] of the same kind, targets, ...details }
 * details: mixup { lambda, permutation }; cutmix { lambda, permutation, box: { x0, y0, x1, y1 } };
 * ricap { boundary: { w, h }, permutations, offsets, weights }; all of them also `params`, which
 * wt.batch.mixedAccuracy takes. Image mode mixes the pixels as floats in [0, 255] (alpha
 * included) and rounds back to bytes.
 */
export function makeBatchAugment(batchApi) {
  function toTensor(fn, batch) {
    argCheck(batch !== null && typeof batch === 'object', `${fn}: batch must be an object, got ${describe(batch)}`);
    const { images, labels, numClasses, shape } = batch;
    const lab = Array.isArray(labels) ? Int32Array.from(labels) : labels;
    if (!Array.isArray(images)) {
      argCheck(Array.isArray(shape) && shape.length === 4,
        `${fn}: batch.shape must be [N, C, H, W] with Float32Array images, got ${describe(shape)}`);
      return { x: images, labels: lab, numClasses, shape: shape.slice(1), toImages: (y) => y };
    }
    argCheck(images.length >= 1, `${fn}: batch.images is an empty array`);
    const first = images[0];
    argCheck(first && Number.isInteger(first.width) && Number.isInteger(first.height) && first.data,
      `${fn}: batch.images[0] must be ImageData-like { data, width, height }, got ${describe(first)}`);
    const { width: W, height: H } = first;
    const C = first.data.length / (W * H);
    argCheck([1, 3, 4].includes(C), `${fn}: batch.images[0] has ${first.data.length} bytes for ${W}x${H}: not 1, 3 or 4 channels`);
    const plane = W * H;
    const x = new Float32Array(images.length * C * plane);
    images.forEach((img, n) => {
      argCheck(img && img.width === W && img.height === H && img.data && img.data.length === C * plane,
        `${fn}: batch.images[${n}] must be ${W}x${H} with ${C} channels like batch.images[0]`);
      for (let i = 0; i < plane; i++) for (let c = 0; c < C; c++) x[(n * C + c) * plane + i] = img.data[i * C + c];
    });
    const toImages = (y) => images.map((img, n) => {
      const data = new img.data.constructor(C * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < C; c++) data[i * C + c] = Math.round(y[(n * C + c) * plane + i]);
      return { data, width: W, height: H };
    });
    return { x, labels: lab, numClasses, shape: [C, H, W], toImages };
  }

  function call(name, batch, options = {}) {
    const fn = `augment.${name}`;
    argCheck(options !== null && typeof options === 'object', `${fn}: options must be an object, got ${describe(options)}`);
    const t = toTensor(fn, batch);
    const r = batchApi[name](t.x, t.labels, { ...options, numClasses: t.numClasses, shape: t.shape });
    const p = r.params;
    const details = name === 'ricap'
      ? { boundary: p.boundary, permutations: p.permutations, offsets: p.offsets, weights: p.weights }
      : { lambda: p.lambda, permutation: p.permutation, ...(name === 'cutmix' && p.box ? { box: p.box } : {}) };
    return { images: t.toImages(r.images), targets: r.targets, ...details, params: p };
  }

  return {
    mixup: (batch, options) => call('mixup', batch, options),
    cutmix: (batch, options) => call('cutmix', batch, options),
    ricap: (batch, options) => call('ricap', batch, options),
  };
}
