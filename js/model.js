// model.js - Model: one network with its own C context (so its errors and its seed are its own),
// its parameters, forward / predict, and the factories behind wt.models. Not here: training
// state (trainer.js).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { Handle } from './handle.js';

/** Validates a positive integer option. */
function posInt(v, name) {
  argCheck(Number.isInteger(v) && v >= 1, `${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

export class Model extends Handle {
  /** @internal use wt.models.* */
  constructor(rt, { inputShape, numClasses, seed = 0, forceScalar = false }) {
    argCheck(Array.isArray(inputShape) && inputShape.length === 3,
      `inputShape must be [C, H, W], got ${describe(inputShape)}`);
    inputShape.forEach((v, i) => posInt(v, `inputShape[${i}]`));
    posInt(numClasses, 'numClasses');
    super('Model');
    this._rt = rt;
    this._trainers = new Set();
    this.inputShape = Object.freeze([...inputShape]);
    this.numClasses = numClasses;
    this.seed = seed;
    this._ctx = rt.createContext(seed, forceScalar);
    try {
      const [C, H, W] = inputShape;
      this._ptr = rt.withStack((salloc) => {
        const out = salloc(4);
        rt.check(rt.exports.wt_wasm_model_create_student_cnn(this._ctx, C, H, W, numClasses, out),
          this._ctx, 'studentCNN');
        return rt.i32[out >> 2] >>> 0;
      });
    } catch (e) {
      rt.destroyContext(this._ctx);
      throw e;
    }
    this.paramCount = rt.exports.wt_wasm_model_param_count(this._ptr);
    this._track();
  }

  /** Elements of one input image: C*H*W. */
  get inputSize() { return this.inputShape[0] * this.inputShape[1] * this.inputShape[2]; }

  /** Checks an images argument; returns the batch size N. */
  _batch(images, method) {
    const [C, H, W] = this.inputShape;
    const per = C * H * W;
    argCheck(images instanceof Float32Array,
      `${method}: images must be a Float32Array of N*C*H*W values, got ${describe(images)}`);
    if (images.length === 0 || images.length % per !== 0) {
      throw new WasmTricksError('WT_ERR_SHAPE',
        `${method}: images has length ${images.length}, not a positive multiple of C*H*W = ${C}*${H}*${W} = ${per}`);
    }
    const N = images.length / per;
    argCheck(N <= 0x7fffffff, `${method}: too many images (${N})`);
    return N;
  }

  _run(images, method, fn) {
    this._alive(method);
    const N = this._batch(images, method);
    const rt = this._rt;
    let x = 0;
    let y = 0;
    try {
      x = rt.copyIn(images, 'images');
      y = rt.alloc(N * this.numClasses * 4, 'outputs');
      rt.check(fn(this._ptr, x, N, y), this._ctx, method);
      return rt.f32.slice(y >> 2, (y >> 2) + N * this.numClasses);
    } finally {
      rt.free(y);
      rt.free(x);
    }
  }

  /** Logits (N*numClasses) for images (N*C*H*W, NCHW). */
  forward(images) {
    return this._run(images, 'forward', this._rt.exports.wt_wasm_model_forward);
  }

  /** Class probabilities (N*numClasses; each row sums to 1) for images (N*C*H*W). */
  predict(images) {
    return this._run(images, 'predict', this._rt.exports.wt_wasm_model_predict);
  }

  /** A copy of the flat parameter block, in PyTorch state_dict order. */
  getParams() {
    this._alive('getParams');
    const p = this._rt.exports.wt_wasm_model_params(this._ptr) >>> 0;
    return this._rt.f32.slice(p >> 2, (p >> 2) + this.paramCount);
  }

  /** Overwrites all parameters (same order and length as getParams()). */
  setParams(params) {
    this._alive('setParams');
    argCheck(params instanceof Float32Array,
      `setParams: params must be a Float32Array, got ${describe(params)}`);
    if (params.length !== this.paramCount) {
      throw new WasmTricksError('WT_ERR_SHAPE',
        `setParams: params has length ${params.length}, expected paramCount = ${this.paramCount}`);
    }
    const p = this._rt.exports.wt_wasm_model_params(this._ptr) >>> 0;
    this._rt.f32.set(params, p >> 2);
  }

  /** Bytes of wasm memory this model's context holds (model, trainers, scratch arena). */
  liveBytes() {
    this._alive('liveBytes');
    return this._rt.liveBytes(this._ctx);
  }

  _free() {
    for (const t of this._trainers) t.dispose();
    this._rt.exports.wt_wasm_model_destroy(this._ptr);
    this._rt.destroyContext(this._ctx);
    this._ptr = 0;
    this._ctx = 0;
  }
}

/** The factories exposed as wt.models. */
export function makeModels(rt, forceScalar = false) {
  return Object.freeze({
    /** The seed's student CNN: conv3x3(C->32) ReLU conv3x3(32->64) ReLU maxpool2 flatten
        linear(->128) ReLU linear(->numClasses). H and W must be even. */
    studentCNN(opts = {}) {
      argCheck(opts && typeof opts === 'object', 'studentCNN: options must be an object');
      return new Model(rt, { forceScalar, ...opts });
    },
  });
}
