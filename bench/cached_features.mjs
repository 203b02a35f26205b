// cached_features.mjs - what fit's cacheFeatures buys: training images/s of a head-only run
// (everything below the classifier frozen, BatchNorms in eval) of the student CNN (1x28x28, head
// fc2) and ResNet-8 (3x32x32, head fc), on the images (cacheFeatures: false) and on features
// computed once (true), interleaved (the order alternates every repetition) so both see the same
// machine load. Each repetition is one fit() of `--epochs` epochs over `--limit` synthetic
// images on a fresh model, batch 64, one thread, no augmentation; images/s is fit's per-epoch
// record: epoch 1 (the cached run's includes computing the features) and the later epochs
// (the head alone). Prints medians side by side with their ratio, and the load average.
// The numbers are the same either way (tests/js/cache.test.mjs). Usage:
//   node bench/cached_features.mjs [--limit 1024] [--epochs 3] [--reps 3]

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { values: a } = parseArgs({ options: { limit: { type: 'string', default: '1024' },
  epochs: { type: 'string', default: '3' }, reps: { type: 'string', default: '3' } } });
const limit = Number(a.limit);
const epochs = Number(a.epochs);
const reps = Number(a.reps);

const { init } = await import(pathToFileURL(path.join(root, 'js', 'index.js')).href);
const wt = await init();

/** limit random uint8 images (CHW) of shape [C, H, W], 10 classes. */
function synthetic([C, H, W]) {
  let s = 1;
  const images = new Uint8Array(limit * C * H * W);
  for (let i = 0; i < images.length; i++) images[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  const labels = Int32Array.from({ length: limit }, (_, i) => i % 10);
  return wt.data.fromArrays({ images, labels, shape: [C, H, W], numClasses: 10 });
}

const CASES = [
  { name: 'student CNN 1x28x28, head fc2', shape: [1, 28, 28], make: () => wt.models.studentCNN({ inputShape: [1, 28, 28], numClasses: 10, seed: 1 }),
    freeze: ['conv1', 'conv2', 'fc1'] },
  { name: 'ResNet-8 3x32x32, head fc', shape: [3, 32, 32], make: () => wt.models.resnet({ depth: 8, inputShape: [3, 32, 32], numClasses: 10, seed: 1 }),
    freeze: ['conv1', 'bn1', 'layer1', 'layer2', 'layer3'] },
];

console.log(`cached features: ${limit} images, ${epochs} epochs, batch 64, ${reps} repetitions, ${wt.build} build, kernel ${wt.kernelName}`);
console.log(`load average before: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} (${os.cpus().length} cores, shared)`);
const rows = [];
for (const c of CASES) {
  const data = synthetic(c.shape);
  const ips = { false: { first: [], later: [] }, true: { first: [], later: [] } };
  for (let r = 0; r < reps; r++) {
    for (const cached of r % 2 ? [true, false] : [false, true]) {
      const model = c.make();
      const t = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 }, freeze: c.freeze, threads: 1, seed: 1 });
      const res = await t.fit(data, { epochs, batchSize: 64, cacheFeatures: cached, prefetch: false });
      if (res.cacheFeatures.used !== cached) throw new Error(`${c.name}: cacheFeatures ${cached} was not honoured`);
      ips[cached].first.push(res.history[0].imagesPerSecond);
      ips[cached].later.push(median(res.history.slice(1).map((h) => h.imagesPerSecond)));
      model.dispose();
    }
  }
  for (const k of ['first', 'later']) {
    const off = median(ips.false[k]);
    const on = median(ips.true[k]);
    rows.push([c.name, k === 'first' ? 'epoch 1' : `epochs 2-${epochs}`, off, on, on / off]);
  }
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`${'model'.padEnd(w)} | epochs     | images img/s | cached img/s | ratio`);
for (const [name, which, off, on, ratio] of rows) {
  console.log(`${name.padEnd(w)} | ${which.padEnd(10)} | ${off.toFixed(0).padStart(12)} | ${on.toFixed(0).padStart(12)} | ${ratio.toFixed(1)}x`);
}
console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
