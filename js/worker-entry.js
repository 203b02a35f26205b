// worker-entry.js - the worker side of WorkerTrainer (worker.js): runs in a dedicated module Web
// Worker or a Node worker_thread, owns one init() instance, one model and its Trainer, and
// answers the page's requests (rpc.js serve: results, errors, progress records). It announces
// { ready: true } once it listens and answers a 'hello' request the same way, so a page that
// starts listening late still gets its answer. fit() runs Trainer.fit and parks at its onStep
// hook while paused, so evaluate, predict and checkpoint requests are served between steps and
// while paused. Data sets arrive once (by id) and stay here. Weights files
// carry the normalisation and class names in their safetensors __metadata__ (exportWeights
// writes them, create reads them). Not here: the page side and its API (worker.js).

import { init } from './index.js';
import { serve, withTransfer, LATER } from './rpc.js';
import { decodeCheckpoint, isCheckpoint, safetensorsHeader, weightsFile, weightsMetadata } from './checkpoint.js';
import { WasmTricksError, argCheck, describe } from './errors.js';
import { openStore } from './store.js';
import { presets } from './options.js';

let wt = null;
let model = null;
let trainer = null;
let config = null;      // { model: description, trainer: options } as create() got them
let pending = null;     // checkpoint bytes fit({ resume: true }) continues from
let lastFit = null;     // { epochs, batchSize, dropLast } of the last fit
const datasets = new Map();
const run = { active: false, paused: false, gate: null, parked: [], controller: null, ctl: null };

/** A Trainer for the current model with the options create() got (a teacher rebuilt here);
    without an optimizer or preset, the 'baseline' preset's SGD at a constant lr, enough to
    predict, evaluate and fine-tune. */
function makeTrainer() {
  const o = { ...(config.trainer ?? {}) };
  if (o.optimizer === undefined && o.preset === undefined) o.optimizer = { ...presets.baseline.optimizer };
  if (o.teacher !== undefined && o.teacher !== null) {
    const bytes = o.teacher instanceof Uint8Array ? o.teacher : o.teacher?.weights ?? o.teacher?.checkpoint;
    argCheck(bytes instanceof Uint8Array, `WorkerTrainer: trainer.teacher must be safetensors or checkpoint bytes (a Uint8Array), got ${describe(o.teacher)}`);
    const weights = isCheckpoint(bytes) ? decodeCheckpoint(bytes).model : bytes;
    o.teacher = wt.models.load(weights);
  }
  const t = new wt.Trainer(model, o);
  if (config.classNames) t.classNames = [...config.classNames];
  return t;
}

/** Trainer options from a checkpoint's settings (when create() was given none). */
function optionsFromCheckpoint(ck) {
  const o = ck.options ?? {};
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && v !== undefined && !['preset', 'distillation'].includes(k)) out[k] = v;
  }
  return out;
}

const MODELS = { student: 'studentCNN', resnet18: 'resnet18' };

function buildModel(m) {
  argCheck(m && typeof m === 'object', `WorkerTrainer.create: model must be { name, inputShape, numClasses }, { spec } or { checkpoint }, got ${describe(m)}`);
  if (m.checkpoint !== undefined) {
    argCheck(m.checkpoint instanceof Uint8Array, `WorkerTrainer.create: model.checkpoint must be a Uint8Array, got ${describe(m.checkpoint)}`);
    if (!isCheckpoint(m.checkpoint)) return { model: wt.models.load(m.checkpoint, { seed: m.seed ?? 0 }), ck: null };
    const ck = decodeCheckpoint(m.checkpoint);
    return { model: wt.models.load(ck.model, { seed: m.seed ?? 0 }), ck };
  }
  if (m.spec !== undefined) return { model: wt.models.fromSpec(m.spec, { seed: m.seed ?? 0 }), ck: null };
  const name = m.name ?? 'student';
  const depth = /^resnet(\d+)$/.exec(name);
  const opts = { inputShape: m.inputShape, numClasses: m.numClasses, seed: m.seed ?? 0 };
  if (m.zeroInitResidual !== undefined) opts.zeroInitResidual = m.zeroInitResidual;
  if (MODELS[name]) return { model: wt.models[MODELS[name]](opts), ck: null };
  if (depth) return { model: wt.models.resnet({ ...opts, depth: Number(depth[1]) }), ck: null };
  throw new WasmTricksError('WT_ERR_ARG', `WorkerTrainer.create: model.name must be 'student', 'resnet8' ... 'resnet56' or 'resnet18', got ${describe(name)}`);
}

/** The model with model.head = { numClasses, classNames?, seed? } (model.withHead; names default
    to model.classNames, the seed to the model's); the old model is disposed. */
function newHead(old, m) {
  argCheck(m.head && typeof m.head === 'object', `WorkerTrainer.create: model.head must be { numClasses, classNames?, seed? }, got ${describe(m.head)}`);
  const { numClasses, ...rest } = m.head;
  try {
    return old.withHead(numClasses, { ...(m.classNames ? { classNames: m.classNames } : {}), ...rest });
  } catch (e) {
    e.message = `WorkerTrainer.create: model.head: ${e.message}`;
    throw e;
  } finally {
    old.dispose();
  }
}

function info() {
  return { inputShape: [...model.inputShape], numClasses: model.numClasses, paramCount: model.paramCount,
    classNames: trainer.classNames ? [...trainer.classNames] : null, kernelName: wt.kernelName, build: wt.build,
    steps: trainer.steps, epochs: trainer.epochs, spec: model.spec };
}

/** A checkpoint's weights, normalisation and class names (the optimizer state waits for fit's
    resume, which first sets the run's schedule). */
function adopt(bytes) {
  const ck = decodeCheckpoint(bytes);
  model.loadWeights(ck.model);
  if (ck.normalization) trainer.normalization = Object.freeze(ck.normalization);
  if (ck.classNames) trainer.classNames = ck.classNames;
  pending = bytes;
  lastFit = ck.fit ?? lastFit;
  return ck;
}

function dataset(ref, what) {
  const d = datasets.get(ref);
  if (!d) throw new WasmTricksError('WT_ERR_STATE', `${what}: unknown data set ${ref}`);
  return d;
}

const ops = {
  async create({ wasm, simd, model: m, trainer: topts, classNames }) {
    argCheck(!wt, 'WorkerTrainer.create: this worker already holds a trainer');
    wt = await init({ ...(wasm === undefined ? {} : { wasm }), ...(simd === undefined ? {} : { simd }) });
    const built = buildModel(m);
    model = built.model;
    let resumable = built.ck !== null;
    try {
      // A weights file (no trainer state): its normalisation and class names, unless given.
      const fileMeta = m.checkpoint !== undefined && !built.ck ? weightsMetadata(m.checkpoint, model.numClasses, 'WorkerTrainer.create: model.checkpoint') : {};
      if (m.head !== undefined) {
        // A starting point, not a run to resume: the new classes' names, the old normalisation.
        model = newHead(model, m);
        resumable = false;
        delete fileMeta.classNames;
        if (built.ck?.normalization) fileMeta.normalization = built.ck.normalization;
      }
      let options = topts ?? (built.ck ? optionsFromCheckpoint(built.ck) : undefined);
      if (fileMeta.normalization && options?.normalize === undefined) options = { ...options, normalize: fileMeta.normalization };
      config = { trainer: options, classNames: model.classNames ?? classNames ?? m.classNames ?? fileMeta.classNames ?? null };
      trainer = makeTrainer();
    } catch (e) {
      model.dispose();
      model = null;
      wt = null;
      throw e;
    }
    if (resumable) adopt(m.checkpoint);
    return info();
  },

  data({ ref, images, labels, shape, numClasses, classNames, mean, std, layout }) {
    datasets.set(ref, wt.data.fromArrays({ images, labels, shape, numClasses, classNames, mean, std, layout }));
  },

  dropData({ ref }) {
    datasets.delete(ref);
  },

  async fit({ data, validation, options }, id) {
    argCheck(!run.active, 'WorkerTrainer.fit: a fit is already running');
    const { autosave, resume, ...rest } = options;
    const fitOpts = { ...rest };
    if (resume === true) {
      argCheck(pending !== null, 'WorkerTrainer.fit: resume: true needs a checkpoint (WorkerTrainer.load, restore or a model.checkpoint)');
      const ck = decodeCheckpoint(pending);
      fitOpts.epochs ??= ck.fit?.epochs;
      fitOpts.batchSize ??= ck.fit?.batchSize;
      fitOpts.dropLast ??= ck.fit?.dropLast;
      fitOpts.resume = pending;
      // A fresh trainer: fit sets the run's schedule before it restores the optimizer state.
      trainer.dispose();
      trainer = makeTrainer();
    } else if (resume !== undefined && resume !== false) {
      fitOpts.resume = resume;
    }
    let store = null;
    if (autosave) {
      argCheck(typeof autosave.name === 'string' && autosave.name.length > 0, `WorkerTrainer.fit: autosave.name must be a non-empty string, got ${describe(autosave.name)}`);
      argCheck(autosave.everySteps === undefined || (Number.isInteger(autosave.everySteps) && autosave.everySteps >= 1),
        `WorkerTrainer.fit: autosave.everySteps must be a positive integer, got ${describe(autosave.everySteps)}`);
      argCheck(autosave.everySteps !== undefined || autosave.everyEpoch, 'WorkerTrainer.fit: autosave needs everySteps: N or everyEpoch: true');
      store = await openStore({ name: autosave.store });
    }
    const history = [];
    run.active = true;
    run.paused = false;
    run.controller = new AbortController();
    lastFit = { epochs: fitOpts.epochs ?? 1, batchSize: fitOpts.batchSize ?? 64, dropLast: fitOpts.dropLast ?? false };
    const t = trainer;
    try {
      const r = await t.fit(dataset(data, 'fit'), {
        ...fitOpts,
        validation: validation === undefined ? undefined : dataset(validation, 'fit (validation)'),
        signal: run.controller.signal,
        onProgress: (p) => {
          if (p.type === 'epoch') history.push(p);
          server.progress(id, p);
        },
        onStep: async (ctl) => {
          run.ctl = ctl;
          if (store && ((autosave.everySteps && t.steps % autosave.everySteps === 0) ||
            (autosave.everyEpoch && ctl.step === ctl.steps))) {
            await store.save(autosave.name, { checkpoint: ctl.checkpoint(), meta: meta(ctl) });
            server.progress(id, { type: 'autosave', name: autosave.name, epoch: ctl.epoch, step: ctl.step, steps: t.steps });
          }
          if (run.paused) {
            await new Promise((resolve) => {
              run.gate = resolve;
              for (const pid of run.parked.splice(0)) server.reply(pid, { paused: true, epoch: ctl.epoch, step: ctl.step });
            });
          }
        },
      });
      pending = null;
      return { ...r, stopped: false, steps: t.steps };
    } catch (e) {
      if (e?.name === 'AbortError' && run.controller.signal.aborted) {
        return { stopped: true, history, steps: t.steps };
      }
      throw e;
    } finally {
      run.active = false;
      run.paused = false;
      run.ctl = null;
      for (const pid of run.parked.splice(0)) server.reply(pid, { paused: false });
    }
  },

  pause(_, id) {
    if (!run.active) return { paused: false };
    run.paused = true;
    if (run.gate) return { paused: true };
    run.parked.push(id);
    return LATER; // answered once fit parks (or ends)
  },

  resume() {
    run.paused = false;
    const g = run.gate;
    run.gate = null;
    g?.();
    return { running: run.active };
  },

  stop() {
    if (!run.active) return { stopped: false };
    run.controller.abort();
    ops.resume();
    return { stopped: true };
  },

  evaluate({ data, options }) {
    return trainer.evaluate(dataset(data, 'evaluate'), options);
  },

  predict({ input, data, options }) {
    argCheck(data !== undefined || input instanceof Float32Array || trainer.normalization,
      'WorkerTrainer.predict: the trainer has no normalisation yet for pixels (a weights file without __metadata__.normalization?): ' +
      'give trainer: { normalize: { mean, std } } to create() or load(), fit it, or pass normalised Float32Array input');
    return trainer.predict(data !== undefined ? dataset(data, 'predict') : input, options);
  },

  checkpoint() {
    const bytes = run.ctl ? run.ctl.checkpoint() : trainer.checkpoint(lastFit ? { epoch: trainer.epochs, ...lastFit } : {});
    return withTransfer(bytes, [bytes.buffer]);
  },

  restore({ bytes }) {
    trainer.restore(bytes);
    adopt(bytes);
    return info();
  },

  exportWeights() {
    const bytes = weightsFile(model.save(), trainer);
    return withTransfer(bytes, [bytes.buffer]);
  },

  info() {
    return info();
  },
};

/** What the store keeps beside a checkpoint: enough to rebuild the WorkerTrainer. */
function meta(ctl) {
  return { trainer: storableOptions(config.trainer), classNames: trainer.classNames ? [...trainer.classNames] : null,
    epoch: ctl ? ctl.epoch : trainer.epochs, step: ctl ? ctl.step : null, steps: trainer.steps,
    fit: lastFit, inputShape: [...model.inputShape], numClasses: model.numClasses };
}

/** Trainer options without the teacher's bytes (not stored; give them again to load()). */
function storableOptions(o) {
  if (!o) return null;
  const { teacher, ...rest } = o;
  return rest;
}

ops.meta = () => meta(run.ctl);

// Every request but create needs the trainer create made.
const guarded = Object.fromEntries(Object.entries(ops).map(([op, fn]) => [op, op === 'create' ? fn : (args, id) => {
  argCheck(trainer !== null, `WorkerTrainer.${op}: the worker has no trainer (create failed or it was not called)`);
  return fn(args, id);
}]));
const server = await serve(guarded, { name: 'WorkerTrainer', announce: true });
