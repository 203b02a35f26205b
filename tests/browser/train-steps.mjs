// train-steps.mjs - what the page and the worker both run: init() the package from its URL,
// then a few SGD steps of the student CNN on a fixed generated batch; returns the losses.
import { init } from '../../js/index.js';

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
  try {
    for (let i = 0; i < steps; i++) losses.push(trainer.step(x, y).loss);
  } finally {
    trainer.dispose();
    model.dispose();
  }
  return { losses, kernel: wt.kernelName};
}
