// runs.js - what the studio and the distillation demo share about a training run: the models a
// user can pick (by name, or the small "tiny CNN" spec), the run form's controls (each names
// the optionSchema option it sets; the presets are the package's), Trainer options built from
// the page's settings, the starting points (fresh, a shipped backbone, a saved run), and Run: one WorkerTrainer (js/worker.js) with its curves recorded from
// the progress events (train loss and accuracy per step, validation per epoch, lr, images/s),
// drawn with lib/chart.js. Not here: the pages' layouts and event handling.

import { WorkerTrainer, openStore } from '../js/worker.js';
import { lineChart, barChart } from './lib/chart.js';
import { presets, presetAbout, optionEntry, setOption } from '../js/options.js';
import { PRETRAINED, pretrainedBytes } from '../js/pretrained.js';

/** A worker for WorkerTrainer started from web/ (see worker-entry.js: offline needs it). */
export const appWorker = () => new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module', name: 'wasmtricks' });

/** WorkerTrainer.load(name) from `store` with the app's worker. trainer: Trainer options
    (default: the ones saved with the run; an imported weights file gets load()'s defaults). */
export const loadRun = (store, name, trainer) =>
  WorkerTrainer.load(name, { store, worker: appWorker(), ...(trainer ? { trainer } : {}) });

/** The models on offer. `desc` gives WorkerTrainer.create's model option. */
export const MODELS = Object.freeze({
  tiny: { label: 'Tiny CNN (fast, about 0.1 M parameters)', desc: (inputShape, K) => ({ spec: tinySpec(inputShape, K) }) },
  student: { label: 'Student CNN (1.6 M parameters)', desc: () => ({ name: 'student' }) },
  resnet8: { label: 'ResNet-8', desc: () => ({ name: 'resnet8' }) },
  resnet20: { label: 'ResNet-20 (slow)', desc: () => ({ name: 'resnet20' }) },
});

/** conv3x3(16) ReLU maxpool2, conv3x3(32) ReLU maxpool2, linear 64, ReLU, linear K. */
export function tinySpec([C, H, W], K) {
  return {
    input: [C, H, W], classes: K,
    layers: [
      { type: 'conv2d', name: 'conv1', out_channels: 16, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 },
      { type: 'conv2d', name: 'conv2', out_channels: 32, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'maxpool2d', kernel: 2 },
      { type: 'flatten' }, { type: 'linear', name: 'fc1', out_features: 64 }, { type: 'relu' },
      { type: 'linear', name: 'fc', out_features: K },
    ],
  };
}

/** Trained starting points on offer besides the fresh models: the package's shipped backbones
    (PRETRAINED) and, added by the studio, its saved runs ('saved:<name>'); each gets a new head
    for the data's classes (WorkerTrainer's model.head). */
export const STARTS = Object.freeze(Object.fromEntries(Object.entries(PRETRAINED).map(([name, p]) =>
  [`pretrained:${name}`, { label: `${p.label} (pretrained, new head)`, name, inputShape: p.inputShape }])));
export const SAVED = 'saved:';

/** WorkerTrainer.create's model option for a Model setting: a fresh model (MODELS), a shipped
    backbone (STARTS) or a saved run of `store` ('saved:<name>') with a new head. */
export async function modelSource(model, inputShape, classNames, { seed = 1, store } = {}) {
  const head = { numClasses: classNames.length, classNames: [...classNames], seed };
  if (model.startsWith(SAVED)) {
    const rec = await store.load(model.slice(SAVED.length));
    return { checkpoint: rec.checkpoint ?? rec.weights, head };
  }
  const start = STARTS[model];
  if (!start) return modelOption(model, inputShape, classNames, seed);
  if (start.inputShape.join('x') !== inputShape.join('x')) {
    throw new Error(`${start.label} takes ${start.inputShape.join('x')} images, these are ${inputShape.join('x')}: ` +
      `use "My images" (colour, 32 x 32) or a model trained from scratch`);
  }
  return { checkpoint: await pretrainedBytes(start.name), head };
}

export function modelOption(model, inputShape, classNames, seed = 1) {
  const m = MODELS[model];
  if (!m) throw new Error(`unknown model '${model}'`);
  return { ...m.desc(inputShape, classNames.length), inputShape: [...inputShape], numClasses: classNames.length, classNames: [...classNames], seed };
}

/** The page's settings of a run (flat: one per control; tricks at 0 / '' / false are off). */
export const DEFAULTS = Object.freeze({
  model: 'tiny', train: 'all', headLr: 0, epochs: 2, batchSize: 64, optimizer: 'sgd', lr: 0.05, weightDecay: 5e-4, nesterov: false,
  noBiasDecay: false, cosine: true, warmup: false,
  labelSmoothing: 0, gradClipNorm: 0, mixup: 0, cutmix: 0, ricap: 0,
  hflip: false, randomCrop: 0, autoAugment: '', trivialAugment: false, cutout: 0, randomErasing: 0,
});

/**
 * The run form: one control per setting, each naming the optionSchema option it sets
 * (data-option on the page; tests/js/web-form.test.mjs holds the two together). FIELDS are
 * plain controls, TRICKS a toggle plus its parameter (bool tricks: the toggle alone); `on` is
 * the parameter's value when a trick is switched on.
 */
export const FIELDS = Object.freeze([
  { key: 'preset', option: 'preset', label: 'Preset', options: [['custom', 'custom'], ...Object.keys(presets).map((k) => [k, k, presetAbout[k]])] },
  { key: 'model', label: 'Model', options: [...Object.entries(MODELS), ...Object.entries(STARTS)].map(([k, m]) => [k, m.label]) },
  { key: 'train', option: 'freeze', label: 'Train', options: [['all', 'every layer'], ['head', 'the head only (backbone frozen)']] },
  { key: 'headLr', option: 'paramGroups', label: 'Head learning rate (0: the run\'s)', number: [0, 2, 'any'] },
  { key: 'epochs', option: 'epochs', label: 'Epochs', number: [1, 100, 1] },
  { key: 'batchSize', option: 'batchSize', label: 'Batch size', options: [16, 32, 64, 128].map((v) => [v, String(v)]) },
  { key: 'optimizer', option: 'optimizer.name', label: 'Optimizer', options: [['sgd', 'SGD (momentum 0.9)'], ['adam', 'Adam'], ['adamw', 'AdamW'], ['adabound', 'AdaBound']] },
  { key: 'lr', option: 'optimizer.lr', label: 'Learning rate', number: [0.00001, 2, 'any'] },
  { key: 'weightDecay', option: 'optimizer.weightDecay', label: 'Weight decay', number: [0, 0.1, 'any'] },
  { key: 'nesterov', option: 'optimizer.nesterov', label: 'Nesterov', bool: true },
  { key: 'noBiasDecay', option: 'optimizer.noBiasDecay', label: 'No bias decay', bool: true },
  { key: 'cosine', option: 'schedule.name', label: 'Cosine schedule', bool: true },
  { key: 'warmup', option: 'schedule.warmupSteps', label: 'Warm-up (10% of the run)', bool: true },
]);
export const TRICKS = Object.freeze([
  { key: 'labelSmoothing', option: 'labelSmoothing', label: 'Label smoothing', param: 'epsilon', number: [0.01, 0.5, 0.01], on: 0.1 },
  { key: 'gradClipNorm', option: 'gradClipNorm', label: 'Gradient clipping', param: 'max norm', number: [0.1, 10, 0.1], on: 1 },
  { key: 'mixup', option: 'mixup.alpha', label: 'mixup', param: 'alpha', number: [0.05, 4, 0.05], on: 0.2 },
  { key: 'cutmix', option: 'cutmix.alpha', label: 'CutMix', param: 'alpha', number: [0.05, 4, 0.05], on: 1 },
  { key: 'ricap', option: 'ricap.beta', label: 'RICAP', param: 'beta', number: [0.05, 4, 0.05], on: 0.3 },
  { key: 'randomCrop', option: 'augment.randomCrop.padding', label: 'Random crop', param: 'padding', number: [1, 8, 1], on: 2 },
  { key: 'hflip', option: 'augment.hflip', label: 'Horizontal flip', bool: true },
  { key: 'autoAugment', option: 'augment.autoAugment', label: 'AutoAugment', param: 'policy', options: [['imagenet', 'ImageNet'], ['cifar10', 'CIFAR-10'], ['svhn', 'SVHN']], on: 'cifar10' },
  { key: 'trivialAugment', option: 'augment.trivialAugment', label: 'TrivialAugment', bool: true },
  { key: 'cutout', option: 'augment.cutout.length', label: 'Cutout', param: 'length', number: [1, 28, 1], on: 8 },
  { key: 'randomErasing', option: 'augment.randomErasing.p', label: 'RandomErasing', param: 'p', number: [0.05, 1, 0.05], on: 0.5 },
]);

/** The value of option `name` ('augment.cutout.length') in Trainer options; a shorthand on the
    way (cutout: 16, hflip: true, mixup: true) gives its number, or the option's default. */
function optionValue(options, name) {
  let v = options;
  for (const k of name.split('.')) {
    if (v === undefined || v === null || v === false) return undefined;
    if (typeof v !== 'object') return typeof v === 'number' ? v : optionEntry(name).default ?? v;
    v = v[k];
  }
  return v === true && optionEntry(name).type !== 'boolean' ? optionEntry(name).default : v;
}

/** The page's settings for Trainer options (a preset: `presets` of the package). */
export function settingsFromOptions(o) {
  // Not from a preset: the run's length and the model (fit and page settings); the schedule's
  // two toggles are read below.
  const own = ['preset', 'model', 'train', 'headLr', 'epochs', 'batchSize', 'cosine', 'warmup'];
  const s = {};
  for (const f of [...FIELDS, ...TRICKS]) {
    if (own.includes(f.key)) continue;
    const v = optionValue(o, f.option);
    s[f.key] = f.bool ? !!v : v ?? (f.options ? '' : 0);
  }
  s.train = o.freeze?.includes('@backbone') ? 'head' : 'all';
  s.headLr = o.paramGroups?.find((g) => g.match === '@head')?.lr ?? 0;
  s.cosine = o.schedule?.name === 'cosine';
  s.warmup = !!o.schedule?.warmupSteps;
  return s;
}

/** Each preset of the package as page settings. */
export const PRESETS = Object.freeze(Object.fromEntries(Object.entries(presets).map(([k, o]) => [k, Object.freeze(settingsFromOptions(o))])));

/** wt.Trainer options from the page's settings (tricks at 0 / '' / false are off). */
export function trainerOptions(s) {
  const optimizer = { name: s.optimizer, lr: s.lr, weightDecay: s.weightDecay };
  if (s.optimizer === 'sgd') Object.assign(optimizer, { momentum: 0.9, nesterov: !!s.nesterov });
  if (s.noBiasDecay) optimizer.noBiasDecay = true;
  const o = { optimizer };
  if (s.cosine || s.warmup) {
    o.schedule = s.cosine ? { name: 'cosine', tMax: 'auto' } : { name: 'constant' };
    if (s.warmup) Object.assign(o.schedule, { warmupSteps: 'auto', warmupStartFactor: 0.1 });
  }
  // Fine-tuning: the head alone ('@backbone' frozen), the head's own lr ('@head' group).
  if (s.train === 'head') o.freeze = ['@backbone'];
  if (s.headLr > 0) o.paramGroups = [{ match: '@head', lr: s.headLr }];
  // Each trick switched on sets its option ('mixup.alpha': { mixup: { alpha } }).
  for (const t of TRICKS) {
    const v = s[t.key];
    if (typeof v === 'number' ? v > 0 : v) setOption(o, t.option, v);
  }
  return o;
}

/** A one-line description of the settings (legends, saved runs). */
export function describeSettings(s) {
  const on = [];
  if (s.labelSmoothing > 0) on.push(`LS ${s.labelSmoothing}`);
  if (s.gradClipNorm > 0) on.push(`clip ${s.gradClipNorm}`);
  if (s.mixup > 0) on.push(`mixup ${s.mixup}`);
  if (s.cutmix > 0) on.push(`CutMix ${s.cutmix}`);
  if (s.ricap > 0) on.push(`RICAP ${s.ricap}`);
  if (s.randomCrop > 0) on.push(`crop ${s.randomCrop}`);
  if (s.hflip) on.push('flip');
  if (s.autoAugment) on.push(`AA ${s.autoAugment}`);
  if (s.trivialAugment) on.push('TA');
  if (s.cutout > 0) on.push(`Cutout ${s.cutout}`);
  if (s.randomErasing > 0) on.push(`RE ${s.randomErasing}`);
  if (s.warmup) on.push('warm-up');
  if (s.noBiasDecay) on.push('no bias decay');
  if (s.train === 'head') on.push('head only');
  if (s.headLr > 0) on.push(`head lr ${s.headLr}`);
  return `${s.model}, ${s.optimizer} lr ${s.lr}${s.cosine ? ' cosine' : ''}, ${s.epochs} ep${on.length ? `; ${on.join(', ')}` : ''}`;
}

/** One training run in a worker, with its curves. */
export class Run {
  constructor(label) {
    this.label = label;
    this.trainer = null;
    this.reset();
  }

  reset() {
    this.curves = { loss: [], acc: [], valLoss: [], valAcc: [], lr: [], speed: [] };
    this.last = null;
    this.state = 'idle';
  }

  /** A new WorkerTrainer (the old one is terminated). */
  async create(model, options) {
    await this.dispose();
    this.reset();
    this.trainer = await WorkerTrainer.create({ model, trainer: options, worker: appWorker() });
    return this.trainer;
  }

  /** Adopts a WorkerTrainer (a loaded run) and its saved curves. */
  async adopt(trainer, curves) {
    await this.dispose();
    this.reset();
    this.trainer = trainer;
    if (curves) this.curves = curves;
  }

  record(p) {
    this.last = p;
    if (p.type === 'step') {
      const x = p.epoch - 1 + p.step / p.steps;
      this.curves.loss.push([x, p.loss]);
      this.curves.acc.push([x, p.accuracy]);
      this.curves.lr.push([x, p.lr]);
      this.curves.speed.push([x, p.imagesPerSecond]);
    } else if (p.type === 'epoch' && p.validation) {
      this.curves.valLoss.push([p.epoch, p.validation.loss]);
      this.curves.valAcc.push([p.epoch, p.validation.accuracy]);
    }
  }

  async fit(train, options) {
    this.state = 'training';
    try {
      const r = await this.trainer.fit(train, {
        ...options,
        onProgress: (p) => { this.record(p); options.onProgress?.(p); },
      });
      this.state = r.stopped ? 'stopped' : 'done';
      return r;
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }

  async dispose() {
    const t = this.trainer;
    this.trainer = null;
    if (t) await t.terminate();
  }
}

/** Thins a long curve to at most n points (keeps the last). */
const thin = (pts, n = 400) => (pts.length <= n ? pts : pts.filter((_, i) => i % Math.ceil(pts.length / n) === 0 || i === pts.length - 1));

/** The four charts of the runs' curves, overlaid: { loss, acc, lr, speed } SVG strings. */
export function runCharts(runs, { width = 560, height = 300 } = {}) {
  const series = (key, valKey) => runs.flatMap((r) => [
    { name: `${r.label} train`, points: thin(r.curves[key]) },
    ...(valKey ? [{ name: `${r.label} validation`, points: r.curves[valKey] }] : []),
  ]);
  const colors = (list) => list.map((s, i) => ({ ...s, color: ['#0072B2', '#56B4E9', '#D55E00', '#E69F00'][valIndex(list, i)] }));
  const valIndex = (list, i) => (list.length === 4 ? i : i * 2);
  return {
    loss: lineChart({ series: colors(series('loss', 'valLoss')), title: 'Loss', xLabel: 'epoch', yLabel: 'cross-entropy', width, height, markers: false }),
    acc: lineChart({ series: colors(series('acc', 'valAcc')), title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', width, height, yRange: [0, 1], markers: false }),
    lr: lineChart({ series: colors(series('lr')), title: 'Learning rate', xLabel: 'epoch', yLabel: 'lr', width, height, markers: false }),
    speed: lineChart({ series: colors(series('speed')), title: 'Images per second', xLabel: 'epoch', yLabel: 'images/s', width, height, markers: false }),
  };
}

/** Top-k predictions as a bar chart. */
export const topChart = (top, title = 'Top 5') =>
  barChart({ bars: top.map((t) => ({ name: t.className, value: Math.round(t.probability * 1000) / 1000 })), title, yLabel: 'probability', width: 320, height: 220 });

/** Curves of saved runs live in localStorage beside the IndexedDB checkpoint (small JSON). */
const CURVES_KEY = (name) => `wasmtricks.curves.${name}`;
export function saveCurves(name, run, settings) {
  try {
    localStorage.setItem(CURVES_KEY(name), JSON.stringify({ curves: run.curves, settings }));
  } catch (e) {
    console.warn('curves not saved:', e);
  }
}
export function loadCurves(name) {
  try {
    return JSON.parse(localStorage.getItem(CURVES_KEY(name)) ?? 'null');
  } catch {
    return null;
  }
}
export function dropCurves(name) {
  localStorage.removeItem(CURVES_KEY(name));
}

export { WorkerTrainer, openStore };
