// optim.js - optimizers and learning-rate schedules: the option parsing the Trainer shares
// (PyTorch's names in camelCase, validated with errors naming the option), the named records
// they cross the ABI in (fields as src/wasm/records.h names them), and wt.optim.create, the
// standalone optimizer over a caller's Float32Array. Not here: the training step (trainer.js).

import { WasmTricksError, argCheck, describe, finiteCheck } from './errors.js';
import { Handle } from './handle.js';

const ADAM_KEYS = ['betas', 'eps', 'amsgrad'];
/** The options each optimizer accepts (besides name), PyTorch's names in camelCase. */
export const OPTIMIZER_KEYS = Object.freeze({
  sgd: ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'noBiasDecay'],
  adam: ['lr', ...ADAM_KEYS, 'weightDecay', 'noBiasDecay'],
  adamw: ['lr', ...ADAM_KEYS, 'weightDecay', 'noBiasDecay'],
  adabound: ['lr', 'betas', 'eps', 'finalLr', 'gamma', 'amsbound', 'weightDecay', 'noBiasDecay'],
});
/** PyTorch's defaults (AdaBound's: the official code's). SGD has no default lr. */
const DEFAULTS = Object.freeze({
  sgd: { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  adam: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, amsgrad: false, weightDecay: 0 },
  adamw: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, amsgrad: false, weightDecay: 1e-2 },
  adabound: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, finalLr: 0.1, gamma: 1e-3,
    amsbound: false, weightDecay: 0 },
});

const SCHEDULE_KEYS = Object.freeze({
  constant: [],
  step: ['stepSize', 'gamma'],
  multistep: ['milestones', 'gamma'],
  cosine: ['tMax', 'etaMin'],
});
const SCHEDULE_COMMON = ['name', 'warmupSteps', 'warmupStartFactor', 'interval'];
const MAX_MILESTONES = 16;

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const quoted = (names) => names.map((n) => `'${n}'`).join(', ');

function known(obj, keys, what) {
  argCheck(obj !== null && typeof obj === 'object' && !Array.isArray(obj),
    `${what} must be an object, got ${describe(obj)}`);
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) {
      throw new WasmTricksError('WT_ERR_ARG', `${what}: unknown option '${k}' (known: ${keys.join(', ')})`);
    }
  }
}

function number(v, name, check, rule) {
  argCheck(isNum(v) && check(v), `${name} must be ${rule}, got ${describe(v)}`);
  return v;
}

function bool(v, name) {
  argCheck(typeof v === 'boolean', `${name} must be a boolean, got ${describe(v)}`);
  return v;
}

function integer(v, name, min) {
  argCheck(Number.isSafeInteger(v) && v >= min, `${name} must be an integer >= ${min}, got ${describe(v)}`);
  return v;
}

/**
 * Validates optimizer options ({ name, lr, ... }) and packs them for the C side. `where`
 * prefixes messages ("Trainer", "optim.create"). Returns { name, options (defaults filled),
 * record: the optim record's fields by name }.
 */
export function parseOptimizer(opt, where, { standalone = false } = {}) {
  argCheck(opt !== null && typeof opt === 'object' && !Array.isArray(opt),
    `${where}: the optimizer options must be an object, e.g. { name: 'sgd', lr: 0.01, momentum: 0.9 }; got ${describe(opt)}`);
  const name = opt.name;
  argCheck(Object.hasOwn(OPTIMIZER_KEYS, name),
    `${where}: optimizer.name must be one of ${quoted(Object.keys(OPTIMIZER_KEYS))}, got ${typeof name === 'string' ? `'${name}'` : describe(name)}`);
  const keys = OPTIMIZER_KEYS[name];
  for (const k of Object.keys(opt)) {
    if (k !== 'name' && !keys.includes(k)) {
      throw new WasmTricksError('WT_ERR_ARG',
        `${where}: unknown optimizer option '${k}' for '${name}' (known: name, ${keys.join(', ')})`);
    }
  }
  const o = { ...DEFAULTS[name], ...Object.fromEntries(Object.entries(opt).filter(([, v]) => v !== undefined)) };
  const p = (k) => `optimizer.${k}`;
  argCheck(o.lr !== undefined, `${where}: optimizer.lr is required for '${name}'`);
  number(o.lr, p('lr'), (v) => v >= 0, 'a finite number >= 0');
  number(o.weightDecay, p('weightDecay'), (v) => v >= 0, 'a finite number >= 0');
  if (o.noBiasDecay !== undefined) {
    bool(o.noBiasDecay, p('noBiasDecay'));
    argCheck(!standalone, `${where}: optimizer.noBiasDecay needs a model (use it in Trainer options); a standalone optimizer has one parameter group`);
  }
  const r = { kind: name, lr: o.lr, weight_decay: o.weightDecay, no_bias_decay: !!o.noBiasDecay };
  if (name === 'sgd') {
    r.momentum = number(o.momentum, p('momentum'), (v) => v >= 0, 'a finite number >= 0');
    r.dampening = number(o.dampening, p('dampening'), (v) => v >= 0 && v <= 1, 'in [0, 1]');
    r.nesterov = bool(o.nesterov, p('nesterov'));
    argCheck(!o.nesterov || (o.momentum > 0 && o.dampening === 0),
      `${where}: optimizer.nesterov requires momentum > 0 and dampening 0, got momentum ${o.momentum}, dampening ${o.dampening}`);
  } else {
    argCheck(Array.isArray(o.betas) && o.betas.length === 2,
      `optimizer.betas must be an array of two numbers [beta1, beta2], got ${describe(o.betas)}`);
    o.betas.forEach((b, i) => number(b, `optimizer.betas[${i}]`, (v) => v >= 0 && v < 1, 'in [0, 1)'));
    [r.beta1, r.beta2] = o.betas;
    r.eps = number(o.eps, p('eps'), (v) => v >= 0, 'a finite number >= 0');
    const ams = name === 'adabound' ? 'amsbound' : 'amsgrad';
    r.amsgrad = bool(o[ams], p(ams));
  }
  if (name === 'adabound') {
    r.final_lr = number(o.finalLr, p('finalLr'), (v) => v >= 0, 'a finite number >= 0');
    r.gamma = number(o.gamma, p('gamma'), (v) => v > 0 && v < 1, 'in (0, 1)');
    argCheck(o.lr > 0, `${where}: optimizer.lr must be > 0 for 'adabound' (finalLr is scaled by lr / base lr)`);
  }
  return { name, options: o, record: r };
}

/**
 * Validates a schedule ({ name: 'step'|'multistep'|'cosine'|'constant', ..., warmupSteps,
 * warmupStartFactor, interval: 'step'|'epoch' }) into the schedule record's fields by name;
 * undefined/null -> null (none).
 */
export function parseSchedule(s, where) {
  if (s === undefined || s === null) return null;
  argCheck(typeof s === 'object' && !Array.isArray(s),
    `${where}: options.schedule must be an object, e.g. { name: 'cosine', tMax: 10000, warmupSteps: 500 }; got ${describe(s)}`);
  argCheck(Object.hasOwn(SCHEDULE_KEYS, s.name),
    `${where}: schedule.name must be one of ${quoted(Object.keys(SCHEDULE_KEYS))}, got ${typeof s.name === 'string' ? `'${s.name}'` : describe(s.name)}`);
  known(s, [...SCHEDULE_COMMON, ...SCHEDULE_KEYS[s.name]], `${where}: schedule '${s.name}'`);
  const r = { kind: s.name };
  const interval = s.interval ?? 'step';
  argCheck(interval === 'step' || interval === 'epoch',
    `schedule.interval must be 'step' or 'epoch', got ${describe(interval)}`);
  r.per_epoch = interval === 'epoch';
  r.gamma = 0.1; // PyTorch's gamma for StepLR and MultiStepLR
  if (s.name === 'step') {
    argCheck(s.stepSize !== undefined, `${where}: schedule.stepSize is required for 'step'`);
    r.step_size = integer(s.stepSize, 'schedule.stepSize', 1);
  }
  if (s.name === 'multistep') {
    const m = s.milestones;
    argCheck(Array.isArray(m) && m.length >= 1 && m.length <= MAX_MILESTONES,
      `schedule.milestones must be an array of 1 to ${MAX_MILESTONES} integers, got ${describe(m)}`);
    m.forEach((v, i) => {
      integer(v, `schedule.milestones[${i}]`, 1);
      argCheck(i === 0 || v > m[i - 1], `schedule.milestones must increase, got ${m.join(', ')}`);
    });
    r.n_milestones = m.length;
    r.milestones = m;
  }
  if (s.gamma !== undefined) r.gamma = number(s.gamma, 'schedule.gamma', (v) => v >= 0, 'a finite number >= 0');
  if (s.name === 'cosine') {
    argCheck(s.tMax !== undefined,
      `${where}: schedule.tMax is required for 'cosine' (PyTorch's T_max: ticks from the end of the warm-up to the minimum)`);
    r.t_max = integer(s.tMax, 'schedule.tMax', 1);
    r.eta_min = s.etaMin === undefined ? 0 : number(s.etaMin, 'schedule.etaMin', (v) => v >= 0, 'a finite number >= 0');
  }
  r.warmup = s.warmupSteps === undefined ? 0 : integer(s.warmupSteps, 'schedule.warmupSteps', 0);
  r.warmup_start_factor = s.warmupStartFactor === undefined ? 1 / 3
    : number(s.warmupStartFactor, 'schedule.warmupStartFactor', (v) => v > 0 && v <= 1, 'in (0, 1]');
  return r;
}

/** Writes record `name` (src/wasm/records.h) with `fields` onto the wasm stack; returns its pointer. */
export function stackRecord(rt, salloc, name, fields) {
  const r = rt.record(name, fields);
  const p = salloc(r.length * 8);
  new Float64Array(rt.memory.buffer, p, r.length).set(r);
  return p;
}

/** A standalone optimizer (one parameter group) over Float32Arrays; see wt.optim.create. */
class Optimizer extends Handle {
  constructor(rt, ctx, options) {
    const { name, options: o, record } = parseOptimizer(options, 'optim.create', { standalone: true });
    super('Optimizer');
    this._rt = rt;
    this._ctx = ctx;
    this._record = record;
    this.name = name;
    this.options = Object.freeze({ ...o, ...(o.betas ? { betas: Object.freeze([...o.betas]) } : {}) });
    this._lr = o.lr;
    this._n = -1;
    this._ptr = 0;
    this._p = 0;
    this._g = 0;
    // The C optimizer needs the block size: it is made at the first step; validate now.
    const probe = this._create(0);
    rt.exports.wt_wasm_optim_destroy(probe);
    this._track();
  }

  _create(n) {
    const rt = this._rt;
    return rt.withStack((salloc) => {
      const rec = stackRecord(rt, salloc, 'optim', this._record);
      const out = salloc(4);
      rt.check(rt.exports.wt_wasm_optim_create(this._ctx, rec, n, out), this._ctx, 'optim.create');
      return rt.i32[out >> 2] >>> 0;
    });
  }

  /** The current lr (the one given at creation until setLr). */
  get lr() {
    this._alive('lr');
    return this._lr;
  }

  /** Steps taken so far. */
  get steps() {
    this._alive('steps');
    return this._ptr ? this._rt.exports.wt_wasm_optim_steps(this._ptr) : 0;
  }

  /** Changes the lr of the next steps, as a scheduler would (AdaBound's bounds scale with it). */
  setLr(lr) {
    this._alive('setLr');
    number(lr, 'setLr: lr', (v) => v >= 0, 'a finite number >= 0');
    if (this._ptr) this._rt.check(this._rt.exports.wt_wasm_optim_set_lr(this._ptr, lr), this._ctx, 'setLr');
    this._lr = lr;
  }

  /** Updates params (Float32Array) in place from grads (Float32Array, same length). */
  step(params, grads) {
    this._alive('step');
    argCheck(params instanceof Float32Array, `step: params must be a Float32Array, got ${describe(params)}`);
    argCheck(grads instanceof Float32Array, `step: grads must be a Float32Array, got ${describe(grads)}`);
    if (grads.length !== params.length) {
      throw new WasmTricksError('WT_ERR_SHAPE', `step: grads has length ${grads.length}, params ${params.length}`);
    }
    const rt = this._rt;
    const n = params.length;
    if (this._n < 0) {
      const bytes = Math.max(4, n * 4);
      this._p = rt.alloc(bytes, 'optimizer params');
      try {
        this._g = rt.alloc(bytes, 'optimizer grads');
        this._ptr = this._create(n);
      } catch (e) {
        rt.free(this._g);
        rt.free(this._p);
        this._p = this._g = 0;
        throw e;
      }
      this._n = n;
      if (this._lr !== this.options.lr) rt.check(rt.exports.wt_wasm_optim_set_lr(this._ptr, this._lr), this._ctx, 'setLr');
    } else if (n !== this._n) {
      throw new WasmTricksError('WT_ERR_SHAPE', `step: params has length ${n}, but this optimizer was first stepped with ${this._n}`);
    }
    finiteCheck(params, 'step: params');
    finiteCheck(grads, 'step: grads');
    rt.f32.set(params, this._p >> 2);
    rt.f32.set(grads, this._g >> 2);
    rt.check(rt.exports.wt_wasm_optim_step(this._ptr, this._p, this._g), this._ctx, 'step');
    params.set(rt.f32.subarray(this._p >> 2, (this._p >> 2) + n));
  }

  _free() {
    const rt = this._rt;
    if (this._ptr) rt.exports.wt_wasm_optim_destroy(this._ptr);
    rt.free(this._g);
    rt.free(this._p);
    this._ptr = this._p = this._g = 0;
  }
}

/** wt.optim: create(options) -> Optimizer, and the lr of a schedule at a tick. */
export function makeOptim(rt, ctx) {
  return Object.freeze({
    /** A standalone optimizer: { name: 'sgd'|'adam'|'adamw'|'adabound', lr, ... }. */
    create: (options) => new Optimizer(rt, ctx, options),
    /** The lr a schedule gives at tick (>= 0) for baseLr, as torch.optim.lr_scheduler. */
    scheduleLr(schedule, baseLr, tick) {
      const rec = parseSchedule(schedule, 'optim.scheduleLr');
      argCheck(rec !== null, 'optim.scheduleLr: schedule is required');
      number(baseLr, 'optim.scheduleLr: baseLr', (v) => v >= 0, 'a finite number >= 0');
      integer(tick, 'optim.scheduleLr: tick', 0);
      return rt.withStack((salloc) => {
        const lr = rt.exports.wt_wasm_schedule_lr(ctx, stackRecord(rt, salloc, 'schedule', rec), baseLr, tick);
        if (Number.isNaN(lr)) rt.check(1, ctx, 'optim.scheduleLr');
        return lr;
      });
    },
    Optimizer,
  });
}

export { Optimizer };
