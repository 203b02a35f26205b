// options.js - the one list of the Trainer's and fit()'s options (optionSchema) and the recipes
// (presets, presetAbout). What is derived from them: the option names the Trainer and fit() accept and their
// checks and messages (checkOption, childKeys), the CLI's flags, --help and mapping
// (bin/wasmtricks.js), the studio's preset menu and the options its controls set (web/runs.js);
// tests hold index.d.ts, the optimizer / schedule / augment parsers and the studio's form to it.
// Not here: the checks that tie options together (trainer.js) and the packing of records for
// the engine (optim.js, loader.js).
//
// An entry: { name, type, default, min?, max?, exclusiveMin?, choices?, auto?, cli, cliArg?,
// cliCheck?, cliList?, help, group, web }.
// - name: the option's path in the options object. A nested option is a dotted name with its
//   own entry ('optimizer.lr' is options.optimizer.lr); its parent ('optimizer') has an entry
//   of type 'object'. An option whose value may also be a shorthand (augment.cutout: 16 for
//   { length: 16 }, hflip: true) is an entry of type 'boolean' (true: on, with its defaults)
//   plus one entry per field of its object form (augment.cutout.length).
// - group: where it goes; group 'fit' marks fit()'s options, every other group the Trainer's.
// - type: 'number' | 'integer' | 'boolean' | 'string' (checked from the entry), or 'object',
//   'array', 'model', 'dataset', 'function', 'signal', 'bytes' (checked by the option's parser).
//   auto: true: the string 'auto' is accepted too (resolved later: threads, tMax, warmupSteps).
// - min / max: inclusive bounds; exclusiveMin: the value must be greater.
// - default: the value when absent (undefined: none, the option is off or required).
// - cliList: an array option's flag is repeatable, each value one element (split at cliList
//   when it is not '').
// - cli: the flag of `wasmtricks train` ('--label-smoothing'), or null when the CLI has none;
//   cliArg: the value's name in --help (default by type: N, X, NAME); cliCheck: the CLI's range
//   when it differs from the API's ({ exclusiveMin: 0 }: a flag that turns a trick on takes a
//   value > 0; {}: no range at the CLI, the Trainer checks it).
// - web: whether the training studio shows a control for it (data-option="<name>").

import { argCheck, describe } from './errors.js';

const deepFreeze = (o) => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

const SGD = { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };

/**
 * The recipes, each declared once: name -> { about (one line: what it is, for --help, the
 * studio and the types' docs), options (Trainer options) }. Exported as `presets` (name ->
 * options) and `presetAbout` (name -> about). 'bag-of-tricks' is He et al. 2019;
 * 'cifar-autoaugment' is Cubuk et al. 2019 with DeVries and Taylor 2017; 'small-data' is the
 * tricks that each helped on both data sets of the small-data study (docs/study: Fashion-MNIST
 * 1,000 images, CIFAR-10 4,000) without keeping the model from fitting them; its own study row
 * tests the combination.
 */
const RECIPES = {
  baseline: {
    about: 'SGD lr 0.01 momentum 0.9 weight decay 5e-4, cosine over the run',
    options: { optimizer: SGD, schedule: { name: 'cosine', tMax: 'auto' } },
  },
  'bag-of-tricks': {
    about: 'baseline + 10% linear warm-up + label smoothing 0.1 + mixup 0.2 + no bias decay',
    options: {
      optimizer: { ...SGD, noBiasDecay: true },
      schedule: { name: 'cosine', tMax: 'auto', warmupSteps: 'auto', warmupStartFactor: 0.1 },
      labelSmoothing: 0.1,
      mixup: { alpha: 0.2 },
    },
  },
  'cifar-autoaugment': {
    about: 'SGD lr 0.1 nesterov + cosine, pad-4 crop + flip + AutoAugment CIFAR10 + Cutout 16',
    options: {
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true },
      schedule: { name: 'cosine', tMax: 'auto' },
      augment: { randomCrop: { padding: 4 }, hflip: true, autoAugment: 'cifar10', cutout: 16 },
    },
  },
  'small-data': {
    about: 'few photos, many epochs: baseline + pad-4 crop + flip + CutMix 1.0 on half the batches (its crop costs accuracy on centred, aligned images: docs/study)',
    options: {
      optimizer: SGD,
      schedule: { name: 'cosine', tMax: 'auto' },
      augment: { randomCrop: { padding: 4 }, hflip: true },
      cutmix: { alpha: 1, prob: 0.5 },
    },
  },
};

const mapRecipes = (f) => deepFreeze(Object.fromEntries(Object.entries(RECIPES).map(([k, r]) => [k, f(r)])));
/** Preset name -> Trainer options. */
export const presets = mapRecipes((r) => r.options);
/** Preset name -> one line on what it is. */
export const presetAbout = mapRecipes((r) => r.about);

const o = (name, type, rest) => ({ name, type, default: undefined, cli: null, web: false, ...rest });

export const optionSchema = deepFreeze([
  // ---- the recipe
  o('preset', 'string', { choices: Object.keys(presets), group: 'recipe', cli: '--preset', web: true,
    help: `a recipe; the other options override it. ${Object.entries(presetAbout).map(([k, a]) => `${k}: ${a}`).join('; ')}` }),
  o('seed', 'integer', { min: 0, group: 'recipe', cli: '--seed', help: "reseeds the model's RNG (weights drawn later, shuffling, augmentation, batch tricks)" }),
  o('threads', 'integer', { min: 1, max: 64, auto: true, default: 1, group: 'recipe', cli: '--threads', cliArg: 'N|auto',
    help: 'data-parallel training on N threads (auto: every core)' }),
  o('normalize', 'object', { group: 'recipe', help: "ToTensor + Normalize statistics { mean, std } (default: the training data's)" }),

  // ---- the optimizer (checked by optim.js parseOptimizer; defaults there are per optimizer)
  o('optimizer', 'object', { group: 'optimizer', help: "{ name, lr, ... }; required unless a preset gives it" }),
  o('optimizer.name', 'string', { choices: ['sgd', 'adam', 'adamw', 'adabound'], group: 'optimizer', cli: '--optimizer', web: true,
    help: 'the optimizer' }),
  o('optimizer.lr', 'number', { min: 0, group: 'optimizer', cli: '--lr', cliCheck: { exclusiveMin: 0 }, web: true,
    help: 'learning rate (SGD has no default; the Adam family 1e-3)' }),
  o('optimizer.momentum', 'number', { min: 0, default: 0, group: 'optimizer', cli: '--momentum', cliCheck: {},
    help: 'SGD momentum' }),
  o('optimizer.dampening', 'number', { min: 0, max: 1, default: 0, group: 'optimizer', help: 'SGD dampening' }),
  o('optimizer.nesterov', 'boolean', { default: false, group: 'optimizer', cli: '--nesterov', web: true, help: 'SGD Nesterov momentum' }),
  o('optimizer.weightDecay', 'number', { min: 0, default: 0, group: 'optimizer', cli: '--weight-decay', cliCheck: {}, web: true,
    help: 'L2 weight decay (AdamW: decoupled, default 1e-2; the CLI: 5e-4)' }),
  o('optimizer.noBiasDecay', 'boolean', { default: false, group: 'optimizer', cli: '--no-bias-decay', web: true,
    help: 'no weight decay on biases and BatchNorm parameters' }),
  o('optimizer.betas', 'array', { default: [0.9, 0.999], group: 'optimizer', help: 'Adam family: [beta1, beta2], each in [0, 1)' }),
  o('optimizer.eps', 'number', { min: 0, default: 1e-8, group: 'optimizer', help: 'Adam family: the denominator term' }),
  o('optimizer.amsgrad', 'boolean', { default: false, group: 'optimizer', help: 'Adam, AdamW: the AMSGrad variant' }),
  o('optimizer.finalLr', 'number', { min: 0, default: 0.1, group: 'optimizer', cli: '--final-lr', cliCheck: { exclusiveMin: 0 },
    help: "AdaBound's final (SGD) lr" }),
  o('optimizer.gamma', 'number', { exclusiveMin: 0, max: 1, default: 1e-3, group: 'optimizer', help: "AdaBound's bound convergence speed, in (0, 1)" }),
  o('optimizer.amsbound', 'boolean', { default: false, group: 'optimizer', help: 'AdaBound: the AMSBound variant' }),

  // ---- the lr schedule (checked by optim.js parseSchedule)
  o('schedule', 'object', { group: 'schedule', help: 'sets the lr of every step from optimizer.lr (none: constant)' }),
  o('schedule.name', 'string', { choices: ['constant', 'step', 'multistep', 'cosine'], group: 'schedule', web: true,
    help: 'the schedule (the studio: cosine or none)' }),
  o('schedule.stepSize', 'integer', { min: 1, group: 'schedule', help: "'step': ticks between lr drops" }),
  o('schedule.milestones', 'array', { group: 'schedule', help: "'multistep': increasing ticks of the lr drops (1 to 16)" }),
  o('schedule.gamma', 'number', { min: 0, default: 0.1, group: 'schedule', help: "'step', 'multistep': the lr factor at a drop" }),
  o('schedule.tMax', 'integer', { min: 1, auto: true, group: 'schedule', help: "'cosine': ticks from the end of the warm-up to the minimum ('auto': the rest of the run)" }),
  o('schedule.etaMin', 'number', { min: 0, default: 0, group: 'schedule', help: "'cosine': the minimum lr" }),
  o('schedule.warmupSteps', 'integer', { min: 0, auto: true, default: 0, group: 'schedule', web: true,
    help: "linear warm-up ticks before the schedule ('auto': 10% of the run)" }),
  o('schedule.warmupStartFactor', 'number', { exclusiveMin: 0, max: 1, default: 1 / 3, group: 'schedule', help: "the warm-up's first lr factor" }),
  o('schedule.interval', 'string', { choices: ['step', 'epoch'], default: 'step', group: 'schedule', help: 'a tick: an optimizer step or an endEpoch() call' }),

  // ---- the loss
  o('labelSmoothing', 'number', { min: 0, max: 1, default: 0, group: 'loss', cli: '--label-smoothing', web: true,
    help: 'CrossEntropyLoss label smoothing' }),
  o('gradClipNorm', 'number', { min: 0, default: 0, group: 'loss', cli: '--clip-grad-norm', cliCheck: { exclusiveMin: 0 }, web: true,
    help: 'clip gradients to global 2-norm X (clip_grad_norm_; 0: off)' }),

  // ---- the batch tricks: the official codes' defaults (mixup-cifar10, CutMix CIFAR, RICAP, timm)
  o('mixup', 'object', { group: 'batch', help: 'mixup on every batch (true: the defaults)' }),
  o('mixup.alpha', 'number', { exclusiveMin: 0, default: 1, group: 'batch', cli: '--mixup', cliArg: 'A', web: true,
    help: 'mixup, lambda ~ Beta(A, A) on every batch' }),
  o('cutmix', 'object', { group: 'batch', help: 'CutMix (true: the defaults)' }),
  o('cutmix.alpha', 'number', { exclusiveMin: 0, default: 1, group: 'batch', cli: '--cutmix', cliArg: 'A', web: true,
    help: 'CutMix, lambda ~ Beta(A, A) (with mixup: either, half the batches each)' }),
  o('cutmix.prob', 'number', { min: 0, max: 1, default: 0.5, group: 'batch', cli: '--cutmix-prob', cliArg: 'P',
    help: 'probability that a batch is cut-mixed (default 0.5; with mixup 1)' }),
  o('ricap', 'object', { group: 'batch', help: 'RICAP (true: the defaults); excludes mixup and CutMix' }),
  o('ricap.beta', 'number', { exclusiveMin: 0, default: 0.3, group: 'batch', cli: '--ricap', cliArg: 'B', web: true,
    help: 'RICAP with Beta(B, B) boundaries' }),
  o('switchProb', 'number', { min: 0, max: 1, default: 0.5, group: 'batch', help: 'mixup and CutMix both on: probability that a batch uses CutMix' }),

  // ---- fine-tuning: freezing and parameter groups (checked by groups.js resolveGroups)
  o('freeze', 'array', { group: 'finetune', web: true, cli: '--freeze', cliArg: 'PREFIX', cliList: ',',
    help: "state_dict name prefixes whose parameters do not train (requires_grad=False), e.g. conv1,layer1; @backbone: everything but the classifier (train the head only) (the flag: a comma list, repeatable)" }),
  o('paramGroups', 'array', { group: 'finetune', web: true, cli: '--param-group', cliArg: 'GROUP', cliList: '',
    help: "parameter groups [{ match, lr?, weightDecay? }] with their own lr and weight decay (scaled by the schedule); the first match wins, the rest use the optimizer's; match @head: the classifier (the flag: PREFIX:lr=X,weightDecay=Y, repeatable)" }),
  o('frozenBatchNorm', 'string', { choices: ['eval', 'train'], default: 'eval', group: 'finetune', cli: '--frozen-batchnorm', cliArg: 'MODE',
    help: "a BatchNorm whose parameters are all frozen: eval keeps its running statistics fixed and normalises with them; train: batch statistics (torch's requires_grad=False alone)" }),

  // ---- knowledge distillation
  o('teacher', 'model', { group: 'distillation', cli: '--teacher', cliArg: 'FILE',
    help: 'distil from a teacher (the CLI: a file written by --save, or model.save())' }),
  o('distillation', 'object', { group: 'distillation', help: 'with a teacher: { temperature, weight }' }),
  o('distillation.temperature', 'number', { exclusiveMin: 0, default: 4, group: 'distillation', cli: '--kd-temperature', cliArg: 'T',
    help: 'distillation temperature' }),
  o('distillation.weight', 'number', { exclusiveMin: 0, default: 1, group: 'distillation', cli: '--kd-weight', cliArg: 'W',
    help: 'loss = CE + W * KD' }),

  // ---- per-image augmentation in fit() (checked by loader.js parseAugment)
  o('augment', 'object', { group: 'augment', help: 'per-image augmentation of the training batches' }),
  o('augment.randomResizedCrop', 'boolean', { group: 'augment', cli: '--random-resized-crop', help: 'RandomResizedCrop to the input size (scale 0.08-1)' }),
  o('augment.randomResizedCrop.scale', 'array', { default: [0.08, 1], group: 'augment', help: "RandomResizedCrop's area range" }),
  o('augment.randomResizedCrop.ratio', 'array', { default: [3 / 4, 4 / 3], group: 'augment', help: "RandomResizedCrop's aspect range" }),
  o('augment.randomCrop', 'boolean', { group: 'augment', help: 'random crop after zero padding (true: padding 4)' }),
  o('augment.randomCrop.padding', 'integer', { min: 0, default: 4, group: 'augment', cli: '--random-crop', cliArg: 'PAD', web: true,
    help: 'random crop of the input size after zero padding PAD' }),
  o('augment.hflip', 'boolean', { group: 'augment', cli: '--hflip', web: true, help: 'horizontal flip with probability 0.5' }),
  o('augment.hflip.p', 'number', { min: 0, max: 1, default: 0.5, group: 'augment', help: 'probability of a horizontal flip' }),
  o('augment.vflip', 'boolean', { group: 'augment', help: 'vertical flip with probability 0.5' }),
  o('augment.vflip.p', 'number', { min: 0, max: 1, default: 0.5, group: 'augment', help: 'probability of a vertical flip' }),
  o('augment.autoAugment', 'string', { choices: ['imagenet', 'cifar10', 'svhn'], group: 'augment', cli: '--autoaugment', cliArg: 'POLICY', web: true,
    help: 'AutoAugment with a policy' }),
  o('augment.randAugment', 'boolean', { group: 'augment', cli: '--randaugment', help: 'RandAugment (2 ops, magnitude 9)' }),
  o('augment.randAugment.numOps', 'integer', { default: 2, group: 'augment', help: 'RandAugment: ops per image' }),
  o('augment.randAugment.magnitude', 'integer', { default: 9, group: 'augment', help: 'RandAugment: magnitude' }),
  o('augment.randAugment.numMagnitudeBins', 'integer', { default: 31, group: 'augment', help: 'RandAugment: magnitude bins' }),
  o('augment.trivialAugment', 'boolean', { group: 'augment', cli: '--trivialaugment', web: true, help: 'TrivialAugmentWide' }),
  o('augment.trivialAugment.numMagnitudeBins', 'integer', { default: 31, group: 'augment', help: 'TrivialAugmentWide: magnitude bins' }),
  o('augment.cutout', 'boolean', { group: 'augment', help: 'Cutout (a number: its length)' }),
  o('augment.cutout.length', 'integer', { min: 1, default: 16, group: 'augment', cli: '--cutout', cliArg: 'N', web: true,
    help: 'Cutout: one N x N hole (after normalisation)' }),
  o('augment.cutout.holes', 'integer', { min: 1, default: 1, group: 'augment', help: 'Cutout: holes per image' }),
  o('augment.randomErasing', 'boolean', { group: 'augment', help: 'RandomErasing (a number: its probability)' }),
  o('augment.randomErasing.p', 'number', { min: 0, max: 1, default: 0.5, group: 'augment', cli: '--random-erasing', cliArg: 'P', web: true,
    help: 'RandomErasing with probability P' }),
  o('augment.randomErasing.scale', 'array', { default: [0.02, 0.33], group: 'augment', help: 'RandomErasing: area range' }),
  o('augment.randomErasing.ratio', 'array', { default: [0.3, 3.3], group: 'augment', help: 'RandomErasing: aspect range' }),
  o('augment.randomErasing.value', 'number', { default: 0, group: 'augment', help: "RandomErasing: the fill (or 'random')" }),

  // ---- fit()
  o('epochs', 'integer', { min: 1, default: 1, group: 'fit', cli: '--epochs', web: true, help: 'passes over the training set' }),
  o('batchSize', 'integer', { min: 1, max: 0x7fffffff, default: 64, group: 'fit', cli: '--batch-size', cliCheck: { min: 1 }, web: true, help: 'images per step' }),
  o('dropLast', 'boolean', { default: false, group: 'fit', help: 'drop the last, smaller batch of an epoch' }),
  o('shuffle', 'boolean', { default: true, group: 'fit', help: 'shuffle the training set every epoch' }),
  o('validation', 'dataset', { group: 'fit', help: 'a data set evaluated after every epoch' }),
  o('onProgress', 'function', { group: 'fit', help: 'called with every step and epoch record' }),
  o('signal', 'signal', { group: 'fit', help: 'an AbortSignal: fit stops after the current step' }),
  o('checkpoint', 'string', { group: 'fit', cli: '--checkpoint', cliArg: 'FILE', help: 'a checkpoint written atomically after every epoch (Node)' }),
  o('resume', 'bytes', { group: 'fit', cli: '--resume', cliArg: 'FILE', help: 'continue the run of a checkpoint (same data, epochs and batch size)' }),
  o('onStep', 'function', { group: 'fit', help: "awaited after every step (a runner's pause point)" }),
  o('prefetch', 'boolean', { auto: true, default: 'auto', group: 'fit', cli: '--prefetch', cliArg: 'MODE',
    help: 'a loader worker augments the next batch while the step runs (the same numbers either way); auto: on when the host has a core the threads leave free' }),
  o('cacheFeatures', 'boolean', { auto: true, default: 'auto', group: 'fit', cli: '--cache-features', cliArg: 'MODE',
    help: 'train the head on features computed once per image (the same numbers either way): needs everything below it frozen (BatchNorm eval), no augmentation, batch trick or teacher; auto: when that holds; on: an error names what does not' }),
]);

const byName = new Map(optionSchema.map((e) => [e.name, e]));

/** The schema entry of an option name ('optimizer.lr'). */
export function optionEntry(name) {
  const e = byName.get(name);
  if (!e) throw new Error(`optionSchema has no option '${name}'`);
  return e;
}

/** The option names one level under `parent` ('' for the top level of `scope`: 'trainer' or
    'fit'), in schema order: what an options object may hold. */
export function childKeys(parent, scope = 'trainer') {
  const depth = parent ? parent.split('.').length + 1 : 1;
  return optionSchema.filter((e) => {
    const parts = e.name.split('.');
    if (parts.length !== depth || (parent && !e.name.startsWith(`${parent}.`))) return false;
    return parent || (scope === 'fit') === (e.group === 'fit');
  }).map((e) => e.name.split('.').at(-1));
}

/** The range of an entry in words ("in [0, 1]", ">= 0", "> 0"), or '' when it has none. */
export function rangeText({ min, max, exclusiveMin }) {
  const lo = exclusiveMin !== undefined ? ['(', exclusiveMin] : min !== undefined ? ['[', min] : null;
  if (lo && max !== undefined) return `in ${lo[0]}${lo[1]}, ${max}]`;
  if (lo) return `${lo[0] === '(' ? '>' : '>='} ${lo[1]}`;
  return max !== undefined ? `<= ${max}` : '';
}

/** Whether a number lies in an entry's range. */
export const inRange = (v, { min, max, exclusiveMin }) =>
  (min === undefined || v >= min) && (exclusiveMin === undefined || v > exclusiveMin) && (max === undefined || v <= max);

/**
 * Checks one scalar option against its entry; undefined gives the entry's default (or
 * `dflt`). `where` prefixes the message ("Trainer"). Messages: "Trainer: labelSmoothing must be
 * a finite number, got NaN", "Trainer: labelSmoothing must be in [0, 1], got 2".
 */
export function checkOption(name, v, where, dflt = optionEntry(name).default) {
  const e = optionEntry(name);
  if (v === undefined) return dflt;
  const what = `${where}: ${name}`;
  if (e.auto && v === 'auto') return v;
  if (e.type === 'boolean') {
    argCheck(typeof v === 'boolean', `${what} must be ${e.auto ? "true, false or 'auto'" : 'a boolean'}, got ${describe(v)}`);
  } else if (e.type === 'string') {
    argCheck(e.choices.includes(v), `${what} must be one of ${e.choices.map((c) => `'${c}'`).join(', ')}, got ${describe(v)}`);
  } else if (e.type === 'integer') {
    const { min, max } = e;
    argCheck(Number.isSafeInteger(v) && inRange(v, e), `${what} must be ${min === 1 && max === undefined ? 'a positive integer'
      : max !== undefined ? `an integer in [${min}, ${max}]` : `an integer >= ${min}`}, got ${describe(v)}`);
  } else if (e.type === 'number') {
    argCheck(typeof v === 'number' && Number.isFinite(v), `${what} must be a finite number, got ${describe(v)}`);
    argCheck(inRange(v, e), `${what} must be ${rangeText(e)}, got ${v}`);
  } else {
    throw new Error(`checkOption: '${name}' (${e.type}) is checked by its own parser`);
  }
  return v;
}

/** Sets option `name` in an options object: setOption(o, 'mixup.alpha', 0.2) makes o.mixup.alpha
    (objects made on the way). The CLI and the studio map their controls with it. */
export function setOption(options, name, value) {
  const keys = name.split('.');
  let at = options;
  for (const k of keys.slice(0, -1)) at = at[k] ??= {};
  at[keys.at(-1)] = value;
  return options;
}
