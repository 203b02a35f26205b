// loss.js - the losses behind wt.loss, computed by the C engine (src/losses/) with PyTorch's
// semantics: cross-entropy on hard labels or soft targets (label smoothing, class weights,
// reductions) and Hinton knowledge distillation. Each call copies its inputs into wasm memory,
// runs, copies { loss, grad } out and frees everything it allocated, even when it throws.
// Not here: training with these losses (the Trainer).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { enums } from './runtime.js';

const CE_OPTIONS = new Set(['numClasses', 'labelSmoothing', 'reduction', 'weight']);
const KD_OPTIONS = new Set(['numClasses', 'temperature']);

/** Rejects a non-object and unknown keys (a misspelt option would otherwise be ignored). */
function checkOptions(fn, options, known) {
  argCheck(options !== null && typeof options === 'object' && !Array.isArray(options),
    `${fn}: options must be an object with numClasses, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    argCheck(known.has(key), `${fn}: unknown option '${key}' (known: ${[...known].join(', ')})`);
  }
  const { numClasses } = options;
  argCheck(Number.isInteger(numClasses) && numClasses >= 1,
    `${fn}: numClasses must be a positive integer, got ${describe(numClasses)}`);
}

/** Rows of an N*C logits array. */
function rowsOf(fn, name, x, C) {
  argCheck(x instanceof Float32Array, `${fn}: ${name} must be a Float32Array (N*numClasses), got ${describe(x)}`);
  if (x.length === 0 || x.length % C !== 0) {
    throw new WasmTricksError('WT_ERR_SHAPE',
      `${fn}: ${name} has length ${x.length}, not a positive multiple of numClasses = ${C}`);
  }
  return x.length / C;
}

export function makeLoss(rt, moduleCtx) {
  const REDUCTIONS = enums.wt_reduction; // the engine's names and values (wt_wasm_abi)
  /** Copies `n` floats at p out of wasm memory (a fresh view: memory may have grown). */
  const readF32 = (p, n) => rt.f32.slice(p >>> 2, (p >>> 2) + n);

  /**
   * torch.nn.functional.cross_entropy(logits, target, weight, reduction, label_smoothing).
   * logits: Float32Array N*C. target: Int32Array N (labels) or Float32Array N*C (soft targets,
   * smoothed as timm smooths mixed targets). Returns { loss, grad }: loss a number (a
   * Float32Array N for 'none'), grad the Float32Array N*C gradient of the reduced loss ('none':
   * of the sum) with respect to the logits.
   */
  function crossEntropy(logits, target, options) {
    const fn = 'loss.crossEntropy';
    checkOptions(fn, options, CE_OPTIONS);
    const { numClasses: C, labelSmoothing = 0, reduction = 'mean', weight } = options;
    const N = rowsOf(fn, 'logits', logits, C);
    argCheck(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing <= 1,
      `${fn}: labelSmoothing must be a number in [0, 1], got ${describe(labelSmoothing)}`);
    argCheck(Object.hasOwn(REDUCTIONS, reduction),
      `${fn}: reduction must be 'mean', 'sum' or 'none', got ${describe(reduction)}`);
    const soft = target instanceof Float32Array;
    argCheck(soft || target instanceof Int32Array,
      `${fn}: target must be an Int32Array of ${N} labels or a Float32Array of ${N}*${C} probabilities, got ${describe(target)}`);
    if (target.length !== (soft ? N * C : N)) {
      throw new WasmTricksError('WT_ERR_SHAPE', soft
        ? `${fn}: target (soft, Float32Array) has length ${target.length}, expected N*numClasses = ${N * C}` +
          (target.length === N ? ' (hard labels must be an Int32Array)' : '')
        : `${fn}: target (labels, Int32Array) has length ${target.length}, expected N = ${N}`);
    }
    let w = null;
    if (weight !== undefined && weight !== null) {
      argCheck((weight instanceof Float32Array || Array.isArray(weight)) && weight.length === C &&
        Array.prototype.every.call(weight, (v) => typeof v === 'number'),
      `${fn}: weight must be a Float32Array or array of ${C} numbers, got ${describe(weight)}`);
      w = Float32Array.from(weight);
    }
    const nLoss = reduction === 'none' ? N : 1;
    let pLogits = 0, pTarget = 0, pWeight = 0, pLoss = 0, pGrad = 0;
    try {
      pLogits = rt.copyIn(logits, 'logits');
      pTarget = rt.copyIn(target, 'target');
      if (w) pWeight = rt.copyIn(w, 'weight');
      pLoss = rt.alloc(nLoss * 4, 'loss');
      pGrad = rt.alloc(N * C * 4, 'grad');
      rt.check(rt.exports.wt_wasm_cross_entropy(moduleCtx, N, C, pLogits, soft ? 0 : pTarget,
        soft ? pTarget : 0, labelSmoothing, REDUCTIONS[reduction], pWeight, pLoss, pGrad), moduleCtx, fn);
      const loss = readF32(pLoss, nLoss);
      return { loss: reduction === 'none' ? loss : loss[0], grad: readF32(pGrad, N * C) };
    } finally {
      rt.free(pGrad);
      rt.free(pLoss);
      rt.free(pWeight);
      rt.free(pTarget);
      rt.free(pLogits);
    }
  }

  /**
   * Knowledge distillation: F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1),
   * reduction='batchmean') * T*T. Returns { loss, grad }, grad (N*C) with respect to the
   * student logits only.
   */
  function distillation(studentLogits, teacherLogits, options) {
    const fn = 'loss.distillation';
    checkOptions(fn, options, KD_OPTIONS);
    const { numClasses: C, temperature } = options;
    const N = rowsOf(fn, 'studentLogits', studentLogits, C);
    rowsOf(fn, 'teacherLogits', teacherLogits, C);
    if (teacherLogits.length !== studentLogits.length) {
      throw new WasmTricksError('WT_ERR_SHAPE',
        `${fn}: teacherLogits has length ${teacherLogits.length}, studentLogits ${studentLogits.length}; they must match`);
    }
    argCheck(typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0,
      `${fn}: temperature must be a finite number > 0, got ${describe(temperature)}`);
    let pS = 0, pT = 0, pLoss = 0, pGrad = 0;
    try {
      pS = rt.copyIn(studentLogits, 'studentLogits');
      pT = rt.copyIn(teacherLogits, 'teacherLogits');
      pLoss = rt.alloc(4, 'loss');
      pGrad = rt.alloc(N * C * 4, 'grad');
      rt.check(rt.exports.wt_wasm_distillation(moduleCtx, N, C, pS, pT, temperature, pLoss, pGrad), moduleCtx, fn);
      return { loss: readF32(pLoss, 1)[0], grad: readF32(pGrad, N * C) };
    } finally {
      rt.free(pGrad);
      rt.free(pLoss);
      rt.free(pT);
      rt.free(pS);
    }
  }

  return Object.freeze({ crossEntropy, distillation });
}
