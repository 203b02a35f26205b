// fit.js - the training loop behind Trainer.fit / evaluate / predict: the loader (loader.js)
// over a data set, made one batch ahead by a loader worker when `prefetch` is on (prefetch.js),
// the Trainer's step, per-step and per-epoch progress (loss, accuracy, images/s, lr, ETA),
// cancellation by AbortSignal, validation, and checkpoints at epoch ends and mid-epoch
// (checkpoint.js); evaluation with top-1/top-5, per-class accuracy and the confusion matrix;
// predictions as top-k class names; applying a preset. Not here: the presets and the option
// list (options.js), the step itself (trainer.js, src/train/), the data sets (dataset.js).
// The run's randomness: fit draws one data seed from the model's RNG when a run starts (a
// checkpoint carries it, so resume does not draw); the loader derives every epoch's shuffle and
// every batch's augmentation from it (loader.js), while the step (mixup, CutMix, RICAP, dropout)
// keeps drawing from the model's RNG. So the loader can run ahead without changing the numbers,
// and a mid-epoch checkpoint (position: { step, lossSum, accSum, seen }) resumes by asking for
// batch `step` of its epoch: nothing is replayed.

import { WasmTricksError, argCheck, describe } from './errors.js';
import { Dataset } from './dataset.js';
import { Loader, buildSteps } from './loader.js';
import { encodeCheckpoint, decodeCheckpoint, readCheckpointFile, writeCheckpointFile } from './checkpoint.js';
import { Prefetcher, parsePrefetch, notStarted } from './prefetch.js';
import { isDrawable, toInputSync } from './image.js';
import { presets, childKeys, checkOption, optionEntry } from './options.js';

/** The recipes (options.js presets), under the name fit.js has always exported. */
export const PRESETS = presets;

/** Options with a preset's values under the caller's (an optimizer without a name, or with
    the preset's name, is merged into the preset's). */
export function applyPreset(options) {
  if (options.preset === undefined) return options;
  const p = presets[options.preset];
  argCheck(p !== undefined, `Trainer: preset must be one of ${Object.keys(presets).map((k) => `'${k}'`).join(', ')}, got ${describe(options.preset)}`);
  const out = { ...p, ...options };
  const o = options.optimizer;
  if (o && (o.name === undefined || o.name === p.optimizer.name)) out.optimizer = { ...p.optimizer, ...o };
  delete out.preset;
  return out;
}

/** True when a schedule depends on the run's length (tMax or warmupSteps 'auto'). */
export const isAutoSchedule = (s) => !!s && (s.tMax === 'auto' || s.warmupSteps === 'auto');

/** A concrete schedule for a run of stepsPerEpoch * epochs steps: 'auto' warm-up is 10% of the
    run, an 'auto' cosine spans what remains. */
export function resolveSchedule(s, stepsPerEpoch, epochs) {
  const total = Math.max(1, stepsPerEpoch * epochs);
  const warmup = s.warmupSteps === 'auto' ? Math.round(total / 10) : (s.warmupSteps ?? 0);
  const out = { ...s, warmupSteps: warmup };
  if (s.tMax === 'auto') out.tMax = Math.max(1, total - warmup);
  if (s.interval === 'epoch') out.tMax = s.tMax === 'auto' ? epochs : s.tMax;
  return out;
}

function checkData(data, method) {
  argCheck(data instanceof Dataset || (data && typeof data === 'object' && data.images && data.labels && data.shape),
    `${method}: data must be a data set (wt.data.*), got ${describe(data)}`);
  return data;
}

const tick = () => new Promise((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));

function abortError(signal) {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('fit was aborted');
  e.name = 'AbortError';
  return e;
}

/** The normalisation a trainer uses: given in its options, restored from a checkpoint, or the
    training data's per-channel statistics. */
function normalization(t, data) {
  if (!t.normalization) {
    const mean = data.mean;
    const std = data.std;
    t.normalization = Object.freeze({ mean: [...mean], std: [...std] });
  }
  return t.normalization;
}

/**
 * Trains for `epochs` passes. Options: batchSize (64), dropLast (false), shuffle (true),
 * validation (a data set, evaluated after each epoch), onProgress(p) (every step: { type:
 * 'step', epoch, epochs, step, steps, loss, accuracy, imagesPerSecond, lr, eta }; at epoch ends
 * { type: 'epoch', ... , validation }), signal (AbortSignal: the returned promise rejects with
 * its reason after the current step), checkpoint (Node: a path written atomically at every
 * epoch end), resume (a checkpoint path or bytes: continue from its epoch, bit for bit),
 * onStep({ epoch, step, steps, checkpoint }) (awaited after every step: a runner's pause point;
 * checkpoint() returns mid-epoch checkpoint bytes that resume continues from the next step),
 * prefetch (true | false | 'auto', the default: a loader worker makes batch b + 1 while step b
 * runs; 'auto' turns it on when the host has more cores than the trainer's threads use and a
 * Worker exists; parsePrefetch in prefetch.js). The numbers are the same either way.
 * cacheFeatures (true | false | 'auto', the default): train the head on features computed once
 * per image when everything below it is frozen and nothing needs the pixels (featureCache);
 * the numbers are the same either way too.
 * Returns { history: [per-epoch records], seconds, prefetch: { requested, used, mode, note },
 * cacheFeatures: { requested, used, reason } }; step and epoch progress records carry the same
 * `prefetch` record and `cachedFeatures` (a boolean).
 */
export async function fit(t, data, options = {}) {
  checkData(data, 'fit');
  argCheck(options && typeof options === 'object', 'fit: options must be an object');
  const known = childKeys('', 'fit');
  for (const k of Object.keys(options)) argCheck(known.includes(k), `fit: unknown option '${k}' (known: ${known.join(', ')})`);
  const { validation, onProgress, signal, checkpoint, resume, onStep } = options;
  const epochs = checkOption('epochs', options.epochs, 'fit');
  const batchSize = checkOption('batchSize', options.batchSize, 'fit');
  // The Loader checks these two; absent, they take the schema's defaults.
  const { dropLast = optionEntry('dropLast').default, shuffle = optionEntry('shuffle').default } = options;
  argCheck(checkpoint === undefined || typeof checkpoint === 'string', `fit: checkpoint must be a file path, got ${describe(checkpoint)}`);
  argCheck(onProgress === undefined || typeof onProgress === 'function', 'fit: onProgress must be a function');
  argCheck(onStep === undefined || typeof onStep === 'function', 'fit: onStep must be a function');
  if (validation !== undefined) checkData(validation, 'fit (validation)');
  t._alive('fit');
  const cacheFeatures = checkOption('cacheFeatures', options.cacheFeatures, 'fit');
  let prefetch = parsePrefetch(options.prefetch, t.threads);
  const model = t.model;
  let start = 0;
  let ck = null;
  if (resume !== undefined) {
    ck = typeof resume === 'string' ? await readCheckpointFile(resume) : decodeCheckpoint(resume);
    if (ck.fit.batchSize !== batchSize || ck.fit.epochs !== epochs || ck.fit.dropLast !== dropLast) {
      throw new WasmTricksError('WT_ERR_STATE', `fit: the checkpoint was written by a run of ${ck.fit.epochs} epochs, ` +
        `batch size ${ck.fit.batchSize}${ck.fit.dropLast ? ', dropLast' : ''}; resume with the same settings`);
    }
    t.normalization = Object.freeze(ck.normalization);
  }
  const { mean, std } = normalization(t, data);
  if (!t.classNames) t.classNames = data.classNames;
  const steps = buildSteps(t.augment, { dataShape: data.shape, inputShape: model.inputShape, mean, std, train: true });
  const loader = new Loader(t._rt, null, data, { batchSize, shuffle, dropLast, steps });
  const history = [];
  const t0 = performance.now();
  let ahead = null;
  let cache = null;
  try {
    if (t._autoSchedule) t._resolveSchedule(loader.numBatches, epochs);
    if (ck) {
      restore(t, ck);
      start = ck.epoch;
    }
    cache = featureCache(t, cacheFeatures);
    // The head trains on the calling thread from features: no images to load ahead.
    if (cache.used && prefetch.used) prefetch = Object.freeze({ ...prefetch, used: false, mode: 'off', note: 'cached features: no images to load' });
    // A new run draws its data seed; a resumed one has it (checkpoints written before data
    // seeds existed draw one from their restored RNG). Kept on the trainer for checkpoint().
    const dataSeed = ck?.dataSeed ?? drawDataSeed(t);
    t._dataSeed = dataSeed;
    if (prefetch.used) {
      try {
        ahead = await Prefetcher.start(t._rt, loader, { seed: dataSeed, epochs, mode: prefetch.mode });
      } catch (e) {
        if (prefetch.requested !== 'auto') throw e;
        prefetch = notStarted(prefetch, e);
      }
    }
    // A mid-epoch checkpoint (onStep's checkpoint()) resumes at its step of epoch `start`.
    const at = ck?.position ?? null;
    const totalSteps = loader.numBatches * (epochs - start) - (at?.step ?? 0);
    let doneSteps = 0;
    let trainSecs = 0;
    for (let epoch = start; epoch < epochs; epoch++) {
      const mid = at && epoch === start ? at : null;
      if (!ahead) loader.startEpoch({ seed: dataSeed, epoch });
      const e0 = performance.now();
      if (cache.used && !cache.features) computeFeatures(t, cache, data, steps, batchSize, signal);
      let lossSum = mid?.lossSum ?? 0;
      let accSum = mid?.accSum ?? 0;
      let seen = mid?.seen ?? 0;
      for (let b = mid?.step ?? 0; b < loader.numBatches; b++) {
        if (signal?.aborted) throw abortError(signal);
        const s0 = performance.now();
        const { x, labels, n } = cache.used ? featureBatch(cache, loader, b)
          : ahead ? await ahead.batch(epoch, b) : loader.batch(b);
        const lr = t.lr;
        let loss;
        let accuracy;
        try {
          // over the trainer's threads; the head on cached features on this one
          ({ loss, accuracy } = cache.used ? t._stepFeatures(x, labels, n) : await t.stepAsync(x, labels));
        } catch (e) {
          // Divergence (NaN/Inf logits, loss or gradients): the step was refused before the
          // update, and no checkpoint is written, so `checkpoint` keeps the last good epoch.
          if (e instanceof WasmTricksError && e.code === 'WT_ERR_NONFINITE') {
            e.message = `fit: epoch ${epoch + 1}, batch ${b + 1}/${loader.numBatches}: ${e.message}` +
              (checkpoint !== undefined ? `; ${checkpoint} keeps the last good checkpoint` : '');
          }
          throw e;
        }
        trainSecs += (performance.now() - s0) / 1000;
        lossSum += loss * n;
        accSum += accuracy * n;
        seen += n;
        doneSteps++;
        if (onProgress) {
          const secs = (performance.now() - e0) / 1000;
          onProgress({ type: 'step', epoch: epoch + 1, epochs, step: b + 1, steps: loader.numBatches,
            samples: seen, totalSamples: loader.numSamples, loss: lossSum / seen, accuracy: accSum / seen,
            batchLoss: loss, batchAccuracy: accuracy, lr, imagesPerSecond: seen / Math.max(secs, 1e-9),
            eta: (trainSecs / doneSteps) * (totalSteps - doneSteps), prefetch, cachedFeatures: cache.used });
        }
        if (onStep) {
          // Awaited: a runner pauses here. checkpoint() is the run at this step: resuming it
          // continues with batch b + 1 of this epoch (the data seed fixes its order and draws).
          const position = { step: b + 1, lossSum, accSum, seen };
          await onStep({ epoch: epoch + 1, step: b + 1, steps: loader.numBatches,
            checkpoint: () => encodeCheckpoint({ ...snapshot(t, { epoch, epochs, batchSize, dropLast }), position }) });
        }
        await tick();
      }
      t.endEpoch();
      const rec = { epoch: epoch + 1, loss: lossSum / seen, accuracy: accSum / seen, lr: t.lr,
        seconds: (performance.now() - e0) / 1000 };
      rec.imagesPerSecond = seen / rec.seconds;
      if (validation !== undefined) rec.validation = evaluate(t, validation);
      history.push(rec);
      if (checkpoint !== undefined) {
        await writeCheckpointFile(checkpoint, encodeCheckpoint(snapshot(t, { epoch: epoch + 1, epochs, batchSize, dropLast })));
      }
      onProgress?.({ type: 'epoch', epochs, ...rec, eta: (trainSecs / doneSteps) * (totalSteps - doneSteps), prefetch,
        cachedFeatures: cache.used });
    }
  } finally {
    ahead?.dispose();
    loader.dispose();
  }
  return { history, seconds: (performance.now() - t0) / 1000, prefetch, cacheFeatures: cache.record };
}

/**
 * Whether fit trains the head on cached features (cacheFeatures: 'auto' | true | false): only
 * when no per-image augmentation changes the pixels and the engine finds everything below the
 * trainable layers frozen and deterministic, and no batch trick or teacher
 * (wt_trainer_feature_size). true with a condition failing throws its message. Returns { used,
 * floats, record: { requested, used, reason } }.
 */
function featureCache(t, requested) {
  const off = (reason) => ({ used: false, record: Object.freeze({ requested, used: false, reason }) });
  if (requested === false) return off(null);
  const augment = Object.keys(t.augment);
  const { floats, reason } = augment.length
    ? { floats: 0, reason: `no cached features with per-image augmentation (augment: ${augment.join(', ')}): it changes the pixels every epoch` }
    : t._featureSize();
  if (reason && requested === true) throw new WasmTricksError('WT_ERR_STATE', `fit: cacheFeatures: true, but ${reason}`);
  if (reason) return off(reason);
  return { used: true, floats, features: null, labels: null, x: null, record: Object.freeze({ requested, used: true, reason: null }) };
}

/** The features of every training image, in data set order, once (the layers below the head
    in their training mode: frozen BatchNorms in eval); batches of the run's batch size. */
function computeFeatures(t, cache, data, steps, batchSize, signal) {
  const loader = new Loader(t._rt, null, data, { batchSize, steps });
  const F = cache.floats;
  try {
    const features = new Float32Array(data.length * F);
    loader.startEpoch();
    for (let b = 0; b < loader.numBatches; b++) {
      if (signal?.aborted) throw abortError(signal);
      const { x } = loader.batch(b);
      features.set(t._features(x, F), b * batchSize * F);
    }
    cache.features = features;
    cache.labels = Int32Array.from(data.labels);
    cache.x = new Float32Array(batchSize * F);
    cache.y = new Int32Array(batchSize);
  } finally {
    loader.dispose();
  }
}

/** Batch b of the loader's epoch order, from the cached features. */
function featureBatch(cache, loader, b) {
  const F = cache.floats;
  const start = b * loader.batchSize;
  const n = Math.min(loader.batchSize, loader.data.length - start);
  for (let j = 0; j < n; j++) {
    const k = loader.order[start + j];
    cache.x.set(cache.features.subarray(k * F, (k + 1) * F), j * F);
    cache.y[j] = cache.labels[k];
  }
  return { x: cache.x.subarray(0, n * F), labels: cache.y.subarray(0, n), n };
}

/** A run's data seed: one draw from the model's RNG (53 bits), so the data follow `seed`. */
const drawDataSeed = (t) => Math.floor(t._rt.exports.wt_wasm_ctx_uniform(t._ctx) * 2 ** 53);

/** What a checkpoint holds (see checkpoint.js); dataSeed: the data seed of the trainer's last
    fit (absent before one), so trainer.checkpoint() after a fit resumes that run too. */
export function snapshot(t, { epoch, epochs, batchSize, dropLast }) {
  const rt = t._rt;
  const rng = rt.withStack((salloc) => {
    const o = salloc(16);
    rt.exports.wt_wasm_ctx_rng_get(t._ctx, o);
    return Array.from(new Uint32Array(rt.memory.buffer, o, 4));
  });
  const state = t.getState();
  return {
    epoch,
    fit: { epochs, batchSize, dropLast },
    steps: state.steps,
    trainerEpochs: state.epochs,
    rng,
    dataSeed: t._dataSeed,
    normalization: t.normalization,
    classNames: t.classNames ?? null,
    options: t.describe(),
    model: t.model.save(),
    moments: state.moments,
  };
}

/** Restores a decoded checkpoint into a trainer made with the same options and model. */
export function restore(t, ck) {
  const rt = t._rt;
  t.model.loadWeights(ck.model);
  t.setState({ moments: ck.moments, steps: ck.steps, epochs: ck.trainerEpochs });
  rt.withStack((salloc) => {
    const p = salloc(16);
    new Uint32Array(rt.memory.buffer, p, 4).set(ck.rng);
    rt.exports.wt_wasm_ctx_rng_set(t._ctx, p);
  });
  t._dataSeed = ck.dataSeed;
  if (ck.normalization) t.normalization = Object.freeze(ck.normalization);
  if (ck.classNames) t.classNames = ck.classNames;
}

/**
 * Loss (cross-entropy, no smoothing), top-1 and top-5 accuracy, per-class accuracy and the
 * confusion matrix (confusion[true][predicted]) of the model in eval mode over a data set.
 */
export function evaluate(t, data, { batchSize = 256 } = {}) {
  checkData(data, 'evaluate');
  t._alive('evaluate');
  const model = t.model;
  const K = model.numClasses;
  argCheck(data.numClasses <= K, `evaluate: the data has ${data.numClasses} classes, the model ${K}`);
  const { mean, std } = normalization(t, data);
  const steps = buildSteps({}, { dataShape: data.shape, inputShape: model.inputShape, mean, std, train: false });
  const loader = new Loader(t._rt, t._ctx, data, { batchSize, steps });
  const confusion = Array.from({ length: K }, () => new Array(K).fill(0));
  const wasTraining = model.training;
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  const k5 = Math.min(5, K);
  model.eval();
  try {
    loader.startEpoch();
    for (let b = 0; b < loader.numBatches; b++) {
      const { x, labels, n } = loader.batch(b);
      const logits = model.forward(x);
      for (let i = 0; i < n; i++) {
        const row = logits.subarray(i * K, (i + 1) * K);
        const y = labels[i];
        let max = -Infinity;
        let arg = 0;
        for (let c = 0; c < K; c++) if (row[c] > max) { max = row[c]; arg = c; }
        let sum = 0;
        for (let c = 0; c < K; c++) sum += Math.exp(row[c] - max);
        lossSum += Math.log(sum) + max - row[y];
        let rank = 0; // classes scoring above the true one (ties: earlier classes first)
        for (let c = 0; c < K; c++) if (row[c] > row[y] || (row[c] === row[y] && c < y)) rank++;
        if (arg === y) top1++;
        if (rank < k5) top5++;
        confusion[y][arg]++;
      }
    }
  } finally {
    loader.dispose();
    model.train(wasTraining);
  }
  const n = data.length;
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, v) => a + v, 0);
    return total ? row[c] / total : NaN;
  });
  return { loss: lossSum / n, accuracy: top1 / n, top5: top5 / n, perClass, confusion, count: n };
}

/**
 * Top-k predictions, best first: [{ label, className, probability }] per image. input: a data
 * set, one ImageData-like image ({ data, width, height, channels? }) or an array of them (any
 * extent: resized to cover and centre-cropped), or normalised Float32Array input (N*C*H*W).
 */
export function predict(t, input, { topK = 5 } = {}) {
  t._alive('predict');
  const model = t.model;
  const K = model.numClasses;
  argCheck(Number.isInteger(topK) && topK >= 1, `predict: topK must be a positive integer, got ${describe(topK)}`);
  const names = t.classNames ?? Array.from({ length: K }, (_, i) => String(i));
  const rank = (probs, n) => Array.from({ length: n }, (_, i) => {
    const row = Array.from(probs.subarray(i * K, (i + 1) * K), (p, c) => ({ label: c, className: names[c] ?? String(c), probability: p }));
    return row.sort((a, b) => b.probability - a.probability || a.label - b.label).slice(0, Math.min(topK, K));
  });
  const wasTraining = model.training;
  model.eval();
  try {
    if (input instanceof Float32Array) return rank(model.predict(input), model._batch(input, 'predict'));
    const many = Array.isArray(input);
    const sets = input instanceof Dataset ? [input] : (many ? input : [input]).map((img, i) => imageSet(img, model, i));
    const out = [];
    for (const d of sets) {
      argCheck(t.normalization || input instanceof Dataset,
        'predict: the trainer has no normalisation yet: fit it, resume a checkpoint, or pass normalize: { mean, std } in its options');
      const { mean, std } = normalization(t, d);
      const steps = buildSteps({}, { dataShape: d.shape, inputShape: model.inputShape, mean, std, train: false });
      const loader = new Loader(t._rt, t._ctx, d, { batchSize: 256, steps });
      try {
        loader.startEpoch();
        for (let b = 0; b < loader.numBatches; b++) {
          const { x, n } = loader.batch(b);
          out.push(...rank(model.predict(x), n));
        }
      } finally {
        loader.dispose();
      }
    }
    return input instanceof Dataset || many ? out : out[0];
  } finally {
    model.train(wasTraining);
  }
}

/** One image as a one-sample data set with the model's channel count. */
function imageSet(img, model, i) {
  // A canvas, <img>, <video>, ImageBitmap...: its pixels at the model's extent (image.js).
  if (isDrawable(img)) img = toInputSync(img, { shape: [...model.inputShape] });
  argCheck(img && (img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray) &&
    Number.isInteger(img.width) && Number.isInteger(img.height),
  `predict: image ${i} must be { data, width, height }, got ${describe(img)}`);
  const { width: W, height: H } = img;
  const inC = img.channels ?? img.data.length / (W * H);
  argCheck([1, 3, 4].includes(inC) && img.data.length === W * H * inC, `predict: image ${i} has ${img.data.length} bytes, not ${W}x${H} times 1, 3 or 4`);
  const C = model.inputShape[0];
  const out = new Uint8Array(W * H * C);
  for (let p = 0; p < W * H; p++) {
    const s = img.data.subarray(p * inC, p * inC + inC);
    if (C === 1) out[p] = inC >= 3 ? Math.round(0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2]) : s[0];
    else for (let c = 0; c < C; c++) out[p * C + c] = inC === 1 ? s[0] : s[c];
  }
  return new Dataset({ images: out, labels: Int32Array.of(0), shape: [C, H, W], numClasses: model.numClasses, name: `image ${i}` });
}
