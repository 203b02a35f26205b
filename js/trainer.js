// trainer.js - Trainer: the optimizer state of one model and the training step (batch trick,
// forward, cross-entropy with label smoothing, distillation, backward, update in one C call),
// with an optional lr schedule; presets, augmentation options and fit / evaluate / predict
// (the loop is fit.js). Lives in its model's context, so it is disposed with the model at the
// latest. Not here: option parsing for optimizers and schedules (optim.js), data (dataset.js).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { Handle } from './handle.js';
import { Model } from './model.js';
import { parseOptimizer, parseSchedule, stackRecord } from './optim.js';
import { applyPreset, isAutoSchedule, resolveSchedule, fit, evaluate, predict, snapshot, restore } from './fit.js';
import { parseAugment } from './loader.js';
import { childKeys, checkOption } from './options.js';
import { encodeCheckpoint, decodeCheckpoint } from './checkpoint.js';
import { ParallelGroup, parseThreads } from './parallel.js';
import { resolveGroups } from './groups.js';

function num(v, name, dflt) {
  if (v === undefined) return dflt;
  argCheck(typeof v === 'number' && Number.isFinite(v), `${name} must be a finite number, got ${describe(v)}`);
  return v;
}

// The options a Trainer takes, and the batch tricks' fields: from optionSchema (options.js).
const TRAINER_KEYS = childKeys('');
const BATCH_TRICKS = ['mixup', 'cutmix', 'ricap'];

function checkKeys(obj, allowed, where) {
  for (const k of Object.keys(obj)) {
    argCheck(allowed.includes(k), `${where}: unknown option '${k}' (known: ${allowed.join(', ')})`);
  }
}

// The loss record wt_wasm_trainer_create takes (its fields by name, src/wasm/records.h); plus
// the teacher.
function parseLoss(options, model) {
  const eps = checkOption('labelSmoothing', options.labelSmoothing, 'Trainer');
  // Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_); 0 or absent: off.
  const clip = checkOption('gradClipNorm', options.gradClipNorm, 'Trainer');
  const rec = { label_smoothing: eps, grad_clip_norm: clip };
  const tricks = {};
  for (const name of BATCH_TRICKS) {
    const v = options[name];
    if (v === undefined || v === null || v === false) continue;
    const o = v === true ? {} : v;
    const keys = childKeys(name);
    argCheck(o && typeof o === 'object', `Trainer: ${name} must be an object like { ${keys.join(', ')} }, got ${describe(v)}`);
    checkKeys(o, keys, `Trainer: ${name}`);
    const t = {};
    for (const k of keys) {
      // CutMix's prob is 1 when mixup shares the batches (timm picks one of the two per batch).
      t[k] = name === 'cutmix' && k === 'prob' && options.mixup ? checkOption('cutmix.prob', o.prob, 'Trainer', 1)
        : checkOption(`${name}.${k}`, o[k], 'Trainer');
    }
    tricks[name] = t;
  }
  argCheck(!(tricks.ricap && (tricks.mixup || tricks.cutmix)), 'Trainer: ricap excludes mixup and cutmix');
  const switchProb = checkOption('switchProb', options.switchProb, 'Trainer');
  argCheck(options.switchProb === undefined || (tricks.mixup && tricks.cutmix),
    'Trainer: switchProb chooses between mixup and cutmix: it needs both');
  rec.mixup_alpha = tricks.mixup?.alpha ?? 0;
  rec.cutmix_alpha = tricks.cutmix?.alpha ?? 0;
  rec.ricap_beta = tricks.ricap?.beta ?? 0;
  rec.prob = tricks.cutmix?.prob ?? 1;
  rec.switch_prob = switchProb;
  let teacher = null;
  if (options.teacher !== undefined && options.teacher !== null) {
    const t = options.teacher;
    argCheck(t instanceof Model, `Trainer: teacher must be a Model, got ${describe(t)}`);
    t._alive('Trainer teacher');
    argCheck(t !== model, 'Trainer: the teacher must be another model than the student');
    argCheck(t._rt === model._rt, 'Trainer: the teacher belongs to another init() instance');
    const d = options.distillation ?? {};
    argCheck(d && typeof d === 'object', `Trainer: distillation must be an object, got ${describe(d)}`);
    checkKeys(d, childKeys('distillation'), 'Trainer: distillation');
    teacher = { model: t, temperature: checkOption('distillation.temperature', d.temperature, 'Trainer'),
      weight: checkOption('distillation.weight', d.weight, 'Trainer') };
    rec.kd_temperature = teacher.temperature;
    rec.kd_weight = teacher.weight;
  } else {
    argCheck(options.distillation === undefined, 'Trainer: distillation options need a teacher');
  }
  return { labelSmoothing: eps, gradClipNorm: clip, mixup: tricks.mixup ?? null, cutmix: tricks.cutmix ?? null,
    ricap: tricks.ricap ?? null, switchProb: tricks.mixup && tricks.cutmix ? switchProb : null, teacher, record: rec };
}

export class Trainer extends Handle {
  /**
   * @param {Model} model
   * @param {{ optimizer: { name: 'sgd'|'adam'|'adamw'|'adabound', lr?: number, ... },
   *           schedule?: { name: 'step'|'multistep'|'cosine'|'constant', ... }, seed?: number }} options
   *   (the option names and defaults: index.d.ts, OptimizerOptions and ScheduleOptions)
   */
  constructor(rt, model, options = {}) {
    argCheck(model instanceof Model, `Trainer: model must be a Model, got ${describe(model)}`);
    model._alive('Trainer');
    argCheck(model._rt === rt, 'Trainer: model belongs to another init() instance');
    argCheck(options && typeof options === 'object', 'Trainer: options must be an object');
    checkKeys(options, TRAINER_KEYS, 'Trainer');
    const given = options;
    options = applyPreset(options);
    argCheck(options.optimizer !== undefined,
      "Trainer: options.optimizer is required, e.g. { name: 'sgd', lr: 0.01, momentum: 0.9 }");
    const { options: optimizer, record } = parseOptimizer(options.optimizer, 'Trainer');
    // A schedule over "the run" (tMax / warmupSteps 'auto') is resolved by fit(), which knows
    // the run's length; until then the trainer holds a placeholder of one step.
    const autoSchedule = isAutoSchedule(options.schedule) ? options.schedule : null;
    const schedule = parseSchedule(autoSchedule ? resolveSchedule(autoSchedule, 1, 1) : options.schedule, 'Trainer');
    const loss = parseLoss(options, model);
    // Freezing and param groups: ranges of the parameter block (null: none set).
    const groups = resolveGroups(options, model, { lr: record.lr, weightDecay: record.weight_decay });
    const augment = parseAugment(options.augment);
    // Data-parallel training over threads (parallel.js): fit() and stepAsync() use them.
    const threads = parseThreads(options.threads);
    let norm = model.normalization ?? null; // a loaded file's, unless given
    if (options.normalize !== undefined) {
      const { mean, std } = options.normalize ?? {};
      const arr = (v) => (typeof v === 'number' ? [v] : Array.from(v ?? []));
      argCheck(arr(mean).length >= 1 && arr(std).length === arr(mean).length && arr(std).every((v) => v > 0),
        `Trainer: normalize must be { mean, std } (numbers or one per channel, std > 0), got ${describe(options.normalize)}`);
      norm = Object.freeze({ mean: arr(mean), std: arr(std) });
    }
    super('Trainer');
    this.optimizer = Object.freeze(optimizer);
    this._rt = rt;
    this._stage = 0; // see _staging()
    this._stageBytes = 0;
    this.model = model;
    this._ctx = model._ctx;
    if (options.seed !== undefined) rt.seedContext(this._ctx, options.seed);
    this._records = { optim: record, loss: loss.record, teacher: loss.teacher ? loss.teacher.model._ptr : 0, groups };
    this._ptr = this._create(schedule);
    this._autoSchedule = autoSchedule;
    this._resolvedFor = null;
    this.preset = given.preset ?? null;
    this.schedule = options.schedule ?? null;
    this.augment = Object.freeze(augment);
    this.normalization = norm;
    this.classNames = model.classNames ?? null; // a withHead model's new class names
    this.labelSmoothing = loss.labelSmoothing;
    this.gradClipNorm = loss.gradClipNorm;
    this.freeze = groups?.freeze ?? null;
    this.paramGroups = groups?.paramGroups ?? null;
    this.frozenBatchNorm = groups ? groups.frozenBatchNorm : null;
    for (const k of ['mixup', 'cutmix', 'ricap']) this[k] = loss[k] && Object.freeze(loss[k]);
    this.switchProb = loss.switchProb;
    this.teacher = loss.teacher ? loss.teacher.model : null;
    this.distillation = loss.teacher ? Object.freeze({ temperature: loss.teacher.temperature, weight: loss.teacher.weight }) : null;
    this._threads = threads;
    this._parallel = null;
    model._trainers.add(this);
    // The C trainer reads the teacher at every step: disposing the teacher disposes this trainer.
    if (loss.teacher) loss.teacher.model._trainers.add(this);
    this._track();
  }

  _create(scheduleRecord) {
    const rt = this._rt;
    const r = this._records;
    return rt.withStack((salloc) => {
      const rec = stackRecord(rt, salloc, 'optim', r.optim);
      const sched = scheduleRecord ? stackRecord(rt, salloc, 'schedule', scheduleRecord) : 0;
      const lossRec = stackRecord(rt, salloc, 'loss', r.loss);
      const out = salloc(4);
      rt.check(rt.exports.wt_wasm_trainer_create(this.model._ptr, rec, sched, lossRec, r.teacher, out), this._ctx, 'Trainer');
      const ptr = rt.i32[out >> 2] >>> 0;
      if (r.groups) {
        const slots = r.groups.slots.length ? rt.copyIn(r.groups.slots, 'parameter groups') : 0;
        const st = rt.exports.wt_wasm_trainer_set_groups(ptr, slots, r.groups.slots.length / 5,
          r.groups.frozenBatchNorm === 'eval' ? 1 : 0);
        rt.free(slots);
        if (st !== 0) {
          const msg = rt.cstring(rt.exports.wt_wasm_ctx_last_error(this._ctx) >>> 0);
          rt.exports.wt_wasm_trainer_destroy(ptr);
          throw new WasmTricksError(rt.statusName(st), `Trainer: freeze / paramGroups: ${msg}`);
        }
      }
      return ptr;
    });
  }

  /** fit(): sets an 'auto' schedule for a run of stepsPerEpoch * epochs steps (a fresh C trainer
      when no step was taken; a trainer already training keeps its schedule). */
  _resolveSchedule(stepsPerEpoch, epochs) {
    const key = `${stepsPerEpoch}x${epochs}`;
    if (this._resolvedFor === key || this.steps > 0) return;
    const resolved = resolveSchedule(this._autoSchedule, stepsPerEpoch, epochs);
    const rec = parseSchedule(resolved, 'Trainer');
    const ptr = this._create(rec);
    this._rt.exports.wt_wasm_trainer_destroy(this._ptr);
    this._ptr = ptr;
    this._resolvedFor = key;
    this.resolvedSchedule = Object.freeze(resolved);
  }

  /** The trainer's settings as plain data (for logs and checkpoints). */
  describe() {
    return { preset: this.preset, optimizer: this.optimizer, schedule: this.resolvedSchedule ?? this.schedule,
      labelSmoothing: this.labelSmoothing, gradClipNorm: this.gradClipNorm, mixup: this.mixup, cutmix: this.cutmix, ricap: this.ricap,
      switchProb: this.switchProb, augment: this.augment,
      distillation: this.distillation, threads: this._threads,
      ...(this._records.groups ? { freeze: this.freeze, paramGroups: this.paramGroups, frozenBatchNorm: this.frozenBatchNorm } : {}) };
  }

  /**
   * Trains on a data set (wt.data.*): { epochs, batchSize, dropLast, shuffle, validation,
   * onProgress, signal, checkpoint, resume } (see fit.js). Resolves to { history, seconds }.
   */
  fit(data, options) { return fit(this, data, options); }

  /** { loss, accuracy, top5, perClass, confusion, count } of the model (eval mode) on data. */
  evaluate(data, options) { return evaluate(this, data, options); }

  /** Top-k { label, className, probability } for a data set, image(s) or normalised input. */
  predict(input, options) { return predict(this, input, options); }

  /** The checkpoint bytes of the trainer now (at the end of `epoch` of a run of fit settings). */
  checkpoint({ epoch = this.epochs, epochs = epoch, batchSize = 0, dropLast = false } = {}) {
    this._alive('checkpoint');
    return encodeCheckpoint(snapshot(this, { epoch, epochs, batchSize, dropLast }));
  }

  /** Restores checkpoint bytes (this trainer's options and model architecture). */
  restore(bytes) {
    this._alive('restore');
    const ck = decodeCheckpoint(bytes);
    restore(this, ck);
    return ck;
  }

  /** The 2-norm over all parameter gradients of the last step, before clipping (what
      torch.nn.utils.clip_grad_norm_ returns); 0 before the first step. */
  get gradNorm() {
    this._alive('gradNorm');
    return this._rt.exports.wt_wasm_trainer_grad_norm(this._ptr);
  }

  /** Optimizer steps taken so far. */
  get steps() {
    this._alive('steps');
    return this._rt.exports.wt_wasm_trainer_steps(this._ptr);
  }

  /** The lr the next step uses (the schedule's value when there is one). */
  get lr() {
    this._alive('lr');
    return this._rt.exports.wt_wasm_trainer_lr(this._ptr);
  }

  /** Epochs ended with endEpoch(). */
  get epochs() {
    this._alive('epochs');
    return this._rt.exports.wt_wasm_trainer_epochs(this._ptr);
  }

  /** Ends an epoch: advances a schedule with interval 'epoch' (as scheduler.step() per epoch). */
  endEpoch() {
    this._alive('endEpoch');
    this._rt.check(this._rt.exports.wt_wasm_trainer_end_epoch(this._ptr), this._ctx, 'endEpoch');
  }

  /**
   * The optimizer state a checkpoint saves: { moments: Float32Array (the moment buffers, see
   * wt_optim_state_export), steps, epochs }. The parameters are model.getParams().
   */
  getState() {
    this._alive('getState');
    const rt = this._rt;
    const n = rt.exports.wt_wasm_trainer_state_floats(this._ptr);
    let p = 0;
    try {
      p = rt.alloc(Math.max(4, n * 4), 'optimizer state');
      return rt.withStack((salloc) => {
        const counters = salloc(16);
        rt.check(rt.exports.wt_wasm_trainer_state_export(this._ptr, p, n, counters), this._ctx, 'getState');
        const c = new Float64Array(rt.memory.buffer, counters, 2);
        return { moments: rt.f32.slice(p >> 2, (p >> 2) + n), steps: c[0], epochs: c[1] };
      });
    } finally {
      rt.free(p);
    }
  }

  /** Restores getState()'s result into a trainer made with the same options and model shape. */
  setState(state) {
    this._alive('setState');
    argCheck(state && typeof state === 'object', `setState: state must be an object, got ${describe(state)}`);
    const { moments, steps, epochs } = state;
    argCheck(moments instanceof Float32Array, `setState: state.moments must be a Float32Array, got ${describe(moments)}`);
    argCheck(Number.isSafeInteger(steps) && steps >= 0, `setState: state.steps must be an integer >= 0, got ${describe(steps)}`);
    argCheck(Number.isSafeInteger(epochs) && epochs >= 0, `setState: state.epochs must be an integer >= 0, got ${describe(epochs)}`);
    const rt = this._rt;
    let p = 0;
    try {
      p = moments.length ? rt.copyIn(moments, 'optimizer state') : 0;
      rt.check(rt.exports.wt_wasm_trainer_state_import(this._ptr, p, moments.length, steps, epochs), this._ctx, 'setState');
    } finally {
      rt.free(p);
    }
  }

  setLearningRate(lr) {
    this._alive('setLearningRate');
    num(lr, 'setLearningRate: lr', undefined);
    this._rt.check(this._rt.exports.wt_wasm_trainer_set_lr(this._ptr, lr), this._ctx, 'setLearningRate');
  }

  /**
   * One optimizer step on a batch. images: Float32Array N*C*H*W; labels: Int32Array (or integer
   * array) of N class indices. Returns the batch's mean loss (CE, plus weight * KD with a
   * teacher) and accuracy (before the update; with a batch trick, the official codes' mixed
   * accuracy: the label weights of each sample's parts on its prediction).
   */
  step(images, labels) {
    const { x, l, N } = this._stageBatch(images, labels, 'step');
    const rt = this._rt;
    return rt.withStack((salloc) => {
      const out = salloc(8);
      rt.check(rt.exports.wt_wasm_trainer_step(this._ptr, x, l, N, out), this._ctx, 'step');
      const f32 = rt.f32;
      return { loss: f32[out >> 2], accuracy: f32[(out >> 2) + 1] };
    });
  }

  /** Cached features (fit's cacheFeatures; src: wt_trainer_feature_size): the floats per image
      of the features the trainable layers read, or null and why not (the engine's message). */
  _featureSize() {
    this._alive('fit');
    const rt = this._rt;
    return rt.withStack((salloc) => {
      const out = salloc(8);
      const st = rt.exports.wt_wasm_trainer_feature_size(this._ptr, out);
      if (st === 0) return { floats: new Float64Array(rt.memory.buffer, out, 1)[0], reason: null };
      return { floats: 0, reason: rt.cstring(rt.exports.wt_wasm_ctx_last_error(this._ctx) >>> 0).replace(/^[\w]+: /, '') };
    });
  }

  /** The features (N * floats) of a batch of normalised images (wt_trainer_features). */
  _features(images, floats) {
    const N = this.model._batch(images, 'fit');
    const rt = this._rt;
    const xBytes = (images.byteLength + 15) & ~15;
    const x = this._staging(xBytes + N * floats * 4);
    const out = x + xBytes;
    rt.u8.set(new Uint8Array(images.buffer, images.byteOffset, images.byteLength), x);
    rt.check(rt.exports.wt_wasm_trainer_features(this._ptr, x, N, out), this._ctx, 'fit (features)');
    return rt.f32.slice(out >> 2, (out >> 2) + N * floats);
  }

  /** step() on the cached features of a batch (wt_trainer_step_features): { loss, accuracy }. */
  _stepFeatures(features, labels, N) {
    const rt = this._rt;
    const { x, l } = this._stageArrays(features, labels);
    return rt.withStack((salloc) => {
      const out = salloc(8);
      rt.check(rt.exports.wt_wasm_trainer_step_features(this._ptr, x, l, N, out), this._ctx, 'step');
      const f32 = rt.f32;
      return { loss: f32[out >> 2], accuracy: f32[(out >> 2) + 1] };
    });
  }

  /** Threads the steps of fit() and stepAsync() use (1: off); see describe().threads. */
  get threads() { return this._threads.used; }

  /**
   * step() over `threads` threads (data-parallel, parallel.js): resolves to { loss, accuracy }.
   * With one thread it is step(). fit() steps with it; step() itself always uses one thread.
   */
  async stepAsync(images, labels) {
    if (this._threads.used <= 1) return this.step(images, labels);
    if (this._parallel?.busy) {
      throw new WasmTricksError('WT_ERR_STATE', 'stepAsync: the previous step has not finished (await each step)');
    }
    const { x, l, N } = this._stageBatch(images, labels, 'stepAsync');
    if (this._parallel?.broken) this._parallel.dispose();
    if (!this._parallel || this._parallel.disposed) this._parallel = new ParallelGroup(this, this._threads);
    return this._parallel.step(x, l, N);
  }

  /** Checks a batch and copies it into the staging block: { x, l, N } (pointers, count). */
  _stageBatch(images, labels, method) {
    this._alive(method);
    if (this._autoSchedule && this._resolvedFor === null) {
      throw new WasmTricksError('WT_ERR_STATE', `${method}: the schedule spans the run (tMax or warmupSteps 'auto'), ` +
        'which fit() sets; call fit(), or give the schedule in steps');
    }
    const N = this.model._batch(images, method);
    argCheck(labels instanceof Int32Array || Array.isArray(labels),
      `${method}: labels must be an Int32Array or an array of integers, got ${describe(labels)}`);
    if (labels.length !== N) {
      throw new WasmTricksError('WT_ERR_SHAPE',
        `${method}: labels has length ${labels.length} but images holds ${N} images`);
    }
    if (Array.isArray(labels)) {
      const bad = labels.findIndex((v) => !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff);
      argCheck(bad < 0, `${method}: labels[${bad}] = ${describe(labels[bad])} is not an integer`);
      labels = Int32Array.from(labels);
    }
    return { ...this._stageArrays(images, labels), N };
  }

  /** Copies a batch's inputs (images or features) and labels into the staging block: { x, l }.
      One block reused across steps (grown when a larger batch arrives): the inputs, then the
      labels at a 16-byte boundary. The pointer survives memory growth; views are re-read. */
  _stageArrays(inputs, labels) {
    const rt = this._rt;
    const xBytes = (inputs.byteLength + 15) & ~15;
    const x = this._staging(xBytes + labels.byteLength);
    const l = x + xBytes;
    rt.u8.set(new Uint8Array(inputs.buffer, inputs.byteOffset, inputs.byteLength), x);
    rt.u8.set(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength), l);
    return { x, l };
  }

  /** The step's staging block of at least `bytes` bytes (malloc'd once per batch size growth). */
  _staging(bytes) {
    if (bytes > this._stageBytes) {
      const p = this._rt.alloc(bytes, 'the step\'s input staging');
      this._rt.free(this._stage);
      this._stage = p;
      this._stageBytes = bytes;
    }
    return this._stage;
  }

  _free() {
    this._parallel?.dispose();
    this._parallel = null;
    this._rt.free(this._stage);
    this._stage = 0;
    this._stageBytes = 0;
    this.model._trainers.delete(this);
    if (this.teacher) this.teacher._trainers.delete(this);
    this._rt.exports.wt_wasm_trainer_destroy(this._ptr);
    this._ptr = 0;
  }
}
