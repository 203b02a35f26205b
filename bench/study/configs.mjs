// configs.mjs - what the bag-of-tricks study trains: per data set, the fixed model, the baseline
// recipe and each configuration as Trainer options (the baseline plus one trick, the optimizers,
// distillation, the combined preset), and the teacher. Each entry's note is what the generated
// README says about it. Not here: the budget (plan.mjs), training (run.mjs).

/** Batch size of every run (the presets' and the CLI's default). */
export const BATCH_SIZE = 64;
/** The training subset is drawn with this seed for every configuration and seed, so seeds
    differ only in weights, shuffle order and augmentation draws (deltas are paired by seed). */
export const DATA_SEED = 1;
/** The teacher trains this many times the students' epochs, on the same subset. */
export const TEACHER_EPOCH_FACTOR = 2;

const KD = { temperature: 4, weight: 1 };

/**
 * Per data set: model (for wt.models), baseline Trainer options, cutout length and the crop
 * augmentation. Fashion-MNIST: the student CNN with the 'baseline' preset (SGD lr 0.01,
 * momentum 0.9, weight decay 5e-4, cosine). CIFAR-10: ResNet-8 with SGD lr 0.05 (He et al.'s
 * CIFAR lr 0.1 for batch 128, scaled linearly to batch 64), same momentum, decay and cosine.
 */
const DATA = {
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    model: { name: 'student' },
    modelNote: 'the student CNN (conv3x3 1->32, conv3x3 32->64, max-pool, linear 128, linear 10; 1.6 M parameters)',
    baseline: { preset: 'baseline' },
    baselineNote: "SGD lr 0.01, momentum 0.9, weight decay 5e-4, cosine to 0 over the run (the 'baseline' preset)",
    lr: 0.01,
    // 14 x 14 hides a quarter of the 28 x 28 image, as DeVries and Taylor's 16 x 16 does on 32 x 32.
    cutout: 14,
    crop: {
      name: '+ pad-2 crop + flip',
      augment: { randomCrop: { padding: 2 }, hflip: true },
      note: 'pad-2 random crop + horizontal flip instead of RandomResizedCrop: RRC (scale 0.08-1) keeps as little as 8% of a centred 28 x 28 garment and stretches it, which removes the class by design',
    },
    teacher: { name: 'resnet20' },
  },
  cifar10: {
    title: 'CIFAR-10',
    model: { name: 'resnet8' },
    modelNote: 'ResNet-8 (He et al. 2016 CIFAR ResNet, 3 stages of one basic block, BatchNorm; 78 k parameters)',
    baseline: { preset: 'baseline', optimizer: { lr: 0.05 } },
    baselineNote: 'SGD lr 0.05 (0.1 per 128 images, scaled to batch 64), momentum 0.9, weight decay 5e-4, cosine to 0 over the run',
    lr: 0.05,
    cutout: 16,
    crop: {
      name: '+ RandomResizedCrop + flip',
      augment: { randomResizedCrop: true, hflip: true },
      note: "torchvision's RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3) + horizontal flip, the ImageNet recipe of Bag of Tricks",
    },
    extra: [{
      name: '+ pad-4 crop + flip',
      augment: { randomCrop: { padding: 4 }, hflip: true },
      note: "pad-4 random crop + horizontal flip, the usual CIFAR augmentation (part of the 'cifar-autoaugment' preset)",
    }],
    teacher: { name: 'resnet20' },
  },
};

export const DATA_NAMES = Object.freeze(Object.keys(DATA));

export function dataInfo(data) {
  return DATA[data];
}

/**
 * The configurations for a data set, in table order: [{ id, name, options (Trainer options
 * without teacher), teacher: bool, note }]. The first is the baseline (also the SGD-momentum row
 * of the optimizer comparison); every other row changes one thing, except the combined preset.
 */
export function configurations(data) {
  const d = DATA[data];
  const base = d.baseline;
  const withAug = (augment) => ({ ...base, augment });
  const rows = [
    { id: 'baseline', name: 'baseline (SGD momentum)', options: base, note: d.baselineNote },
    { id: 'label-smoothing', name: '+ label smoothing 0.1', options: { ...base, labelSmoothing: 0.1 }, note: 'cross-entropy with label smoothing 0.1 (Szegedy et al. 2016)' },
    { id: 'mixup', name: '+ mixup 0.2', options: { ...base, mixup: { alpha: 0.2 } }, note: 'mixup, lambda ~ Beta(0.2, 0.2) on every batch (Zhang et al. 2018; the Bag of Tricks value)' },
    { id: 'cutmix', name: '+ CutMix 1.0', options: { ...base, cutmix: { alpha: 1, prob: 0.5 } }, note: 'CutMix, lambda ~ Beta(1, 1), on half the batches (the official CIFAR setting, cutmix_prob 0.5)' },
    { id: 'ricap', name: '+ RICAP 0.3', options: { ...base, ricap: { beta: 0.3 } }, note: 'RICAP, boundaries ~ Beta(0.3, 0.3) (Takahashi et al. 2018)' },
    { id: 'cutout', name: `+ Cutout ${d.cutout}`, options: withAug({ cutout: d.cutout }), note: `Cutout, one ${d.cutout} x ${d.cutout} hole per image (DeVries and Taylor 2017)` },
    { id: 'autoaugment', name: '+ AutoAugment (CIFAR10)', options: withAug({ autoAugment: 'cifar10' }), note: "AutoAugment's CIFAR-10 policy (Cubuk et al. 2019)" },
    { id: 'crop-flip', name: d.crop.name, options: withAug(d.crop.augment), note: d.crop.note },
    ...(d.extra ?? []).map((e) => ({ id: 'pad-crop-flip', name: e.name, options: withAug(e.augment), note: e.note })),
    { id: 'adamw', name: 'AdamW', options: { ...base, optimizer: { name: 'adamw', lr: 1e-3, weightDecay: 1e-2 } }, note: "AdamW lr 1e-3, weight decay 0.01 (PyTorch's default), same cosine schedule" },
    { id: 'adabound', name: 'AdaBound', options: { ...base, optimizer: { name: 'adabound', lr: 1e-3, finalLr: 0.1, weightDecay: 5e-4 } }, note: "AdaBound lr 1e-3, final lr 0.1, weight decay 5e-4 (the official code's CIFAR settings), same cosine schedule" },
    { id: 'distillation', name: '+ distillation', options: { ...base, distillation: KD }, teacher: true, note: `knowledge distillation from the teacher, loss = CE + KD, temperature ${KD.temperature}` },
    { id: 'bag-of-tricks', name: 'bag of tricks (preset)', options: { ...base, preset: 'bag-of-tricks' }, note: "the 'bag-of-tricks' preset: + 10% linear warm-up, label smoothing 0.1, mixup 0.2, no bias decay" },
  ];
  return rows;
}

/** Models the teacher may be (--teacher). */
export const TEACHER_MODELS = Object.freeze(['student', 'resnet8', 'resnet14', 'resnet20', 'resnet32', 'resnet44', 'resnet56']);

/**
 * The teacher: by default a stronger model (ResNet-20: 0.27 M parameters, 19 conv layers with
 * BatchNorm; --teacher picks another) trained once per study for TEACHER_EPOCH_FACTOR times the
 * students' epochs on the same subset: the baseline recipe, with the CIFAR ResNet lr for batch
 * 64 (0.05) for a ResNet, the data set's baseline lr for the student CNN.
 */
export function teacherConfig(data, name = DATA[data].teacher.name) {
  const d = DATA[data];
  const lr = name === 'student' ? d.lr : 0.05;
  return { model: { name }, options: { preset: 'baseline', optimizer: { lr } },
    note: `${name === 'student' ? 'the student CNN' : name} trained for ${TEACHER_EPOCH_FACTOR}x the students' epochs on the same subset (SGD lr ${lr}, momentum 0.9, weight decay 5e-4, cosine)` };
}
