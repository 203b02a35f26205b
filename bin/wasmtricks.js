#!/usr/bin/env node
// wasmtricks - the command line over the JS API: `train` (a data set by name or path, a model,
// every trick as a flag or a preset, a live progress line, checkpoints and resume, test accuracy
// at the end), `eval` (accuracy table and confusion matrix of a saved model) and `predict`
// (top-5 class names for image files). Not here: the training loop itself (js/fit.js).

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { init } from '../js/index.js';
import { writeFileAtomic, decodeCheckpoint } from '../js/checkpoint.js';

const USAGE = `usage: wasmtricks train --data <fashion-mnist | mnist | folder> [options]
       wasmtricks eval --model-file FILE --data <...> [--limit N]
       wasmtricks predict --model-file FILE IMAGE... [--top-k N]

train: trains a model with the bag of tricks, shows a live progress line, reports test accuracy.
eval: accuracy, top-5, per-class accuracy and the confusion matrix of a saved model.
predict: the top-k classes of PNG/JPEG files (decoded by the engine).

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
recipe:
  --preset NAME         baseline: SGD lr 0.01 momentum 0.9 weight decay 5e-4, cosine over the run
                        bag-of-tricks: baseline + 10% linear warm-up + label smoothing 0.1
                          + mixup 0.2 + no bias decay
                        cifar-autoaugment: SGD lr 0.1 nesterov + cosine, pad-4 crop + flip
                          + AutoAugment CIFAR10 + Cutout 16      [default: baseline]
  --epochs N            passes over the training set             [default: 1]
  --batch-size N        images per step                          [default: 64]
  --optimizer NAME      sgd, adam, adamw, adabound               [default: the preset's]
  --lr X                learning rate                            [default: the preset's]
  --final-lr X          AdaBound's final (SGD) lr                [default: 0.1]
  --momentum X          SGD momentum                             [default: 0.9]
  --nesterov            SGD Nesterov momentum
  --weight-decay X      L2 weight decay                          [default: 5e-4]
  --no-bias-decay       no weight decay on biases and BatchNorm parameters
  --schedule NAME       cosine (annealed to 0 over the run, per step) or constant
  --warmup-epochs N     linear warm-up epochs before the schedule [default: the preset's]
  --label-smoothing X   CrossEntropyLoss label smoothing
  --mixup A             mixup, lambda ~ Beta(A, A) on every batch
  --cutmix A            CutMix, lambda ~ Beta(A, A) (with --mixup: either, half the batches each)
  --cutmix-prob P       probability that a batch is cut-mixed    [default: 0.5, with --mixup 1]
  --ricap B             RICAP with Beta(B, B) boundaries
  --teacher FILE        distil from a teacher (a file written by --save, or model.save())
  --kd-temperature T    distillation temperature                 [default: 4]
  --kd-weight W         loss = CE + W * KD                       [default: 1]
  --clip-grad-norm X    clip gradients to global 2-norm X (clip_grad_norm_) [default: off]
  --threads N|auto      data-parallel training on N threads (auto: every core) [default: 1]
  --prefetch MODE       on, off or auto: a loader worker augments the next batch while the
                        step runs (the same numbers either way); auto: on when the host has
                        a core the --threads leave free                 [default: auto]
augmentation (per image, training only):
  --random-crop PAD     random crop of the input size after zero padding PAD
  --random-resized-crop RandomResizedCrop to the input size (scale 0.08-1)
  --hflip               horizontal flip with probability 0.5
  --autoaugment POLICY  AutoAugment: imagenet, cifar10 or svhn
  --randaugment         RandAugment (2 ops, magnitude 9)
  --trivialaugment      TrivialAugmentWide
  --cutout N            Cutout: one N x N hole (after normalisation)
  --random-erasing P    RandomErasing with probability P
files:
  --save FILE           the trained model: FILE.safetensors (weights, plus FILE.json with class
                        names and normalisation) or any other name: a full checkpoint
  --checkpoint FILE     a checkpoint written atomically after every epoch
  --resume FILE         continue the run of a checkpoint (same data, epochs and batch size)
  --model-file FILE     eval / predict: a checkpoint or a .safetensors written by --save
  --top-k N             predict: classes shown per image           [default: 5]
  --seed N              seed for weights, shuffling and augmentation [default: 1]
  -h, --help            show this help
`;

const int = (min) => ({ type: 'int', min });
const FLAGS = {
  data: { type: 'string' }, 'data-dir': { type: 'string' }, 'image-size': int(1), limit: int(1),
  'test-limit': int(1), validation: { type: 'float', range: [0, 1] },
  model: { type: 'string' }, 'zero-init-residual': { type: 'bool' },
  preset: { type: 'string', choices: ['baseline', 'bag-of-tricks', 'cifar-autoaugment'] },
  epochs: int(1), 'batch-size': int(1),
  optimizer: { type: 'string', choices: ['sgd', 'adam', 'adamw', 'adabound'] },
  lr: { type: 'float', positive: true }, 'final-lr': { type: 'float', positive: true },
  momentum: { type: 'float' }, nesterov: { type: 'bool' }, 'weight-decay': { type: 'float' },
  'no-bias-decay': { type: 'bool' }, schedule: { type: 'string', choices: ['cosine', 'constant'] },
  'warmup-epochs': int(0), 'label-smoothing': { type: 'float', range: [0, 1] },
  mixup: { type: 'float', positive: true }, cutmix: { type: 'float', positive: true },
  'cutmix-prob': { type: 'float', range: [0, 1] }, ricap: { type: 'float', positive: true },
  teacher: { type: 'string' }, 'kd-temperature': { type: 'float', positive: true },
  'kd-weight': { type: 'float', positive: true }, 'clip-grad-norm': { type: 'float', positive: true },
  threads: { type: 'string' }, prefetch: { type: 'string', choices: ['on', 'off', 'auto'] },
  'random-crop': int(0), 'random-resized-crop': { type: 'bool' }, hflip: { type: 'bool' },
  autoaugment: { type: 'string', choices: ['imagenet', 'cifar10', 'svhn'] },
  randaugment: { type: 'bool' }, trivialaugment: { type: 'bool' }, cutout: int(1),
  'random-erasing': { type: 'float', range: [0, 1] },
  save: { type: 'string' }, checkpoint: { type: 'string' }, resume: { type: 'string' },
  'model-file': { type: 'string' }, 'top-k': int(1), seed: int(0),
};
const COMMANDS = ['train', 'eval', 'predict'];

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
    if (flag.type !== 'string') {
      const v = Number(value);
      const ok = value.trim() !== '' && Number.isFinite(v) && (flag.type !== 'int' || Number.isSafeInteger(v)) &&
        (flag.min === undefined || v >= flag.min) && (!flag.positive || v > 0) &&
        (!flag.range || (v >= flag.range[0] && v <= flag.range[1]));
      if (!ok) {
        const want = flag.type === 'int' ? `an integer >= ${flag.min}` : flag.positive ? 'a positive number'
          : flag.range ? `a number in [${flag.range[0]}, ${flag.range[1]}]` : 'a number';
        throw new UsageError(`option --${name} must be ${want}, got '${value}'`);
      }
      value = v;
    } else if (flag.choices && !flag.choices.includes(value)) {
      throw new UsageError(`option --${name} must be one of ${flag.choices.join(', ')}, got '${value}'`);
    }
    o[name] = value;
  }
  const command = rest.shift();
  if (command === undefined) throw new UsageError('missing command (train, eval or predict)');
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command '${command}' (known: ${COMMANDS.join(', ')})`);
  if (command !== 'predict' && rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (command !== 'predict' && o.data === undefined) throw new UsageError(`${command} needs --data (fashion-mnist, mnist or a folder)`);
  if (command !== 'train' && o['model-file'] === undefined) throw new UsageError(`${command} needs --model-file`);
  if (command === 'predict' && rest.length === 0) throw new UsageError('predict needs one or more image files');
  if (o.model !== undefined && !/^(student|resnet(8|14|20|32|44|56|18))$/.test(o.model)) {
    throw new UsageError(`option --model must be student, resnet8, ..., resnet56 or resnet18, got '${o.model}'`);
  }
  if (o.ricap && (o.mixup || o.cutmix)) throw new UsageError('--ricap cannot be combined with --mixup or --cutmix');
  const policies = ['autoaugment', 'randaugment', 'trivialaugment'].filter((k) => o[k]);
  if (policies.length > 1) throw new UsageError(`choose one of --${policies.join(', --')}`);
  if (o.resume && !existsSync(o.resume)) throw new UsageError(`--resume: no such file ${o.resume}`);
  if (o.teacher && !existsSync(o.teacher)) throw new UsageError(`--teacher: no such file ${o.teacher}`);
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
      `acc ${pct(p.accuracy)} | ${p.imagesPerSecond.toFixed(0)} img/s | lr ${p.lr.toPrecision(3)} | ETA ${fmtTime(p.eta)}`;
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
  const seed = o.seed ?? 1;
  if (name === 'student') return wt.models.studentCNN({ inputShape: [...shape], numClasses, seed });
  const zeroInitResidual = !!o['zero-init-residual'];
  if (name === 'resnet18') return wt.models.resnet18({ inputShape: [...shape], numClasses, seed, zeroInitResidual });
  return wt.models.resnet({ depth: Number(name.slice(6)), inputShape: [...shape], numClasses, seed, zeroInitResidual });
}

/** Trainer options from the flags: the preset, then every flag given over it. */
function trainerOptions(o, teacher) {
  const t = { preset: o.preset ?? 'baseline', seed: o.seed ?? 1 };
  const opt = {};
  if (o.optimizer) opt.name = o.optimizer;
  if (o.optimizer && o.optimizer !== 'sgd' && o.lr === undefined) opt.lr = 1e-3;
  for (const [flag, key] of [['lr', 'lr'], ['weight-decay', 'weightDecay']]) if (o[flag] !== undefined) opt[key] = o[flag];
  if (o['no-bias-decay']) opt.noBiasDecay = true;
  if (!o.optimizer || o.optimizer === 'sgd') {
    if (o.momentum !== undefined) opt.momentum = o.momentum;
    if (o.nesterov) opt.nesterov = true;
  } else if (o.momentum !== undefined || o.nesterov) {
    throw new UsageError('--momentum and --nesterov are SGD options');
  }
  if (o['final-lr'] !== undefined) {
    if (o.optimizer !== 'adabound') throw new UsageError('--final-lr is an AdaBound option (--optimizer adabound)');
    opt.finalLr = o['final-lr'];
  }
  if (opt.name && opt.name !== 'sgd') opt.weightDecay ??= 5e-4;
  if (Object.keys(opt).length) t.optimizer = opt;
  if (o.schedule === 'constant') t.schedule = null;
  if (o['warmup-epochs'] !== undefined && o.schedule !== 'constant') {
    t.schedule = { name: 'cosine', tMax: 'auto', warmupSteps: 0, warmupStartFactor: 0.1, warmupEpochs: o['warmup-epochs'] ?? 0 };
  }
  if (o['label-smoothing'] !== undefined) t.labelSmoothing = o['label-smoothing'];
  if (o.mixup) t.mixup = { alpha: o.mixup };
  if (o.cutmix) t.cutmix = { alpha: o.cutmix, prob: o['cutmix-prob'] };
  if (o.ricap) t.ricap = { beta: o.ricap };
  if (o['clip-grad-norm'] !== undefined) t.gradClipNorm = o['clip-grad-norm'];
  if (o.threads !== undefined) {
    const n = Number(o.threads);
    if (o.threads !== 'auto' && !(/^\d+$/.test(o.threads) && n >= 1 && n <= 64)) {
      throw new UsageError(`option --threads must be an integer in [1, 64] or 'auto', got '${o.threads}'`);
    }
    t.threads = o.threads === 'auto' ? 'auto' : n;
  }
  const aug = {};
  if (o['random-crop'] !== undefined) aug.randomCrop = { padding: o['random-crop'] };
  if (o['random-resized-crop']) aug.randomResizedCrop = true;
  if (o.hflip) aug.hflip = true;
  if (o.autoaugment) aug.autoAugment = o.autoaugment;
  if (o.randaugment) aug.randAugment = true;
  if (o.trivialaugment) aug.trivialAugment = true;
  if (o.cutout) aug.cutout = o.cutout;
  if (o['random-erasing'] !== undefined) aug.randomErasing = { p: o['random-erasing'] };
  if (Object.keys(aug).length) t.augment = aug;
  if (teacher) {
    t.teacher = teacher;
    t.distillation = { temperature: o['kd-temperature'] ?? 4, weight: o['kd-weight'] ?? 1 };
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
    await writeFileAtomic(path, trainer.model.save());
    writeFileSync(`${path.slice(0, -'.safetensors'.length)}.json`, `${JSON.stringify(meta, null, 2)}\n`);
  } else {
    await writeFileAtomic(path, trainer.checkpoint());
  }
}

/** A model file (checkpoint or .safetensors + .json) as { model, normalization, classNames }. */
function loadModelFile(wt, path) {
  const bytes = new Uint8Array(readFileSync(path));
  if (new TextDecoder().decode(bytes.subarray(0, 8)) === 'WTCKPT01') {
    const ck = decodeCheckpoint(bytes);
    return { model: wt.models.load(ck.model), normalization: ck.normalization, classNames: ck.classNames };
  }
  const side = path.replace(/\.safetensors$/, '') + '.json';
  const meta = existsSync(side) ? JSON.parse(readFileSync(side, 'utf8')) : {};
  return { model: wt.models.load(bytes), normalization: meta.normalization, classNames: meta.classNames };
}

function evalTrainer(wt, loaded) {
  const t = new wt.Trainer(loaded.model, { optimizer: { name: 'sgd', lr: 0 },
    normalize: loaded.normalization ?? undefined });
  if (loaded.classNames) t.classNames = loaded.classNames;
  return t;
}

async function train(o) {
  const wt = await init();
  const t0 = performance.now();
  let trainSet = await loadData(wt, o, 'train');
  let testSet = null;
  try {
    testSet = await loadData(wt, o, 'test');
  } catch (e) {
    if (o.data === 'fashion-mnist' || o.data === 'mnist') throw e;
  }
  if (o.limit) trainSet = trainSet.sample(o.limit, { seed: o.seed ?? 1 });
  if (testSet && o['test-limit']) testSet = testSet.sample(o['test-limit'], { seed: o.seed ?? 1 });
  let validation;
  if (o.validation) ({ train: trainSet, validation } = trainSet.split(o.validation, { seed: o.seed ?? 1 }));
  const teacher = o.teacher ? loadModelFile(wt, o.teacher).model : null;
  const model = makeModel(wt, o, trainSet.shape, trainSet.numClasses);
  const batchSize = o['batch-size'] ?? 64;
  const epochs = o.epochs ?? 1;
  const steps = Math.ceil(trainSet.length / batchSize);
  let trainer;
  try {
    trainer = new wt.Trainer(model, withRunLength(trainerOptions(o, teacher), steps));
    const d = trainer.describe();
    const tricks = [d.labelSmoothing ? `label smoothing ${d.labelSmoothing}` : '',
      d.mixup ? `mixup ${d.mixup.alpha}` : '', d.cutmix ? `cutmix ${d.cutmix.alpha} (p ${d.cutmix.prob})` : '',
      d.ricap ? `ricap ${d.ricap.beta}` : '',
      ...Object.keys(d.augment), d.optimizer.noBiasDecay ? 'no bias decay' : '',
      d.distillation ? `distillation T=${d.distillation.temperature}` : '',
      d.gradClipNorm ? `grad clip norm ${d.gradClipNorm}` : ''].filter(Boolean);
    const threads = d.threads.used > 1 ? `; ${d.threads.used} threads` : d.threads.note ? `; 1 thread (${d.threads.note})` : '';
    console.log(`wasmtricks: ${trainSet.name}, ${trainSet.length} training${testSet ? ` and ${testSet.length} test` : ''} images ` +
      `${trainSet.shape.join('x')}, ${trainSet.numClasses} classes; ${o.model ?? 'student'} (${model.paramCount} parameters); ` +
      `preset ${d.preset ?? 'none'}: ${d.optimizer.name} lr ${d.optimizer.lr}` +
      `${d.optimizer.momentum ? ` momentum ${d.optimizer.momentum}` : ''} weight decay ${d.optimizer.weightDecay}, ` +
      `${trainer.schedule ? 'cosine' : 'constant'} lr${tricks.length ? `, ${tricks.join(', ')}` : ''}; batch ${batchSize}, ` +
      `${epochs} epoch(s), seed ${o.seed ?? 1}; kernel ${wt.kernelName}${threads}`);
    const onProgress = progressLine();
    const prefetch = { on: true, off: false, auto: 'auto' }[o.prefetch ?? 'auto'];
    const r = await trainer.fit(trainSet, { epochs, batchSize, validation, checkpoint: o.checkpoint, resume: o.resume, prefetch,
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
  } finally {
    trainer?.dispose();
    model.dispose();
    teacher?.dispose();
  }
}

async function evalCmd(o) {
  const wt = await init();
  const loaded = loadModelFile(wt, o['model-file']);
  let data;
  try {
    data = await loadData(wt, o, 'test');
  } catch (e) {
    if (!/has no test split/.test(e.message)) throw e;
    data = await loadData(wt, o, 'train');
  }
  if (o.limit) data = data.sample(o.limit, { seed: o.seed ?? 1 });
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
  const wt = await init();
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
    process.stdout.write(USAGE);
    return 0;
  }
  const { command, o, files } = parsed;
  try {
    if (command === 'train') await train(o);
    else if (command === 'eval') await evalCmd(o);
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
