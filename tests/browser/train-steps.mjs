// train-steps.mjs - what the page, the worker and Node all run: init() the package from its
// URL, then a few SGD steps of the student CNN on a fixed generated batch, and a few steps of a
// ResNet-8 whose batches are mixed by mixup / CutMix from the seeded context RNG (BatchNorm,
// gradient clipping); returns the losses and an FNV-1a hash of every weight's bits after each
// run, which must be identical wherever the module runs.
import { init } from '../../js/index.js';
import { fnv64 } from './hash.mjs';

export async function trainSteps(steps = 12) {
  const wt = await init();
  const N = 16;
  const shape = [1, 8, 8];
  const x = new Float32Array(N * 64);
  const y = new Int32Array(N);
  let s = 7;
  for (let i = 0; i < N; i++) {
    y[i] = i % 4;
    for (let j = 0; j < 64; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i * 64 + j] = (j % 4 === y[i] ? 1 : 0) + (s / 2 ** 32 - 0.5) * 0.5;
    }
  }
  const model = wt.models.studentCNN({ inputShape: shape, numClasses: 4, seed: 1 });
  const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 } });
  const losses = [];
  let hash;
  try {
    for (let i = 0; i < steps; i++) losses.push(trainer.step(x, y).loss);
    hash = fnv64(model.getParams());
  } finally {
    trainer.dispose();
    model.dispose();
  }
  // The seeded RNG's run: mixup and CutMix draws, BatchNorm statistics, gradient clipping.
  const res = wt.models.resnet({ depth: 8, inputShape: shape, numClasses: 4, seed: 5 });
  const rt = new wt.Trainer(res, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
    seed: 5, mixup: { alpha: 0.4 }, cutmix: { alpha: 1 }, gradClipNorm: 1 });
  let rngHash;
  try {
    for (let i = 0; i < 6; i++) rt.step(x, y);
    rngHash = fnv64(res.getParams());
  } finally {
    rt.dispose();
    res.dispose();
  }
  return { losses, hash, rngHash, kernel: wt.kernelName };
}
