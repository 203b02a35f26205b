#!/usr/bin/env node
// wasmtricks - the command line over the JS API: `train` (a data set by name or path, a model,
// every trick as a flag or a preset, a live progress line, checkpoints and resume, test accuracy
// at the end), `eval` (accuracy table and confusion matrix of a saved model), `predict`
// (top-5 class names for image files) and `export-pytorch` (the run of the train flags, or of a
// checkpoint, as a PyTorch script: js/export.js). Not here: the training loop itself (js/fit.js).

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { init } from '../js/index.js';
import { SIMD_CHOICES } from '../js/runtime.js';
import { writeFileAtomic, decodeCheckpoint, weightsFile, weightsMetadata } from '../js/checkpoint.js';
import { writeExport } from '../js/export.js';
import { optionSchema, presets, optionEntry, setOption, rangeText, inRange } from '../js/options.js';

// The train flags that are Trainer or fit options come from optionSchema (js/options.js): their
// names, value checks, --help lines and mapping. The flags below are the CLI's own.
const HEAD = `usage: wasmtricks train --data <fashion-mnist | mnist | folder> [options]
       wasmtricks eval --model-file FILE --data <...> [--limit N]
       wasmtricks predict --model-file FILE IMAGE... [--top-k N]
       wasmtricks export-pytorch --data <...> [train options | --checkpoint FILE] --out DIR

train: trains a model with the bag of tricks, shows a live progress line, reports test accuracy.
eval: accuracy, top-5, per-class accuracy and the confusion matrix of a saved model.
predict: the top-k classes of PNG/JPEG files (decoded by the engine).
export-pytorch: writes DIR/train.py, a standalone PyTorch script (torch + torchvision) of the run
  the train options describe (or of the checkpoint FILE), with DIR/init.safetensors (its starting
  weights); run it as 'python3 DIR/train.py' or 'torchrun --nproc_per_node N DIR/train.py'.

data:
  --data NAME|DIR       fashion-mnist (Debian's dataset-fashion-mnist), mnist, or a folder of
                        IDX files, CIFAR-10/100 binary batches, or an ImageFolder (class
                        sub-folders, optionally under train/ and test/)
  --data-dir DIR        the Fashion-MNIST folder                  [default: Debian's]
  --image-size N        ImageFolder: decode to N x N               [default: first image's]
  --limit N             train on a seeded random subset of N images [default: all]
  --test-limit N        evaluate on a seeded random subset of N test images
  --validation F        hold out a fraction F of the training set, evaluated every epoch
model:
  --model NAME          student, resnet8, resnet14, resnet20, resnet32, resnet44, resnet56,
                        resnet18                                   [default: student]
  --zero-init-residual  ResNets: each block's last BatchNorm weight starts at 0
  --init FILE           start from a saved model: a .safetensors (model.save(), --save, or
                        examples/pytorch/export_weights.py) or a checkpoint; the model, its
                        weights and its normalisation come from the file (not its optimizer state)
  --head N              with --init: a new classifier for N classes (model.withHead), needed
                        when the file's classes are not the data set's
schedule:
  --schedule NAME       cosine (annealed to 0 over the run, per step) or constant
  --warmup-epochs N     linear warm-up epochs before the schedule [default: the preset's]
files:
  --save FILE           the trained model: FILE.safetensors (weights, plus FILE.json with class
                        names and normalisation) or any other name: a full checkpoint
  --model-file FILE     eval / predict: a checkpoint or a .safetensors written by --save
  --top-k N             predict: classes shown per image           [default: 5]
  --out DIR             export-pytorch: the folder for train.py and its weights
engine:
  --simd BUILD          the module and kernels: auto (relaxed SIMD's FMA module where the host
                        validates it, else simd128), relaxed, simd128 or scalar [default: auto]
  -h, --help            show this help
`;

const int = (min) => ({ type: 'int', min });
const FLAGS = {
  data: { type: 'string' }, 'data-dir': { type: 'string' }, 'image-size': int(1), limit: int(1),
  'test-limit': int(1), validation: { type: 'float', min: 0, max: 1 },
  model: { type: 'string' }, 'zero-init-residual': { type: 'bool' }, init: { type: 'string' }, head: int(2),
  schedule: { type: 'string', choices: ['cosine', 'constant'] }, 'warmup-epochs': int(0),
  save: { type: 'string' }, 'model-file': { type: 'string' }, 'top-k': int(1), out: { type: 'string' },
  simd: { type: 'string', choices: SIMD_CHOICES },
};

// The CLI's own defaults for two options (a run is always seeded and uses a preset).
const CLI_DEFAULTS = { preset: 'baseline', seed: 1 };

/** The flag of a schema entry: its value type, range (cliCheck, else the option's) and choices. */
function schemaFlag(e) {
  const range = e.cliCheck ?? { min: e.min, max: e.max, exclusiveMin: e.exclusiveMin };
  if (e.type === 'boolean' && e.auto) return { type: 'string', choices: ['on', 'off', 'auto'], entry: e };
  if (e.type === 'boolean') return { type: 'bool', entry: e };
  if (e.type === 'integer' || e.type === 'number') return { type: e.type === 'integer' ? 'int' : 'float', ...range, auto: e.auto, entry: e };
  if (e.type === 'array') return { type: 'string', list: e.cliList, entry: e };
  return { type: 'string', choices: e.choices, entry: e };
}
const SCHEMA_FLAGS = optionSchema.filter((e) => e.cli);
for (const e of SCHEMA_FLAGS) FLAGS[e.cli.slice(2)] = schemaFlag(e);

const GROUPS = { recipe: 'recipe', optimizer: 'optimizer', schedule: 'schedule', loss: 'loss', batch: 'batch tricks',
  finetune: 'fine-tuning', distillation: 'distillation', augment: 'augmentation (per image, training only)', fit: 'the run' };

/** A value in --help: the array-free short form (5e-4, not 0.0005). */
const show = (v) => (typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-2 ? v.toExponential().replace(/\.?0+e/, 'e') : String(v));

/** What a flag gives when absent: the CLI's default, the baseline preset's value, or the
    option's; none for the first flag of a trick (--mixup, --random-crop: the flag turns it on). */
function flagDefault(e) {
  if (e.name in CLI_DEFAULTS) return show(CLI_DEFAULTS[e.name]);
  const inPreset = e.name.split('.').reduce((v, k) => v?.[k], presets.baseline);
  if (inPreset !== undefined) return `the preset's (baseline: ${show(inPreset)})`;
  const parent = e.name.split('.').slice(0, -1).join('.');
  const turnsOn = parent && !['optimizer', 'distillation'].includes(parent) &&
    SCHEMA_FLAGS.find((f) => f.name.startsWith(`${parent}.`)) === e;
  return e.default === undefined || (e.type === 'boolean' && !e.auto) || turnsOn ? '' : show(e.default);
}

/** --help: the CLI's own flags, then every schema option with a flag, by group. */
function usage() {
  const wrap = (text, first, indent) => {
    const lines = [];
    let line = first;
    for (const word of text.split(' ')) {
      if (line.length + word.length + 1 > 100 && line.trim().length > first.trim().length) {
        lines.push(line);
        line = indent;
      }
      line += (line.endsWith(' ') ? '' : ' ') + word;
    }
    return [...lines, line].join('\n');
  };
  const out = [HEAD.trimEnd()];
  for (const [group, title] of Object.entries(GROUPS)) {
    const entries = SCHEMA_FLAGS.filter((e) => e.group === group);
    if (!entries.length) continue;
    out.push(`${title}:`);
    for (const e of entries) {
      const f = FLAGS[e.cli.slice(2)];
      const arg = f.type === 'bool' ? '' : ` ${e.cliArg ?? (f.choices ? 'NAME' : f.type === 'int' ? 'N' : f.type === 'float' ? 'X' : 'FILE')}`;
      const choices = f.choices && e.type === 'string' ? ` (${f.choices.join(', ')})` : f.choices ? ` (${f.choices.join(', ')})` : '';
      const dflt = flagDefault(e);
      const head = `  ${e.cli}${arg}`.padEnd(24);
      out.push(wrap(`${e.help}${choices}${dflt ? ` [default: ${dflt}]` : ''} (option ${e.name})`, head, ' '.repeat(24)));
    }
  }
  const apiOnly = optionSchema.filter((e) => !e.cli).map((e) => e.name).join(', ');
  out.push(wrap(`options without a flag (the package's Trainer and fit() take them; optionSchema): ${apiOnly}`, '', '  '));
  return `${out.join('\n')}\n`;
}

const COMMANDS = ['train', 'eval', 'predict', 'export-pytorch'];

class UsageError extends Error {}

function parseArgs(argv) {
  const o = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { help: true };
    if (!arg.startsWith('-') || arg === '-') {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = arg.startsWith('--') ? FLAGS[name] : undefined;
    if (!flag) throw new UsageError(`unknown option '${arg}'`);
    if (flag.type === 'bool') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      o[name] = true;
      continue;
    }
    let value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    if (flag.type !== 'string' && !(flag.auto && value === 'auto')) {
      const v = Number(value);
      const ok = value.trim() !== '' && Number.isFinite(v) && (flag.type !== 'int' || Number.isSafeInteger(v)) && inRange(v, flag);
      if (!ok) {
        const want = flag.type === 'int' ? (flag.max !== undefined ? `an integer in [${flag.min}, ${flag.max}]` : `an integer >= ${flag.min}`)
          : flag.exclusiveMin === 0 && flag.max === undefined ? 'a positive number' : rangeText(flag) ? `a number ${rangeText(flag)}` : 'a number';
        throw new UsageError(`option --${name} must be ${want}${flag.auto ? " or 'auto'" : ''}, got '${value}'`);
      }
      value = v;
    } else if (flag.choices && !flag.choices.includes(value)) {
      throw new UsageError(`option --${name} must be one of ${flag.choices.join(', ')}, got '${value}'`);
    }
    if (flag.list !== undefined) { // a repeatable flag: its values collect into a list
      o[name] = [...(o[name] ?? []), ...(flag.list ? value.split(flag.list).filter((v) => v !== '') : [value])];
      continue;
    }
    o[name] = value;
  }
  const command = rest.shift();
  if (command === undefined) throw new UsageError('missing command (train, eval, predict or export-pytorch)');
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command '${command}' (known: ${COMMANDS.join(', ')})`);
  if (command !== 'predict' && rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (command !== 'predict' && o.data === undefined) throw new UsageError(`${command} needs --data (fashion-mnist, mnist or a folder)`);
  if ((command === 'eval' || command === 'predict') && o['model-file'] === undefined) throw new UsageError(`${command} needs --model-file`);
  if (command === 'export-pytorch') {
    if (o.out === undefined) throw new UsageError('export-pytorch needs --out DIR');
    if (!['fashion-mnist', 'mnist'].includes(o.data) && !existsSync(o.data)) throw new UsageError(`--data: no such data folder ${o.data}`);
    if (o.checkpoint && !existsSync(o.checkpoint)) throw new UsageError(`--checkpoint: no such file ${o.checkpoint}`);
  }
  if (command === 'predict' && rest.length === 0) throw new UsageError('predict needs one or more image files');
  if (o.model !== undefined && !/^(student|resnet(8|14|20|32|44|56|18))$/.test(o.model)) {
    throw new UsageError(`option --model must be student, resnet8, ..., resnet56 or resnet18, got '${o.model}'`);
  }
  if (o.ricap && (o.mixup || o.cutmix)) throw new UsageError('--ricap cannot be combined with --mixup or --cutmix');
  const policies = ['autoaugment', 'randaugment', 'trivialaugment'].filter((k) => o[k]);
  if (policies.length > 1) throw new UsageError(`choose one of --${policies.join(', --')}`);
  if (o.resume && !existsSync(o.resume)) throw new UsageError(`--resume: no such file ${o.resume}`);
  if (o.teacher && !existsSync(o.teacher)) throw new UsageError(`--teacher: no such file ${o.teacher}`);
  if (o.init && !existsSync(o.init)) throw new UsageError(`--init: no such file ${o.init}`);
  if (o.head !== undefined && !o.init) throw new UsageError('--head needs --init FILE (the model whose classifier it replaces)');
  for (const f of ['model', 'zero-init-residual']) {
    if (o.init && o[f] !== undefined) throw new UsageError(`--${f} cannot be combined with --init: the model comes from the file`);
  }
  if (o['model-file'] && !existsSync(o['model-file'])) throw new UsageError(`--model-file: no such file ${o['model-file']}`);
  return { command, o, files: rest };
}

const fmtTime = (s) => {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
};
const pct = (v) => `${(100 * v).toFixed(2)}%`;

/** A progress line: \r-updated on a terminal, a plain line every 10% otherwise. */
function progressLine() {
  const tty = process.stdout.isTTY;
  let lastDraw = 0;
  let lastDecile = -1;
  let lastEpoch = 0;
  return (p) => {
    if (p.type !== 'step') return;
    if (p.epoch !== lastEpoch) { lastEpoch = p.epoch; lastDecile = 0; }
    const frac = p.step / p.steps;
    const final = p.step === p.steps;
    const label = `epoch ${p.epoch}/${p.epochs}`;
    const stats = `step ${String(p.step).padStart(String(p.steps).length)}/${p.steps} | loss ${p.loss.toFixed(4)} | ` +
      `acc ${pct(p.accuracy)} | ${p.imagesPerSecond.toFixed(0)} img/s | lr ${p.lr.toPrecision(3)} | ETA ${fmtTime(p.eta)}` +
      `${p.cachedFeatures ? ' | cached features' : ''}`;
    if (tty) {
      const now = performance.now();
      if (!final && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 20;
      const fill = Math.round(frac * width);
      const bar = '='.repeat(Math.max(0, fill - 1)) + (fill ? (fill === width ? '=' : '>') : '') + ' '.repeat(width - fill);
      process.stdout.write(`\r\x1b[K${label} [${bar}] ${stats}`);
      if (final) process.stdout.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (!final && decile <= lastDecile) return;
      lastDecile = decile;
      console.log(`${label} ${(100 * frac).toFixed(0).padStart(3)}% ${stats}`);
    }
  };
}

async function loadData(wt, o, split) {
  if (o.data === 'fashion-mnist') return wt.data.fashionMNIST({ split, dir: o['data-dir'] });
  const size = o['image-size'];
  return wt.data.open(o.data, { split, shape: size ? [3, size, size] : undefined });
}

function makeModel(wt, o, shape, numClasses) {
  const name = o.model ?? 'student';
  const seed = o.seed ?? CLI_DEFAULTS.seed;
  if (name === 'student') return wt.models.studentCNN({ inputShape: [...shape], numClasses, seed });
  const zeroInitResidual = !!o['zero-init-residual'];
  if (name === 'resnet18') return wt.models.resnet18({ inputShape: [...shape], numClasses, seed, zeroInitResidual });
  return wt.models.resnet({ depth: Number(name.slice(6)), inputShape: [...shape], numClasses, seed, zeroInitResidual });
}

// Options the flags below map by hand: their flag alone does not set them.
const MAPPED_BY_HAND = new Set(['preset', 'seed', 'teacher', 'cutmix.prob', 'distillation.temperature', 'distillation.weight']);

/** Trainer options from the flags: the preset, then every flag given over it; normalize: an
    --init file's normalisation (a pretrained backbone expects its own). */
function trainerOptions(o, teacher, normalize) {
  const t = { preset: o.preset ?? CLI_DEFAULTS.preset, seed: o.seed ?? CLI_DEFAULTS.seed };
  if (normalize) t.normalize = normalize;
  for (const e of SCHEMA_FLAGS) {
    const v = o[e.cli.slice(2)];
    if (v !== undefined && e.group !== 'fit' && !MAPPED_BY_HAND.has(e.name)) setOption(t, e.name, v);
  }
  // The optimizer's flags: SGD's and AdaBound's own, and the CLI's defaults for the Adam family.
  const opt = t.optimizer ?? {};
  if (opt.name && opt.name !== 'sgd') {
    if (opt.momentum !== undefined || opt.nesterov) throw new UsageError('--momentum and --nesterov are SGD options');
    opt.lr ??= 1e-3;
  }
  if (opt.finalLr !== undefined && opt.name !== 'adabound') {
    throw new UsageError('--final-lr is an AdaBound option (--optimizer adabound)');
  }
  if (opt.name && opt.name !== 'sgd') opt.weightDecay ??= 5e-4;
  if (Object.keys(opt).length) t.optimizer = opt;
  if (o.schedule === 'constant') t.schedule = null;
  if (o['warmup-epochs'] !== undefined && o.schedule !== 'constant') {
    t.schedule = { name: 'cosine', tMax: 'auto', warmupSteps: 0, warmupStartFactor: 0.1, warmupEpochs: o['warmup-epochs'] ?? 0 };
  }
  // CutMix's probability and the distillation settings count only with CutMix / a teacher.
  if (t.cutmix) t.cutmix.prob = o['cutmix-prob'];
  if (teacher) {
    t.teacher = teacher;
    t.distillation = { temperature: o['kd-temperature'] ?? optionEntry('distillation.temperature').default,
      weight: o['kd-weight'] ?? optionEntry('distillation.weight').default };
  }
  return t;
}

/** The schedule flags need the run length: turn warm-up epochs into steps once it is known. */
function withRunLength(t, stepsPerEpoch) {
  if (!t.schedule || t.schedule.warmupEpochs === undefined) return t;
  const { warmupEpochs, ...s } = t.schedule;
  return { ...t, schedule: { ...s, warmupSteps: warmupEpochs * stepsPerEpoch } };
}

function printEval(ev, classNames, title) {
  console.log(`${title}: accuracy ${pct(ev.accuracy)} (${Math.round(ev.accuracy * ev.count)}/${ev.count}), ` +
    `top-5 ${pct(ev.top5)}, loss ${ev.loss.toFixed(4)}`);
  const w = Math.max(5, ...classNames.map((c) => c.length));
  console.log(`${'class'.padEnd(w)}  accuracy   images`);
  ev.perClass.forEach((a, c) => {
    const n = ev.confusion[c].reduce((s, v) => s + v, 0);
    console.log(`${(classNames[c] ?? String(c)).padEnd(w)}  ${Number.isNaN(a) ? '     -' : pct(a).padStart(7)}  ${String(n).padStart(7)}`);
  });
  const K = ev.confusion.length;
  if (K > 20) return;
  const cw = Math.max(4, ...ev.confusion.flat().map((v) => String(v).length)) + 1;
  console.log(`confusion matrix (rows: true class, columns: predicted)`);
  console.log(`${''.padEnd(w)} ${Array.from({ length: K }, (_, j) => String(j).padStart(cw)).join('')}`);
  ev.confusion.forEach((row, c) => {
    console.log(`${`${c} ${classNames[c] ?? ''}`.slice(0, w).padEnd(w)} ${row.map((v) => String(v).padStart(cw)).join('')}`);
  });
}

async function saveModel(path, trainer, meta) {
  if (path.endsWith('.safetensors')) {
    // the file alone predicts from pixels (its __metadata__); the .json beside it as before
    await writeFileAtomic(path, weightsFile(trainer.model.save(), meta));
    writeFileSync(`${path.slice(0, -'.safetensors'.length)}.json`, `${JSON.stringify(meta, null, 2)}\n`);
  } else {
    await writeFileAtomic(path, trainer.checkpoint());
  }
}

/** A model file (checkpoint or .safetensors + .json) as { model, normalization, classNames };
    without a .json beside it, those of the file's __metadata__ (export_weights.py, exportWeights). */
function loadModelFile(wt, path, seed) {
  const bytes = new Uint8Array(readFileSync(path));
  try {
    if (new TextDecoder().decode(bytes.subarray(0, 8)) === 'WTCKPT01') {
      const ck = decodeCheckpoint(bytes);
      return { model: wt.models.load(ck.model, { seed }), normalization: ck.normalization, classNames: ck.classNames };
    }
    const model = wt.models.load(bytes, { seed }); // the engine's checks of the file first
    const side = path.replace(/\.safetensors$/, '') + '.json';
    const meta = existsSync(side) ? JSON.parse(readFileSync(side, 'utf8')) : weightsMetadata(bytes, model.numClasses, 'the model file');
    return { model, normalization: meta.normalization, classNames: meta.classNames };
  } catch (e) {
    e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/** The model a run starts from: --init's file (its classifier replaced with --head), else a new
    --model. Returns { model, normalization, note } (note: what the header line says). */
function startModel(wt, o, data) {
  const seed = o.seed ?? CLI_DEFAULTS.seed;
  if (!o.init) return { model: makeModel(wt, o, data.shape, data.numClasses), note: o.model ?? 'student' };
  const loaded = loadModelFile(wt, o.init, seed);
  const m = loaded.model;
  try {
    if (m.inputShape.join('x') !== data.shape.join('x')) {
      throw new UsageError(`--init ${o.init} takes ${m.inputShape.join('x')} images, the data set has ${data.shape.join('x')}` +
        `${o.data.startsWith('fashion') || o.data === 'mnist' ? '' : ' (an ImageFolder: --image-size)'}`);
    }
    const K = o.head ?? m.numClasses;
    if (K !== data.numClasses) {
      throw new UsageError(o.head !== undefined ? `--head ${o.head}: the data set has ${data.numClasses} classes`
        : `--init ${o.init} has ${m.numClasses} classes, the data set ${data.numClasses}: pass --head ${data.numClasses} for a new classifier`);
    }
  } catch (e) {
    m.dispose();
    throw e;
  }
  const spec = m.spec;
  const kind = spec.model === 'resnet' ? `resnet${spec.depth}` : spec.model ?? 'layer list';
  if (o.head === undefined) return { model: m, normalization: loaded.normalization, note: `${kind} from ${o.init}` };
  try {
    return { model: m.withHead(o.head, { seed }), normalization: loaded.normalization,
      note: `${kind} from ${o.init} with a new ${o.head}-class head (was ${m.numClasses})` };
  } finally {
    m.dispose();
  }
}

function evalTrainer(wt, loaded) {
  const t = new wt.Trainer(loaded.model, { optimizer: { name: 'sgd', lr: 0 },
    normalize: loaded.normalization ?? undefined });
  if (loaded.classNames) t.classNames = loaded.classNames;
  return t;
}

async function train(o) {
  const wt = await init({ simd: o.simd ?? 'auto' });
  const t0 = performance.now();
  let trainSet = await loadData(wt, o, 'train');
  let testSet = null;
  try {
    testSet = await loadData(wt, o, 'test');
  } catch (e) {
    if (o.data === 'fashion-mnist' || o.data === 'mnist') throw e;
  }
  if (o.limit) trainSet = trainSet.sample(o.limit, { seed: o.seed ?? CLI_DEFAULTS.seed });
  if (testSet && o['test-limit']) testSet = testSet.sample(o['test-limit'], { seed: o.seed ?? CLI_DEFAULTS.seed });
  let validation;
  if (o.validation) ({ train: trainSet, validation } = trainSet.split(o.validation, { seed: o.seed ?? CLI_DEFAULTS.seed }));
  const teacher = o.teacher ? loadModelFile(wt, o.teacher).model : null;
  let start;
  try {
    start = startModel(wt, o, trainSet);
  } catch (e) {
    teacher?.dispose();
    throw e;
  }
  const model = start.model;
  const batchSize = o['batch-size'] ?? optionEntry('batchSize').default;
  const epochs = o.epochs ?? optionEntry('epochs').default;
  const steps = Math.ceil(trainSet.length / batchSize);
  let trainer;
  try {
    trainer = new wt.Trainer(model, withRunLength(trainerOptions(o, teacher, start.normalization), steps));
    const d = trainer.describe();
    const tricks = [d.labelSmoothing ? `label smoothing ${d.labelSmoothing}` : '',
      d.mixup ? `mixup ${d.mixup.alpha}` : '', d.cutmix ? `cutmix ${d.cutmix.alpha} (p ${d.cutmix.prob})` : '',
      d.ricap ? `ricap ${d.ricap.beta}` : '',
      ...Object.keys(d.augment), d.optimizer.noBiasDecay ? 'no bias decay' : '',
      d.distillation ? `distillation T=${d.distillation.temperature}` : '',
      d.gradClipNorm ? `grad clip norm ${d.gradClipNorm}` : ''].filter(Boolean);
    const threads = d.threads.used > 1 ? `; ${d.threads.used} threads` : d.threads.note ? `; 1 thread (${d.threads.note})` : '';
    console.log(`wasmtricks: ${trainSet.name}, ${trainSet.length} training${testSet ? ` and ${testSet.length} test` : ''} images ` +
      `${trainSet.shape.join('x')}, ${trainSet.numClasses} classes; ${start.note} (${model.paramCount} parameters); ` +
      `preset ${d.preset ?? 'none'}: ${d.optimizer.name} lr ${d.optimizer.lr}` +
      `${d.optimizer.momentum ? ` momentum ${d.optimizer.momentum}` : ''} weight decay ${d.optimizer.weightDecay}, ` +
      `${trainer.schedule ? 'cosine' : 'constant'} lr${tricks.length ? `, ${tricks.join(', ')}` : ''}; batch ${batchSize}, ` +
      `${epochs} epoch(s), seed ${o.seed ?? CLI_DEFAULTS.seed}; ${wt.build} build, kernel ${wt.kernelName}${threads}`);
    const onProgress = progressLine();
    const prefetch = { on: true, off: false, auto: 'auto' }[o.prefetch ?? 'auto'];
    const cacheFeatures = { on: true, off: false, auto: 'auto' }[o['cache-features'] ?? 'auto'];
    const r = await trainer.fit(trainSet, { epochs, batchSize, validation, checkpoint: o.checkpoint, resume: o.resume, prefetch, cacheFeatures,
      onProgress: (p) => {
        onProgress(p);
        if (p.type === 'epoch' && p.validation) {
          console.log(`epoch ${p.epoch}: validation accuracy ${pct(p.validation.accuracy)}, loss ${p.validation.loss.toFixed(4)}`);
        }
      } });
    const trainSecs = r.history.reduce((s, h) => s + h.seconds, 0);
    if (o.save) {
      await saveModel(o.save, trainer, { classNames: trainer.classNames, normalization: trainer.normalization });
      console.log(`saved ${o.save}`);
    }
    const evalSet = testSet ?? validation;
    if (evalSet) {
      const ev = trainer.evaluate(evalSet);
      console.log(`${testSet ? 'test' : 'validation'} accuracy: ${pct(ev.accuracy)} (${Math.round(ev.accuracy * ev.count)}/${ev.count}), top-5 ${pct(ev.top5)}`);
    }
    const imgs = r.history.length * trainSet.length;
    console.log(`training: ${(imgs / Math.max(trainSecs, 1e-9)).toFixed(0)} images/s over ${fmtTime(trainSecs)}; ` +
      `total time ${((performance.now() - t0) / 1000).toFixed(1)} s; prefetch ${r.prefetch.used ? 'on' : 'off'}` +
      `${r.prefetch.note ? ` (${r.prefetch.note})` : ''}`);
    // Said when it can matter: a run that caches, or freezes or asked for caching.
    const cache = r.cacheFeatures;
    if (cache.used || trainer.freeze || cache.requested !== 'auto') {
      console.log(`cached features: ${cache.used ? 'on (the head trained on features computed once per image)' : 'off'}` +
        `${cache.reason ? ` (${cache.reason})` : ''}`);
    }
  } finally {
    trainer?.dispose();
    model.dispose();
    teacher?.dispose();
  }
}

/** export-pytorch: a Trainer made as `train` makes it (or the checkpoint given), exported. */
async function exportCmd(o) {
  const wt = await init({ simd: o.simd ?? 'auto' });
  const run = { data: o.data, imageSize: o['image-size'], limit: o.limit, epochs: o.epochs, batchSize: o['batch-size'],
    seed: o.seed ?? CLI_DEFAULTS.seed };
  let files;
  const teacher = o.teacher ? loadModelFile(wt, o.teacher).model : null;
  try {
    if (o.checkpoint) {
      files = (await wt.exportPyTorch(new Uint8Array(readFileSync(o.checkpoint)), { ...run, teacher: teacher?.save() })).files;
    } else {
      const trainSet = await loadData(wt, o, 'train');
      const n = Math.min(o.limit ?? trainSet.length, trainSet.length);
      const batchSize = o['batch-size'] ?? optionEntry('batchSize').default;
      const start = startModel(wt, o, trainSet);
      const model = start.model;
      const trainer = new wt.Trainer(model, withRunLength(trainerOptions(o, teacher, start.normalization), Math.ceil(n / batchSize)));
      try {
        trainer.normalization ??= { mean: [...trainSet.mean], std: [...trainSet.std] };
        trainer.classNames = trainSet.classNames;
        files = (await wt.exportPyTorch(trainer, run)).files;
      } finally {
        trainer.dispose();
        model.dispose();
      }
    }
  } finally {
    teacher?.dispose();
  }
  const paths = await writeExport(o.out, files);
  console.log(`wrote ${paths.join(', ')}\nrun: python3 ${paths[0]}   (or: torchrun --nproc_per_node N ${paths[0]}; --help for its flags)`);
}

async function evalCmd(o) {
  const wt = await init({ simd: o.simd ?? 'auto' });
  const loaded = loadModelFile(wt, o['model-file']);
  let data;
  try {
    data = await loadData(wt, o, 'test');
  } catch (e) {
    if (!/has no test split/.test(e.message)) throw e;
    data = await loadData(wt, o, 'train');
  }
  if (o.limit) data = data.sample(o.limit, { seed: o.seed ?? CLI_DEFAULTS.seed });
  const t = evalTrainer(wt, loaded);
  try {
    const ev = t.evaluate(data);
    printEval(ev, t.classNames ?? data.classNames, `${data.name}`);
  } finally {
    t.dispose();
    loaded.model.dispose();
  }
}

async function predictCmd(o, files) {
  const wt = await init({ simd: o.simd ?? 'auto' });
  const loaded = loadModelFile(wt, o['model-file']);
  const t = evalTrainer(wt, loaded);
  try {
    if (!t.normalization) throw new UsageError(`${o['model-file']} has no normalisation (no checkpoint or .json beside it)`);
    for (const f of files) {
      let bytes;
      try {
        bytes = new Uint8Array(readFileSync(f));
      } catch (e) {
        throw new UsageError(`cannot read ${f} (${e.code ?? e.message})`);
      }
      let img;
      try {
        img = wt.data.decodeImage(bytes);
      } catch (e) {
        e.message = `${f}: ${e.message}`;
        throw e;
      }
      const top = t.predict(img, { topK: o['top-k'] ?? 5 });
      console.log(`${f}: ${top.map((p) => `${p.className} ${(100 * p.probability).toFixed(1)}%`).join(', ')}`);
    }
  } finally {
    t.dispose();
    loaded.model.dispose();
  }
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`wasmtricks: ${e.message} (see wasmtricks --help)\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(usage());
    return 0;
  }
  const { command, o, files } = parsed;
  try {
    if (command === 'train') await train(o);
    else if (command === 'eval') await evalCmd(o);
    else if (command === 'export-pytorch') await exportCmd(o);
    else await predictCmd(o, files);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`wasmtricks: ${e.message} (see wasmtricks --help)\n`);
      return 2;
    }
    throw e;
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`wasmtricks: ${e.code ? `${e.code}: ` : ''}${String(e.message).split('\n')[0]}\n`);
  process.exitCode = 1;
});
