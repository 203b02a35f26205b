// configs.mjs - what the bag-of-tricks study trains: per data set the models, the baseline recipe
// and each configuration as Trainer options (the baseline plus one trick, the optimizers,
// distillation, the presets, the strong combinations), and the study's cells in the order they
// run: (data set, model, training-set size, epochs) x configurations x seeds. Each entry's note
// is what the generated README says about it. Not here: scheduling (plan.mjs, run.mjs), tables.

/** Batch size of every run (the presets' and the CLI's default). */
export const BATCH_SIZE = 64;
/** Seeds per configuration and cell. */
export const SEEDS = Object.freeze([1, 2, 3]);
/** The training subsets are drawn with this seed (balanced: equal images per class), the same
    subset for every configuration and seed of a size, so seeds differ only in weights, shuffle
    order and augmentation draws (deltas are paired by seed). */
export const DATA_SEED = 1;
/** Test images evaluated after every epoch for the curves (a fixed seeded subset); the table's
    accuracy is on the whole test split. */
export const CURVE_IMAGES = 500;
/** The baseline must fit its training subset (accuracy on the un-augmented subset at the end)
    at least this well for a cell to be in the regime the study is about. */
export const FIT_THRESHOLD = 0.95;

const KD = { temperature: 4, weight: 1 };

/**
 * Per data set: title, models (name -> note), the baseline Trainer options, the Cutout length,
 * the crop augmentations and the distillation teacher (a run of another cell's configuration:
 * its weights are saved when it finishes).
 */
const DATA = {
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    models: { student: 'the student CNN (conv3x3 1->32, conv3x3 32->64, max-pool, linear 128, linear 10; 1.6 M parameters)' },
    baseline: { preset: 'baseline' },
    baselineNote: "SGD lr 0.01, momentum 0.9, weight decay 5e-4, cosine to 0 over the run (the 'baseline' preset)",
    // 14 x 14 hides a quarter of the 28 x 28 image, as DeVries and Taylor's 16 x 16 does on 32 x 32.
    cutout: 14,
    padCrop: { augment: { randomCrop: { padding: 2 }, hflip: true }, name: '+ pad-2 crop + flip',
      note: 'pad-2 random crop + horizontal flip (2 pixels on 28 x 28 is the 4 on 32 x 32 of the CIFAR recipe, scaled)' },
    rrcNote: "torchvision's RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3) + horizontal flip, the ImageNet recipe of Bag of Tricks; on a centred 28 x 28 garment it keeps as little as 8% of the image",
    teacher: { model: 'resnet20', config: 'pad-crop-flip' },
  },
  cifar10: {
    title: 'CIFAR-10',
    models: {
      resnet8: 'ResNet-8 (He et al. 2016 CIFAR ResNet, 3 stages of one basic block, BatchNorm; 78 k parameters)',
      resnet20: 'ResNet-20 (3 stages of three basic blocks; 272 k parameters)',
    },
    baseline: { preset: 'baseline', optimizer: { lr: 0.05 } },
    baselineNote: 'SGD lr 0.05 (0.1 per 128 images, scaled to batch 64), momentum 0.9, weight decay 5e-4, cosine to 0 over the run',
    cutout: 16,
    padCrop: { augment: { randomCrop: { padding: 4 }, hflip: true }, name: '+ pad-4 crop + flip',
      note: 'pad-4 random crop + horizontal flip, the usual CIFAR augmentation' },
    rrcNote: "torchvision's RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3) + horizontal flip, the ImageNet recipe of Bag of Tricks",
    teacher: { model: 'resnet20', config: 'pad-crop-flip' },
  },
};

export const DATA_NAMES = Object.freeze(Object.keys(DATA));

export function dataInfo(data) {
  return DATA[data];
}

/**
 * The configurations of a data set, in table order: [{ id, name, options (Trainer options
 * without teacher), teacher: bool, note }]. The first is the baseline (also the SGD-momentum row
 * of the optimizer comparison); every row up to the presets changes one thing; the last rows
 * stack the augmentations that are strongest on their own.
 */
export function configurations(data) {
  const d = DATA[data];
  const base = d.baseline;
  const withAug = (augment) => ({ ...base, augment });
  const strong = { ...d.padCrop.augment, autoAugment: 'cifar10', cutout: d.cutout };
  return [
    { id: 'baseline', name: 'baseline (SGD momentum)', options: base, note: d.baselineNote },
    { id: 'label-smoothing', name: '+ label smoothing 0.1', options: { ...base, labelSmoothing: 0.1 }, note: 'cross-entropy with label smoothing 0.1 (Szegedy et al. 2016)' },
    { id: 'mixup', name: '+ mixup 0.2', options: { ...base, mixup: { alpha: 0.2 } }, note: 'mixup, lambda ~ Beta(0.2, 0.2) on every batch (Zhang et al. 2018; the Bag of Tricks value)' },
    { id: 'cutmix', name: '+ CutMix 1.0', options: { ...base, cutmix: { alpha: 1, prob: 0.5 } }, note: 'CutMix, lambda ~ Beta(1, 1), on half the batches (the official CIFAR setting, cutmix_prob 0.5)' },
    { id: 'ricap', name: '+ RICAP 0.3', options: { ...base, ricap: { beta: 0.3 } }, note: 'RICAP, boundaries ~ Beta(0.3, 0.3) (Takahashi et al. 2018)' },
    { id: 'cutout', name: `+ Cutout ${d.cutout}`, options: withAug({ cutout: d.cutout }), note: `Cutout, one ${d.cutout} x ${d.cutout} hole per image (DeVries and Taylor 2017)` },
    { id: 'autoaugment', name: '+ AutoAugment (CIFAR10)', options: withAug({ autoAugment: 'cifar10' }), note: "AutoAugment's CIFAR-10 policy (Cubuk et al. 2019)" },
    { id: 'crop-flip', name: '+ RandomResizedCrop + flip', options: withAug({ randomResizedCrop: true, hflip: true }), note: d.rrcNote },
    { id: 'pad-crop-flip', name: d.padCrop.name, options: withAug(d.padCrop.augment), note: d.padCrop.note },
    { id: 'adamw', name: 'AdamW', options: { ...base, optimizer: { name: 'adamw', lr: 1e-3, weightDecay: 1e-2 } }, note: "AdamW lr 1e-3, weight decay 0.01 (PyTorch's default), same cosine schedule" },
    { id: 'adabound', name: 'AdaBound', options: { ...base, optimizer: { name: 'adabound', lr: 1e-3, finalLr: 0.1, weightDecay: 5e-4 } }, note: 'AdaBound lr 1e-3, final lr 0.1, weight decay 5e-4 (the official code\'s CIFAR settings), same cosine schedule' },
    { id: 'distillation', name: '+ distillation', options: { ...base, distillation: KD }, teacher: true,
      note: `knowledge distillation (loss = CE + KD, temperature ${KD.temperature}) from a ${d.teacher.model} trained on the same subset for the same epochs with ${d.padCrop.name.slice(2)} (seed 1 of that cell)` },
    { id: 'bag-of-tricks', name: 'bag of tricks (preset)', options: { ...base, preset: 'bag-of-tricks' }, note: "the 'bag-of-tricks' preset: + 10% linear warm-up, label smoothing 0.1, mixup 0.2, no bias decay" },
    { id: 'small-data', name: 'small data (preset)', options: { ...base, preset: 'small-data' },
      note: "the 'small-data' preset: pad-4 crop + flip and CutMix 1.0 on half the batches, the tricks that each helped on both data sets in this study's first runs (Fashion-MNIST 1,000, CIFAR-10 4,000, seed 1) without keeping the model from fitting its subset; this row tests the combination" },
    { id: 'crop-flip-aa-cutout', name: `${d.padCrop.name} + AutoAugment + Cutout`, options: withAug(strong),
      note: `${d.padCrop.name.slice(2)}, AutoAugment (CIFAR10 policy) and Cutout ${d.cutout}: the augmentation of the 'cifar-autoaugment' preset and of the AutoAugment paper's reduced-CIFAR-10 runs` },
    { id: 'crop-flip-aa-cutout-cutmix', name: `${d.padCrop.name} + AutoAugment + Cutout + CutMix`, options: { ...withAug(strong), cutmix: { alpha: 1, prob: 0.5 } },
      note: 'the row above plus CutMix 1.0 on half the batches: every image-level and batch-level regulariser at once' },
  ];
}

/**
 * The study's cells (each: every configuration listed x SEEDS), run round by round and, within
 * a round, seed by seed across its cells (plan.mjs). Epochs
 * per size are set so the baseline fits its subset (FIT_THRESHOLD; the table checks it), with
 * proportionally more epochs for smaller sets. `configs` omitted: all configurations.
 */
const ALL = undefined;
const CAPACITY = ['baseline', 'pad-crop-flip', 'small-data', 'crop-flip-aa-cutout'];
const LONGER = ['baseline', 'pad-crop-flip', 'small-data', 'crop-flip-aa-cutout', 'crop-flip-aa-cutout-cutmix'];
export const CELLS = Object.freeze([
  // round 1: what the issue requires (CIFAR-10 at 1,000 and 4,000, Fashion-MNIST at 1,000, the
  // capacity check at 4,000); round 2: what the compute allows after it
  { data: 'fashion-mnist', model: 'student', size: 1000, epochs: 60, configs: ALL },
  { data: 'cifar10', model: 'resnet8', size: 4000, epochs: 40, configs: ALL },
  { data: 'cifar10', model: 'resnet8', size: 1000, epochs: 100, configs: ALL },
  { data: 'cifar10', model: 'resnet20', size: 4000, epochs: 40, configs: CAPACITY,
    why: 'model capacity: do the strong regularisers need a larger model?' },
  { data: 'cifar10', model: 'resnet8', size: 4000, epochs: 120, configs: LONGER, round: 2,
    why: 'epochs: do the strong regularisers need a longer run? (3x the epochs of the 4,000-image cell)' },
  { data: 'fashion-mnist', model: 'student', size: 4000, epochs: 30, configs: ALL, round: 2 },
  { data: 'cifar10', model: 'resnet8', size: 10000, epochs: 30, configs: ALL, round: 2 },
].map((c) => Object.freeze(c)));

/** A cell's name in tables and file names: "resnet8-4000x40". */
export const cellId = (c) => `${c.model}-${c.size}x${c.epochs}`;

/** The configurations of a cell, in table order. */
export function cellConfigs(cell) {
  const all = configurations(cell.data);
  return cell.configs ? all.filter((c) => cell.configs.includes(c.id)) : all;
}

/** The run a distillation row of `cell` learns from: the data set's teacher configuration on a
    cell of the same size and epochs with the teacher's model, seed 1. */
export function teacherRun(cell) {
  const t = DATA[cell.data].teacher;
  return { data: cell.data, model: t.model, size: cell.size, epochs: cell.epochs, config: t.config, seed: 1 };
}

/** The unique key of one run. */
export const runKey = (r) => `${r.data}/${r.model}-${r.size}x${r.epochs}/${r.config}/s${r.seed}`;
