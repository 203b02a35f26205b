// index.js - the package entry: `import { init } from 'wasmtricks'`; `const wt = await init()`
// loads one instance of dist/wasmtricks.wasm (Node: from disk; browsers and Web Workers: by
// URL) and returns the API bound to it: wt.models, wt.Trainer, wt.data, wt.liveBytes().
// Instances are independent (each has its own memory).

import { WasmTricksError } from './errors.js';
import { Runtime, defaultWasmURL, relaxedWasmURL, relaxedSimdSupported, buildOfKernel, SIMD_CHOICES } from './runtime.js';
import { Model, makeModels } from './model.js';
import { Trainer } from './trainer.js';
import { makeData } from './data.js';
import { makeLoss } from './loss.js';
import * as image from './image.js';
import { optionSchema, presets, presetAbout } from './options.js';
import { exportPyTorch } from './export.js';
import { PRETRAINED } from './pretrained.js';

// optionSchema: one entry per Trainer / fit option; presets: preset name -> Trainer options;
// presetAbout: preset name -> one line on what it is.
// PRETRAINED: the backbones the package ships (wt.models.pretrained(name)).
export { WasmTricksError, Model, Trainer, defaultWasmURL, relaxedWasmURL, optionSchema, presets, presetAbout, PRETRAINED };

/** Which module init() loads and whether its kernels are forced scalar, from `simd` (see
    SIMD_CHOICES), `forceScalar` (the same as simd: 'scalar') and `wasm` (a module the caller
    chose: `simd` then only forces the scalar kernels, and is checked against the module after
    loading). */
async function chooseBuild(opts) {
  const simd = opts.simd ?? 'auto';
  if (!SIMD_CHOICES.includes(simd)) {
    throw new WasmTricksError('WT_ERR_ARG', `init: simd must be one of ${SIMD_CHOICES.map((c) => `'${c}'`).join(', ')} (got ${JSON.stringify(simd)})`);
  }
  const forceScalar = !!opts.forceScalar || simd === 'scalar';
  if (forceScalar && (simd === 'relaxed' || simd === 'simd128')) {
    throw new WasmTricksError('WT_ERR_ARG', `init: forceScalar contradicts simd: '${simd}'`);
  }
  if (opts.wasm === undefined && (forceScalar || simd === 'simd128')) {
    return { simd, forceScalar, wasm: defaultWasmURL };
  }
  // Asked also for a given module: in Node this turns relaxed SIMD on, so one can be compiled.
  const relaxed = await relaxedSimdSupported();
  if (simd === 'relaxed' && !relaxed) {
    throw new WasmTricksError('WT_ERR_UNSUPPORTED', "init: simd: 'relaxed' needs WebAssembly relaxed SIMD, which this host does not validate (Safari and older browsers do not have it); use simd: 'auto' to fall back to 'simd128'");
  }
  if (opts.wasm !== undefined) return { simd, forceScalar, wasm: opts.wasm };
  return { simd, forceScalar, wasm: relaxed ? relaxedWasmURL : defaultWasmURL };
}

/**
 * @param {{ wasm?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module,
 *           simd?: 'auto' | 'relaxed' | 'simd128' | 'scalar', forceScalar?: boolean }} [opts]
 */
export async function init(opts = {}) {
  if (opts === null || typeof opts !== 'object') {
    throw new WasmTricksError('WT_ERR_ARG', 'init: options must be an object');
  }
  const { simd, forceScalar, wasm } = await chooseBuild(opts);
  const rt = await Runtime.load({ ...opts, wasm });
  // The module-level context: utility calls (IDX, conversions) report their errors here.
  const ctx = rt.createContext(0, forceScalar);
  const kernelName = rt.cstring(rt.exports.wt_wasm_ctx_kernel_name(ctx) >>> 0);
  const build = buildOfKernel(kernelName);
  if ((simd === 'relaxed' || simd === 'simd128') && build !== simd) {
    rt.destroyContext(ctx);
    throw new WasmTricksError('WT_ERR_ARG', `init: simd: '${simd}' but the given wasm module is the '${build}' build`);
  }
  const models = makeModels(rt, forceScalar);

  class BoundTrainer extends Trainer {
    constructor(model, options) {
      super(rt, model, options);
    }
  }
  Object.defineProperty(BoundTrainer, 'name', { value: 'Trainer' });

  const augmentOps = (await import('./augment.js')).makeAugment(rt, ctx);
  const { makeBatch, makeBatchAugment } = await import('./batch.js');
  const batchApi = makeBatch(rt, ctx);
  const batchAugment = makeBatchAugment(batchApi);
  return Object.freeze({
    models,
    Trainer: BoundTrainer,
    data: makeData(rt, ctx),
    loss: makeLoss(rt, ctx),
    optim: (await import('./optim.js')).makeOptim(rt, ctx),
    augment: Object.freeze({ ...augmentOps, ...batchAugment }),
    batch: batchApi,
    /** A Trainer's run (or checkpoint bytes) as a standalone PyTorch script: resolves to
        { files: { 'train.py', 'init.safetensors', 'teacher.safetensors'? } } (export.js). */
    exportPyTorch,
    /** Canvas I/O: toInput(source, { shape }), draw(canvas, image), predict(trainer, source). */
    image,
    kernelName,
    /** The build running: 'relaxed' (FMA kernels), 'simd128' (wasm SIMD, multiply then add) or
        'scalar' (the baseline module's scalar kernels). */
    build,
    /** The module's imports, as "module.name" strings (for diagnostics). */
    imports: rt.imports,
    /** Bytes held by all live contexts: the module's plus one per live model. */
    liveBytes: () => rt.liveBytes(),
    /** Bytes of wasm linear memory (it grows, never shrinks). */
    memoryBytes: () => rt.memory.buffer.byteLength,
    /** { wasmMemoryBytes, liveBytes, liveAllocations }: the linear memory's size, and the bytes
        and blocks held by the engine's tracked allocator over all live contexts (the module's,
        one per model); a leak check: disposing everything returns both to the baseline. */
    stats: () => {
      let liveAllocations = 0;
      for (const c of rt.contexts) liveAllocations += rt.exports.wt_wasm_ctx_live_allocs(c);
      return { wasmMemoryBytes: rt.memory.buffer.byteLength, liveBytes: rt.liveBytes(), liveAllocations };
    },
    WasmTricksError,
  });
}
