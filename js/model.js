// model.js - Model: one network with its own C context (so its errors and its seed are its own),
// its parameters, forward / predict, and the factories behind wt.models. Not here: training
// state (trainer.js).

import { WasmTricksError, argCheck, describe, finiteCheck } from './errors.js';
import { Handle } from './handle.js';
import { safetensorsHeader, isCheckpoint, decodeCheckpoint, weightsMetadata } from './checkpoint.js';
import { pretrainedBytes } from './pretrained.js';

/** Validates a positive integer option. */
function posInt(v, name) {
  argCheck(Number.isInteger(v) && v >= 1, `${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

/** A double out-parameter at p (8-byte aligned stack memory). */
function readF64(rt, p) {
  return new Float64Array(rt.memory.buffer, p, 1)[0];
}

/** A create() for the Model constructor: the model of a spec (JSON text). */
function createFromSpec(text) {
  const bytes = new TextEncoder().encode(text);
  return (r, ctx, out) => {
    const p = r.copyIn(bytes, 'spec');
    try {
      return r.exports.wt_wasm_model_create_from_spec(ctx, p, bytes.length, out);
    } finally {
      r.free(p);
    }
  };
}

/** The state_dict prefix of a spec's classifier, the linear layer that gives the classes: fc2
    (student CNN), fc (ResNets) or a layer list's last linear layer; the spec is changed to
    numClasses classes. Throws WT_ERR_UNSUPPORTED for a model without one. */
function replaceClassifier(spec, numClasses) {
  const named = { student_cnn: 'fc2', resnet: 'fc', resnet18: 'fc' }[spec.model];
  let head = named;
  if (!named) {
    const layers = spec.layers ?? [];
    const i = layers.findLastIndex((l) => l.type === 'linear');
    // After a linear layer only vector layers can follow, so the last one gives the classes.
    if (i < 0) throw new WasmTricksError('WT_ERR_UNSUPPORTED', 'withHead: the model has no linear classifier (no linear layer in its spec) to replace');
    layers[i].out_features = numClasses;
    head = layers[i].name ?? String(i);
  }
  spec.classes = numClasses;
  return head;
}

/** The classifier's state_dict prefix of a spec (replaceClassifier's, the spec untouched), or
    null for a model without one. */
export function classifierName(spec) {
  try {
    return replaceClassifier(structuredClone(spec), spec.classes);
  } catch {
    return null;
  }
}

/** Creates the C model for the student CNN (the default of the Model constructor). */
function createStudent(rt, ctx, out, { inputShape, numClasses }) {
  const [C, H, W] = inputShape;
  return rt.exports.wt_wasm_model_create_student_cnn(ctx, C, H, W, numClasses, out);
}

export class Model extends Handle {
  /** @internal use wt.models.*. create(rt, ctx, outPtr, opts) makes the C model (default: the
      student CNN); without inputShape / numClasses they are read from the built model. */
  constructor(rt, { inputShape, numClasses, seed = 0, forceScalar = false, create = createStudent,
    what = 'studentCNN' }) {
    if (create === createStudent || inputShape !== undefined) {
      argCheck(Array.isArray(inputShape) && inputShape.length === 3,
        `inputShape must be [C, H, W], got ${describe(inputShape)}`);
      inputShape.forEach((v, i) => posInt(v, `inputShape[${i}]`));
    }
    if (create === createStudent || numClasses !== undefined) posInt(numClasses, 'numClasses');
    super('Model');
    this._rt = rt;
    this._trainers = new Set();
    this.seed = seed;
    this._forceScalar = forceScalar;
    /** Class names a Trainer of this model starts with (withHead sets them), or null. */
    this.classNames = null;
    /** The input normalisation { mean, std } the weights were trained with (a loaded file's
        __metadata__, carried by withHead): a Trainer without `normalize` uses it. Or null. */
    this.normalization = null;
    this._ctx = rt.createContext(seed, forceScalar);
    try {
      this._ptr = rt.withStack((salloc) => {
        const out = salloc(4);
        rt.check(create(rt, this._ctx, out, { inputShape, numClasses }), this._ctx, what);
        return rt.i32[out >> 2] >>> 0;
      });
    } catch (e) {
      rt.destroyContext(this._ctx);
      throw e;
    }
    const shape = rt.withStack((salloc) => {
      const out = salloc(16);
      rt.exports.wt_wasm_model_shape(this._ptr, out);
      return Array.from(rt.i32.subarray(out >> 2, (out >> 2) + 4));
    });
    this.inputShape = Object.freeze(shape.slice(0, 3));
    this.numClasses = shape[3];
    this.paramCount = rt.exports.wt_wasm_model_param_count(this._ptr);
    this._track();
  }

  /** The model's spec (a JSON-compatible object): wt.models.fromSpec(model.spec) rebuilds it. */
  get spec() {
    this._alive('spec');
    return JSON.parse(this._rt.cstring(this._rt.exports.wt_wasm_model_spec(this._ptr) >>> 0));
  }

  /** True in training mode (BatchNorm on batch statistics, Dropout on), as a new model starts. */
  get training() {
    this._alive('training');
    return this._rt.exports.wt_wasm_model_training(this._ptr) !== 0;
  }

  /** Training mode, as torch's model.train(). Returns the model. */
  train(on = true) {
    this._alive('train');
    this._rt.exports.wt_wasm_model_set_training(this._ptr, on ? 1 : 0);
    return this;
  }

  /** Eval mode (BatchNorm on running statistics, no Dropout), as torch's model.eval(). */
  eval() {
    return this.train(false);
  }

  /** A torchinfo-like table: layer, type, output shape, parameters, totals. */
  summary() {
    return this._text('summary', this._rt.exports.wt_wasm_model_summary);
  }

  /** The state_dict in order, as torch names it: [{ name: 'conv1.weight', shape: [32, 1, 3, 3],
      block: 'params' | 'buffers' | 'counter', offset, size }]. A 'params' tensor's offset
      (floats) indexes getParams(); 'buffers' are BatchNorm running statistics; a 'counter' is
      BatchNorm's num_batches_tracked (no offset). */
  tensors() {
    return JSON.parse(this._text('tensors', this._rt.exports.wt_wasm_model_tensor_list)).map((t) => ({
      ...t, size: t.shape.reduce((a, b) => a * b, 1) }));
  }

  /** The state_dict prefix of the classifier (the layer withHead replaces): 'fc2' for the
      student CNN, 'fc' for the ResNets, a layer list's last linear layer. Freezing '@backbone'
      and a param group matching '@head' address it. */
  get headName() {
    this._alive('headName');
    return replaceClassifier(this.spec, this.numClasses);
  }

  /** A new model with numClasses classes: this model's spec with a new classifier (fc2 of the
      student CNN, fc of the ResNets, a layer list's last linear layer), every other tensor
      (parameters, BatchNorm running statistics and counters) copied by name, and the
      classifier as a new model of that spec and seed initialises it (PyTorch's nn.Linear:
      weight and bias uniform in +-1/sqrt(in_features)). seed defaults to this model's;
      classNames (numClasses strings) become the new model's, which a Trainer starts with. The
      new model is in training mode; this one is unchanged. */
  withHead(numClasses, { classNames, seed = this.seed, ...rest } = {}) {
    this._alive('withHead');
    const unknown = Object.keys(rest);
    argCheck(!unknown.length, `withHead: unknown option '${unknown[0]}' (known: classNames, seed)`);
    argCheck(Number.isInteger(numClasses) && numClasses >= 2 && numClasses <= 100000,
      `withHead: numClasses must be an integer in [2, 100000], got ${describe(numClasses)}`);
    argCheck(classNames === undefined || (Array.isArray(classNames) && classNames.length === numClasses &&
      classNames.every((c) => typeof c === 'string')),
    `withHead: classNames must be an array of ${numClasses} strings, got ${describe(classNames)}`);
    const spec = this.spec;
    const head = replaceClassifier(spec, numClasses);
    const next = new Model(this._rt, { seed, forceScalar: this._forceScalar, what: 'withHead',
      create: createFromSpec(JSON.stringify(spec)) });
    try {
      // Through the two models' safetensors bytes: every tensor kind, checked by the engine's load.
      const from = this.save();
      const to = next.save();
      const [hf, bf] = safetensorsHeader(from, 'withHead');
      const [ht, bt] = safetensorsHeader(to, 'withHead');
      for (const [name, t] of Object.entries(ht)) {
        if (name === '__metadata__' || name.startsWith(`${head}.`)) continue;
        const [a, b] = hf[name].data_offsets;
        to.set(from.subarray(bf + a, bf + b), bt + t.data_offsets[0]);
      }
      next.loadWeights(to);
      if (classNames) next.classNames = Object.freeze([...classNames]);
      next.normalization = this.normalization;
    } catch (e) {
      next.dispose();
      throw e;
    }
    return next;
  }

  /** A string the engine writes with fn(model, buf, cap, lenOut): sized by a first call. */
  _text(what, fn) {
    this._alive(what);
    const rt = this._rt;
    const len = rt.withStack((salloc) => {
      const out = salloc(8);
      rt.check(fn(this._ptr, 0, 0, out), this._ctx, what);
      return readF64(rt, out);
    });
    let buf = 0;
    try {
      buf = rt.alloc(len + 1, what);
      rt.withStack((salloc) => {
        const out = salloc(8);
        rt.check(fn(this._ptr, buf, len + 1, out), this._ctx, what);
      });
      return rt.cstring(buf);
    } finally {
      rt.free(buf);
    }
  }

  /** The weights as a safetensors file (PyTorch state_dict names; the spec in __metadata__). */
  save() {
    this._alive('save');
    const rt = this._rt;
    const size = rt.withStack((salloc) => {
      const out = salloc(8);
      rt.check(rt.exports.wt_wasm_model_save_safetensors(this._ptr, 0, 0, out), this._ctx, 'save');
      return readF64(rt, out);
    });
    let buf = 0;
    try {
      buf = rt.alloc(size, 'save');
      rt.withStack((salloc) => {
        const out = salloc(8);
        rt.check(rt.exports.wt_wasm_model_save_safetensors(this._ptr, buf, size, out), this._ctx, 'save');
      });
      return rt.u8.slice(buf, buf + size);
    } finally {
      rt.free(buf);
    }
  }

  /** Loads a safetensors file's weights into this model (same tensor names and shapes). The
      file is validated entirely before anything is written. */
  loadWeights(bytes) {
    this._alive('loadWeights');
    const b = asBytes(bytes, 'loadWeights');
    const rt = this._rt;
    let p = 0;
    try {
      p = rt.copyIn(b, 'weights');
      rt.check(rt.exports.wt_wasm_model_load_safetensors(this._ptr, p, b.length), this._ctx, 'loadWeights');
    } finally {
      rt.free(p);
    }
    return this;
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
    finiteCheck(params, 'setParams: params');
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

function asBytes(bytes, method) {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  argCheck(ArrayBuffer.isView(bytes),
    `${method}: bytes must be a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function inputShapeOf(opts, what, fallback) {
  const s = opts.inputShape ?? fallback;
  argCheck(Array.isArray(s) && s.length === 3, `${what}: inputShape must be [C, H, W], got ${describe(s)}`);
  s.forEach((v, i) => posInt(v, `${what}: inputShape[${i}]`));
  return s;
}

/** The factories exposed as wt.models. */
export function makeModels(rt, forceScalar = false) {
  const opts0 = (opts, what) => {
    argCheck(opts && typeof opts === 'object', `${what}: options must be an object`);
    return opts;
  };
  return Object.freeze({
    /** The seed's student CNN: conv3x3(C->32) ReLU conv3x3(32->64) ReLU maxpool2 flatten
        linear(->128) ReLU linear(->numClasses). H and W must be even. */
    studentCNN(opts = {}) {
      return new Model(rt, { forceScalar, ...opts0(opts, 'studentCNN') });
    },
    /** CIFAR ResNet (He et al. 2016) of depth 6n+2 (8, 14, 20, 32, 44, 56): 16/32/64 channels,
        BasicBlocks, 1x1 conv + BN projection shortcuts. */
    resnet(opts = {}) {
      const { depth = 20, numClasses, zeroInitResidual = false, seed = 0 } = opts0(opts, 'resnet');
      const [C, H, W] = inputShapeOf(opts, 'resnet', [3, 32, 32]);
      posInt(numClasses, 'resnet: numClasses');
      posInt(depth, 'resnet: depth');
      return new Model(rt, {
        seed, forceScalar, what: 'resnet', inputShape: [C, H, W], numClasses,
        create: (r, ctx, out) => r.exports.wt_wasm_model_create_resnet(ctx, depth, C, H, W, numClasses,
          zeroInitResidual ? 1 : 0, out),
      });
    },
    /** ResNet-18 for small inputs (3x3 stem, no max-pool; torchvision's state_dict names). */
    resnet18(opts = {}) {
      const { numClasses, zeroInitResidual = false, seed = 0 } = opts0(opts, 'resnet18');
      const [C, H, W] = inputShapeOf(opts, 'resnet18', [3, 32, 32]);
      posInt(numClasses, 'resnet18: numClasses');
      return new Model(rt, {
        seed, forceScalar, what: 'resnet18', inputShape: [C, H, W], numClasses,
        create: (r, ctx, out) => r.exports.wt_wasm_model_create_resnet18(ctx, C, H, W, numClasses,
          zeroInitResidual ? 1 : 0, out),
      });
    },
    /** A model from a spec object (or its JSON string); see wt_model_create_from_spec. */
    fromSpec(spec, { seed = 0 } = {}) {
      const text = typeof spec === 'string' ? spec : JSON.stringify(spec);
      argCheck(typeof text === 'string', `fromSpec: spec must be an object or a JSON string, got ${describe(spec)}`);
      return new Model(rt, { seed, forceScalar, what: 'fromSpec', create: createFromSpec(text) });
    },
    /** A backbone the package ships (PRETRAINED in pretrained.js: 'resnet8-cifar10'), with its
        class names and normalisation; model.withHead(K) starts a new task from it. */
    async pretrained(name) {
      const bytes = await pretrainedBytes(name);
      const m = this.load(bytes);
      const names = weightsMetadata(bytes, m.numClasses, `pretrained('${name}')`).classNames;
      if (names) m.classNames = Object.freeze(names);
      return m;
    },
    /** A model rebuilt from a safetensors file written by model.save() (or by
        examples/pytorch/wt_models.py, export_weights.py): the spec comes from its __metadata__.
        Checkpoint bytes (trainer.checkpoint(), a store record) give their model's weights. */
    load(bytes, { seed = 0 } = {}) {
      let b = asBytes(bytes, 'load');
      let normalization = null;
      if (isCheckpoint(b)) {
        const ck = decodeCheckpoint(b);
        b = ck.model;
        normalization = ck.normalization ?? null;
      }
      const m = new Model(rt, {
        seed, forceScalar, what: 'load',
        create: (r, ctx, out) => {
          const p = r.copyIn(b, 'safetensors');
          try {
            return r.exports.wt_wasm_model_create_from_safetensors(ctx, p, b.length, out);
          } finally {
            r.free(p);
          }
        },
      });
      try {
        normalization ??= weightsMetadata(b, m.numClasses, 'load').normalization ?? null;
      } catch (e) {
        m.dispose();
        throw e;
      }
      m.normalization = normalization && Object.freeze({ mean: [...normalization.mean], std: [...normalization.std] });
      return m;
    },
  });
}
