// export.js - wt.exportPyTorch: a run (a Trainer, or checkpoint bytes) as a standalone PyTorch
// script. The files: train.py (the run's configuration as JSON, then examples/pytorch/wt_models.py
// - the engine's models with its state_dict names and safetensors format - then the training
// script js/export_train.py; torch + torchvision only), init.safetensors (the weights the run
// starts from) and teacher.safetensors (with distillation). Node writes them (the CLI's
// export-pytorch); a browser offers them as downloads. Not here: what the script does (its own
// comments), the option checks (the Trainer made them).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { decodeCheckpoint } from './checkpoint.js';
import { isNode, importNode, readURL } from './runtime.js';
import { FASHION_MNIST_DIR } from './data.js';
import { optionEntry } from './options.js';
import { classifierName } from './model.js';

const NAMED_MODELS = ['student_cnn', 'resnet', 'resnet18'];
// The data sets the CLI knows by name, as the folders the script reads.
const DATA_BY_NAME = { 'fashion-mnist': FASHION_MNIST_DIR, mnist: '/usr/share/datasets/mnist/' };
const RUN_KEYS = ['data', 'imageSize', 'limit', 'epochs', 'batchSize', 'dropLast', 'shuffle', 'seed', 'normalize', 'classNames', 'teacher'];

// The sources the script is made of, as literal URLs so bundlers (Vite) ship them as assets.
const MODELS_PY = new URL('../examples/pytorch/wt_models.py', import.meta.url);
const TRAIN_PY = new URL('./export_train.py', import.meta.url);

/** The text of a file (Node: from disk; browsers: fetched). */
async function sourceText(url) {
  return new TextDecoder().decode(await readURL(url, 'exportPyTorch'));
}

/** The run's settings from a Trainer or checkpoint bytes: { desc, model, spec, normalization,
    classNames, fit, teacher } (desc: Trainer.describe()'s shape). */
function fromSource(source) {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const ck = decodeCheckpoint(source);
    const spec = JSON.parse(safetensorsMeta(ck.model).spec ?? 'null');
    // The script continues the checkpoint's run: from its epoch and step, on its schedule (as
    // the checkpoint resolved it), from its weights; the optimizer's moments start afresh. A
    // finished run (its epoch at the run's end) runs its recipe again from its weights.
    return { desc: ck.options, weights: ck.model, spec, normalization: ck.normalization, classNames: ck.classNames,
      fit: ck.fit, start: { epoch: ck.epoch, step: ck.steps }, teacher: null };
  }
  argCheck(source && typeof source.describe === 'function' && source.model,
    `exportPyTorch: source must be a Trainer or checkpoint bytes, got ${describe(source)}`);
  source._alive('exportPyTorch');
  return { desc: source.describe(), weights: source.model.save(), spec: source.model.spec,
    normalization: source.normalization, classNames: source.classNames, fit: {}, start: { epoch: 0, step: 0 },
    teacher: source.teacher?.save() ?? null };
}

/** The __metadata__ of safetensors bytes the engine wrote (string values). */
function safetensorsMeta(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))).__metadata__ ?? {};
}

/**
 * The files of a run as a PyTorch script: { files: { 'train.py': string, 'init.safetensors':
 * Uint8Array, 'teacher.safetensors'?: Uint8Array } }.
 * source: a Trainer (its options, its model's weights now, its teacher) or checkpoint bytes.
 * run: { data (required: 'fashion-mnist', 'mnist' or a folder, as the CLI's --data), imageSize,
 * limit, epochs, batchSize, dropLast, shuffle, seed, normalize, classNames, teacher (checkpoint
 * sources: the teacher's safetensors bytes) }; absent values: the checkpoint's, then fit()'s
 * defaults.
 */
export async function exportPyTorch(source, run = {}) {
  const fn = 'exportPyTorch';
  argCheck(run && typeof run === 'object', `${fn}: run must be an object, got ${describe(run)}`);
  for (const k of Object.keys(run)) argCheck(RUN_KEYS.includes(k), `${fn}: unknown run option '${k}' (known: ${RUN_KEYS.join(', ')})`);
  const s = fromSource(source);
  argCheck(s.spec && (NAMED_MODELS.includes(s.spec.model) || Array.isArray(s.spec.layers)),
    `${fn}: the model's spec is neither a named model nor a layer list, got ${describe(s.spec)}`);
  argCheck(typeof run.data === 'string' && run.data.length > 0,
    `${fn}: run.data must be the data set the script reads ('fashion-mnist', 'mnist' or a folder), got ${describe(run.data)}`);
  const data = DATA_BY_NAME[run.data] ?? run.data;
  if (isNode) {
    const { existsSync } = await importNode('node:fs');
    argCheck(existsSync(data), `${fn}: no such data folder ${data}`);
  }
  const d = s.desc;
  const teacher = run.teacher ?? s.teacher;
  argCheck(!d.distillation || teacher instanceof Uint8Array,
    `${fn}: the run distils from a teacher: pass its weights (run.teacher, safetensors bytes)`);
  const int = (name, v, min) => {
    argCheck(v === undefined || (Number.isSafeInteger(v) && v >= min), `${fn}: run.${name} must be an integer >= ${min}, got ${describe(v)}`);
    return v;
  };
  const normalize = run.normalize ?? s.normalization ?? null;
  const config = {
    data: { path: data, imageSize: int('imageSize', run.imageSize, 1) ?? null, limit: int('limit', run.limit, 1) ?? null },
    // The architecture for --init '' (fresh weights; input and classes come from the data).
    model: s.spec.layers ? { layers: s.spec.layers } : { model: s.spec.model, ...(s.spec.depth ? { depth: s.spec.depth } : {}),
      ...(s.spec.zero_init_residual ? { zero_init_residual: true } : {}) },
    init: 'init.safetensors',
    teacher: d.distillation ? 'teacher.safetensors' : null,
    epochs: int('epochs', run.epochs ?? s.fit.epochs, 1) ?? optionEntry('epochs').default,
    batchSize: int('batchSize', run.batchSize ?? (s.fit.batchSize || undefined), 1) ?? optionEntry('batchSize').default,
    dropLast: run.dropLast ?? s.fit.dropLast ?? optionEntry('dropLast').default,
    shuffle: run.shuffle ?? optionEntry('shuffle').default,
    seed: int('seed', run.seed, 0) ?? 1,
    start: null,
    optimizer: d.optimizer,
    schedule: d.schedule ?? null,
    labelSmoothing: d.labelSmoothing ?? 0,
    gradClipNorm: d.gradClipNorm ?? 0,
    mixup: d.mixup ?? null,
    cutmix: d.cutmix ?? null,
    ricap: d.ricap ?? null,
    switchProb: d.switchProb ?? optionEntry('switchProb').default,
    distillation: d.distillation ?? null,
    augment: d.augment ?? {},
    ...(d.freeze || d.paramGroups ? { freeze: d.freeze, paramGroups: d.paramGroups, frozenBatchNorm: d.frozenBatchNorm,
      head: classifierName(s.spec) } : {}),
    normalize: normalize && { mean: [...normalize.mean], std: [...normalize.std] },
    normalizeGiven: run.normalize !== undefined,
    classNames: run.classNames ?? s.classNames ?? null,
  };
  config.start = s.start.epoch < config.epochs ? s.start : { epoch: 0, step: 0 };
  const [models, script] = await Promise.all([sourceText(MODELS_PY), sourceText(TRAIN_PY)]);
  // JSON inside a raw triple-quoted string: an apostrophe is written as its JSON escape.
  const json = JSON.stringify(config, null, 1).replace(/'/g, '\\u0027');
  // A raw docstring: a data path may hold backslashes.
  const text = `#!/usr/bin/env python3
r"""train.py - a wasmtricks run as a standalone PyTorch script (torch + torchvision only).
Generated by wasmtricks export-pytorch (js/export.js from examples/pytorch/wt_models.py and
js/export_train.py); do not edit: export again, or override settings with flags.

  python3 train.py                         the exported run (${config.epochs} epoch(s), batch ${config.batchSize},
                                           seed ${config.seed}, data ${data}); writes model.safetensors here
  torchrun --nproc_per_node 4 train.py     the same global batch and lr over 4 processes (DDP)
  python3 train.py --epochs 90 --data DIR --init model.safetensors --set mixup.alpha=0.4
  python3 train.py --help

The written model.safetensors loads in wasmtricks (wt.models.load, the studio's import,
\`wasmtricks eval --model-file model.safetensors\`).
"""
import json

CONFIG = json.loads(r'''${json}''')

# ---- examples/pytorch/wt_models.py: the engine's models (state_dict names) and safetensors
${models.replace(/^"""[\s\S]*?"""\n/, '')}
${script}`;
  const files = { 'train.py': text, 'init.safetensors': s.weights };
  if (d.distillation) files['teacher.safetensors'] = teacher;
  return { files };
}

/** Node: writes exportPyTorch's files into dir (made if missing); returns their paths. */
export async function writeExport(dir, files) {
  const fs = await importNode('node:fs/promises');
  const path = await importNode('node:path');
  await fs.mkdir(dir, { recursive: true });
  const out = [];
  for (const [name, body] of Object.entries(files)) {
    const p = path.join(dir, name);
    await fs.writeFile(p, body, name.endsWith('.py') ? { mode: 0o755 } : undefined);
    out.push(p);
  }
  return out;
}
