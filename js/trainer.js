// trainer.js - Trainer: the optimizer state of one model and the training step (forward,
// cross-entropy, backward, update in one C call). Lives in its model's context, so it is
// disposed with the model at the latest. Not here: data loading, shuffling or epochs (the CLI
// and examples show those loops).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { Handle } from './handle.js';
import { Model } from './model.js';

const SGD_KEYS = new Set(['name', 'lr', 'momentum', 'weightDecay', 'dampening', 'nesterov']);

function num(v, name, dflt) {
  if (v === undefined) return dflt;
  argCheck(typeof v === 'number' && Number.isFinite(v), `${name} must be a finite number, got ${describe(v)}`);
  return v;
}

export class Trainer extends Handle {
  /**
   * @param {Model} model
   * @param {{ optimizer: { name: 'sgd', lr: number, momentum?: number, weightDecay?: number,
   *           dampening?: number, nesterov?: boolean }, seed?: number }} options
   */
  constructor(rt, model, options = {}) {
    argCheck(model instanceof Model, `Trainer: model must be a Model, got ${describe(model)}`);
    model._alive('Trainer');
    argCheck(model._rt === rt, 'Trainer: model belongs to another init() instance');
    argCheck(options && typeof options === 'object', 'Trainer: options must be an object');
    const opt = options.optimizer;
    argCheck(opt && typeof opt === 'object',
      "Trainer: options.optimizer is required, e.g. { name: 'sgd', lr: 0.01, momentum: 0.9 }");
    argCheck(opt.name === 'sgd', `Trainer: optimizer.name must be 'sgd', got ${describe(opt.name)}`);
    for (const k of Object.keys(opt)) {
      argCheck(SGD_KEYS.has(k), `Trainer: unknown optimizer option '${k}' (known: ${[...SGD_KEYS].join(', ')})`);
    }
    const lr = num(opt.lr, 'optimizer.lr', undefined);
    argCheck(lr !== undefined, 'Trainer: optimizer.lr is required');
    const momentum = num(opt.momentum, 'optimizer.momentum', 0);
    const dampening = num(opt.dampening, 'optimizer.dampening', 0);
    const weightDecay = num(opt.weightDecay, 'optimizer.weightDecay', 0);
    argCheck(opt.nesterov === undefined || typeof opt.nesterov === 'boolean',
      `optimizer.nesterov must be a boolean, got ${describe(opt.nesterov)}`);
    super('Trainer');
    this._rt = rt;
    this.model = model;
    this._ctx = model._ctx;
    if (options.seed !== undefined) rt.seedContext(this._ctx, options.seed);
    this._ptr = rt.withStack((salloc) => {
      const out = salloc(4);
      rt.check(rt.exports.wt_wasm_trainer_create(model._ptr, lr, momentum, dampening, weightDecay,
        opt.nesterov ? 1 : 0, out), this._ctx, 'Trainer');
      return rt.i32[out >> 2] >>> 0;
    });
    model._trainers.add(this);
    this._track();
  }

  /** Optimizer steps taken so far. */
  get steps() {
    this._alive('steps');
    return this._rt.exports.wt_wasm_trainer_steps(this._ptr);
  }

  setLearningRate(lr) {
    this._alive('setLearningRate');
    num(lr, 'setLearningRate: lr', undefined);
    this._rt.check(this._rt.exports.wt_wasm_trainer_set_lr(this._ptr, lr), this._ctx, 'setLearningRate');
  }

  /**
   * One SGD step on a batch. images: Float32Array N*C*H*W; labels: Int32Array (or integer
   * array) of N class indices. Returns the batch's mean loss and accuracy (before the update).
   */
  step(images, labels) {
    this._alive('step');
    const N = this.model._batch(images, 'step');
    argCheck(labels instanceof Int32Array || Array.isArray(labels),
      `step: labels must be an Int32Array or an array of integers, got ${describe(labels)}`);
    if (labels.length !== N) {
      throw new WasmTricksError('WT_ERR_SHAPE',
        `step: labels has length ${labels.length} but images holds ${N} images`);
    }
    if (Array.isArray(labels)) {
      const bad = labels.findIndex((v) => !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff);
      argCheck(bad < 0, `step: labels[${bad}] = ${describe(labels[bad])} is not an integer`);
      labels = Int32Array.from(labels);
    }
    const rt = this._rt;
    let x = 0;
    let l = 0;
    try {
      x = rt.copyIn(images, 'images');
      l = rt.copyIn(labels, 'labels');
      return rt.withStack((salloc) => {
        const out = salloc(8);
        rt.check(rt.exports.wt_wasm_trainer_step(this._ptr, x, l, N, out), this._ctx, 'step');
        const f32 = rt.f32;
        return { loss: f32[out >> 2], accuracy: f32[(out >> 2) + 1] };
      });
    } finally {
      rt.free(l);
      rt.free(x);
    }
  }

  _free() {
    this.model._trainers.delete(this);
    this._rt.exports.wt_wasm_trainer_destroy(this._ptr);
    this._ptr = 0;
  }
}
